#include "gateway/budget_redis.h"

#include <hiredis/hiredis.h>

namespace hearth::gateway {
namespace {

// KEYS[1] the day's hash; ARGV: want tokens, want micro_usd, cap tokens,
// cap micro_usd (0: no cap), expire seconds. 1 when added, 0 when refused.
const char* const kTryAddScript = R"lua(
local used = redis.call('HMGET', KEYS[1], 'tokens', 'micro_usd')
local want_t, want_u = tonumber(ARGV[1]), tonumber(ARGV[2])
local cap_t, cap_u = tonumber(ARGV[3]), tonumber(ARGV[4])
if cap_t ~= 0 and (tonumber(used[1]) or 0) + want_t > cap_t then return 0 end
if cap_u ~= 0 and (tonumber(used[2]) or 0) + want_u > cap_u then return 0 end
redis.call('HINCRBY', KEYS[1], 'tokens', want_t)
redis.call('HINCRBY', KEYS[1], 'micro_usd', want_u)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
)lua";

// KEYS[1] the day's hash; ARGV: delta tokens, delta micro_usd, expire seconds.
const char* const kAddScript = R"lua(
redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'micro_usd', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

std::string day_key(const std::string& key, int64_t day) {
  return RedisBudgetStore::kPrefix + key + ":" + std::to_string(day);
}

// A counter as Redis returned it: an integer reply, a decimal string (HMGET)
// or nil (nothing counted yet: 0).
int64_t integer_of(const redisReply* r) {
  if (r->type == REDIS_REPLY_INTEGER) return r->integer;
  if (r->type == REDIS_REPLY_NIL) return 0;
  const std::string text = r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : "";
  try {
    size_t used = 0;
    const int64_t v = std::stoll(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw BudgetStoreUnavailable("the budget store holds \"" + text + "\" where a counter should be (reply type " +
                               std::to_string(r->type) + ")");
}

}  // namespace

RedisBudgetStore::RedisBudgetStore(const std::string& url, Seconds timeout)
    : redis_(std::make_unique<RedisPool>(parse_redis_url(url), timeout, "budget store",
                                         "cloud requests are refused (budgets fail closed)")) {}

RedisReply RedisBudgetStore::run(const std::vector<std::string>& argv) const {
  try {
    return redis_->command(argv);
  } catch (const RedisError& e) {
    throw BudgetStoreUnavailable(std::string("the budget store is unavailable: ") + e.what());
  }
}

bool RedisBudgetStore::try_add(const std::string& key, int64_t day, BudgetAmount want, BudgetAmount cap) {
  const RedisReply r = run({"EVAL", kTryAddScript, "1", day_key(key, day), std::to_string(want.tokens),
                            std::to_string(want.micro_usd), std::to_string(cap.tokens), std::to_string(cap.micro_usd),
                            std::to_string(kExpireSeconds)});
  return integer_of(r.get()) == 1;
}

void RedisBudgetStore::add(const std::string& key, int64_t day, BudgetAmount delta) {
  run({"EVAL", kAddScript, "1", day_key(key, day), std::to_string(delta.tokens), std::to_string(delta.micro_usd),
       std::to_string(kExpireSeconds)});
}

BudgetAmount RedisBudgetStore::used(const std::string& key, int64_t day) const {
  const RedisReply r = run({"HMGET", day_key(key, day), "tokens", "micro_usd"});
  const redisReply* a = r.get();
  if (a->type != REDIS_REPLY_ARRAY || a->elements != 2) {
    throw BudgetStoreUnavailable("the budget store answered HMGET with something other than two counters");
  }
  return {integer_of(a->element[0]), integer_of(a->element[1])};
}

}  // namespace hearth::gateway
