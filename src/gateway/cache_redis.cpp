#include "gateway/cache_redis.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cmath>

namespace hearth::gateway {
namespace {

// KEYS[1] the entry; ARGV: ttl in ms, max_bytes, content_type, then pairs
// (field, value) for the halves present. Sizes the entry as it would be
// after the merge (the key counted too, as the other backends count it) and
// stores nothing when that passes max_bytes. Returns 1 when stored.
const char* const kPutScript = R"lua(
local key, ttl_ms, max_bytes = KEYS[1], ARGV[1], tonumber(ARGV[2])
local given = {}
for i = 4, #ARGV, 2 do given[ARGV[i]] = ARGV[i + 1] end
local size = #key
for _, half in ipairs({'json', 'sse'}) do
  if given[half] then size = size + #given[half] else size = size + redis.call('HSTRLEN', key, half) end
end
if size > max_bytes then return 0 end
redis.call('HSET', key, 'content_type', ARGV[3])
for field, value in pairs(given) do redis.call('HSET', key, field, value) end
redis.call('PEXPIRE', key, ttl_ms)
return 1
)lua";

std::optional<std::string> text_of(const redisReply* r) {
  if (r->type != REDIS_REPLY_STRING) return std::nullopt;
  return std::string(r->str, r->len);
}

std::string ttl_ms(Seconds ttl) { return std::to_string(std::max<long long>(1, std::llround(ttl.count() * 1000))); }

}  // namespace

RedisCache::RedisCache(const CacheConfig& config)
    : config_(config),
      redis_(std::make_unique<RedisPool>(parse_redis_url(config.url), config.timeout, "cache",
                                         "every request is a cache miss")) {}

std::optional<CachedAnswer> RedisCache::get(const std::string& key) {
  try {
    const RedisReply r = redis_->command({"HMGET", kPrefix + key, "content_type", "json", "sse"});
    const redisReply* a = r.get();
    if (a->type != REDIS_REPLY_ARRAY || a->elements != 3) return std::nullopt;
    CachedAnswer answer;
    answer.json = text_of(a->element[1]);
    answer.sse = text_of(a->element[2]);
    if (!answer.json && !answer.sse) return std::nullopt;  // no such entry (or it expired)
    answer.content_type = text_of(a->element[0]).value_or("application/json");
    return answer;
  } catch (const RedisError&) {
    return std::nullopt;  // logged once per outage by the pool
  }
}

void RedisCache::put(const std::string& key, const CachedAnswer& answer) {
  const std::string full = kPrefix + key;
  if (full.size() + answer.bytes() > config_.max_bytes) return;  // never stored: no need to ask
  std::vector<std::string> argv = {"EVAL", kPutScript, "1", full, ttl_ms(config_.ttl),
                                   std::to_string(config_.max_bytes), answer.content_type};
  if (answer.json) argv.insert(argv.end(), {"json", *answer.json});
  if (answer.sse) argv.insert(argv.end(), {"sse", *answer.sse});
  try {
    redis_->command(argv);
  } catch (const RedisError&) {
    // Not stored; logged once per outage by the pool.
  }
}

size_t RedisCache::entries() const {
  size_t n = 0;
  std::string cursor = "0";
  try {
    do {
      const RedisReply r = redis_->command({"SCAN", cursor, "MATCH", std::string(kPrefix) + "*", "COUNT", "1000"});
      const redisReply* a = r.get();
      if (a->type != REDIS_REPLY_ARRAY || a->elements != 2) return 0;
      cursor = text_of(a->element[0]).value_or("0");
      n += a->element[1]->elements;
    } while (cursor != "0");
  } catch (const RedisError&) {
    return 0;
  }
  return n;
}

size_t RedisCache::bytes() const {
  try {
    const RedisReply r = redis_->command({"INFO", "memory"});
    const std::string info = text_of(r.get()).value_or("");
    const std::string field = "used_memory:";
    const size_t at = info.find(field);
    if (at == std::string::npos) return 0;
    return static_cast<size_t>(std::stoull(info.substr(at + field.size())));
  } catch (const std::exception&) {  // RedisError, or a figure that does not parse
    return 0;
  }
}

}  // namespace hearth::gateway
