#include "engine/kv_blocks.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace hearth::engine {

namespace {

// splitmix64 finaliser: a cheap, well-mixed 64-bit permutation.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t KvBlocks::chain(uint64_t parent, std::span<const int32_t> tokens) {
  uint64_t h = mix(parent ^ 0x5851f42d4c957f2dull);
  for (const int32_t t : tokens) h = mix(h ^ static_cast<uint32_t>(t));
  return h;
}

KvBlocks::KvBlocks(int64_t n_blocks, int64_t block_size)
    : block_size_(block_size),
      refs_(static_cast<size_t>(n_blocks), 0),
      entries_(static_cast<size_t>(n_blocks)),
      lru_at_(static_cast<size_t>(n_blocks)) {
  if (n_blocks < 1 || block_size < 1) {
    throw Error("KV blocks: need at least one block of at least one cell (got " + std::to_string(n_blocks) +
                " x " + std::to_string(block_size) + ")");
  }
  free_.reserve(static_cast<size_t>(n_blocks));
  for (auto b = static_cast<int32_t>(n_blocks - 1); b >= 0; --b) free_.push_back(b);
}

void KvBlocks::take_ref(int32_t block) {
  auto& r = refs_[static_cast<size_t>(block)];
  if (r == 0) lru_.erase(lru_at_[static_cast<size_t>(block)]);  // cached -> referenced
  ++r;
}

int32_t KvBlocks::allocate() {
  int32_t b = -1;
  if (!free_.empty()) {
    b = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    b = lru_.front();  // evict the least recently released
    lru_.pop_front();
    unpublish(b);
  } else {
    return -1;
  }
  refs_[static_cast<size_t>(b)] = 1;
  return b;
}

int32_t KvBlocks::lookup(uint64_t parent, std::span<const int32_t> tokens) {
  const auto it = by_hash_.find(chain(parent, tokens));
  if (it == by_hash_.end()) return -1;
  const Entry& e = entries_[static_cast<size_t>(it->second)];
  if (e.parent != parent || !std::equal(tokens.begin(), tokens.end(), e.tokens.begin(), e.tokens.end())) return -1;
  take_ref(it->second);
  return it->second;
}

void KvBlocks::publish(int32_t block, uint64_t parent, std::span<const int32_t> tokens) {
  if (static_cast<int64_t>(tokens.size()) != block_size_) throw Error("KV blocks: only full blocks are published");
  Entry& e = entries_[static_cast<size_t>(block)];
  if (e.published) return;
  const uint64_t h = chain(parent, tokens);
  if (!by_hash_.emplace(h, block).second) return;
  e.parent = parent;
  e.tokens.assign(tokens.begin(), tokens.end());
  e.hash = h;
  e.published = true;
}

void KvBlocks::unpublish(int32_t block) {
  Entry& e = entries_[static_cast<size_t>(block)];
  if (!e.published) return;
  by_hash_.erase(e.hash);
  e.published = false;
  e.tokens.clear();
}

void KvBlocks::release(int32_t block) {
  auto& r = refs_[static_cast<size_t>(block)];
  if (r <= 0) throw Error("KV blocks: block " + std::to_string(block) + " released more often than taken");
  if (--r > 0) return;
  if (entries_[static_cast<size_t>(block)].published) {
    lru_at_[static_cast<size_t>(block)] = lru_.insert(lru_.end(), block);
  } else {
    free_.push_back(block);
  }
}

}  // namespace hearth::engine
