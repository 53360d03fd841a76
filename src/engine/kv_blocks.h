// Paged KV memory with a prefix cache: the bookkeeping of which cells of the
// shared KvStore belong to whom. Pure bookkeeping (no tensors): the
// scheduler owns one and maps blocks to cells.
//
// The store's cells are cut into blocks of `block_size` consecutive cells;
// block b holds cells [b * block_size, (b + 1) * block_size). A sequence
// holds a block table (its blocks in position order): position p lives in
// cell table[p / block_size] * block_size + p % block_size.
//
// Every block is in exactly one of three states:
//   free        no content; on the free list;
//   referenced  refs > 0: in the block table of that many sequences;
//   cached      refs == 0 but published: its keys/values are still valid
//               and findable by hash; evictable, least recently released
//               first, when the free list runs dry.
//
// Prefix caching: a FULL block whose keys/values have been computed is
// published under chain(hash of the previous block, its tokens). The keys
// and values of a position depend only on the tokens up to it, so a later
// sequence whose first k blocks of tokens hash the same reuses those blocks
// (refs + 1) instead of computing them. The hash chains the whole prefix;
// each entry also keeps its own block's tokens and the parent hash, which
// lookup compares, so a false hit needs a 64-bit collision of the parent
// chain on top of equal tokens.
#pragma once

#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

namespace hearth::engine {

class KvBlocks {
 public:
  // The hash of the (empty) prefix before the first block.
  static constexpr uint64_t kRootHash = 0x9e3779b97f4a7c15ull;
  // The hash of a block of tokens following a prefix that hashes to `parent`.
  static uint64_t chain(uint64_t parent, std::span<const int32_t> tokens);

  KvBlocks(int64_t n_blocks, int64_t block_size);

  int64_t block_size() const { return block_size_; }
  int64_t n_blocks() const { return static_cast<int64_t>(refs_.size()); }
  // Blocks allocate() can still hand out (free + cached).
  int64_t available() const { return static_cast<int64_t>(free_.size() + lru_.size()); }
  // Blocks in some sequence's table.
  int64_t referenced() const { return n_blocks() - available(); }
  // Published blocks that nobody references (reusable or evictable).
  int64_t cached() const { return static_cast<int64_t>(lru_.size()); }

  // A block for new content, refs = 1: from the free list, else the least
  // recently released cached block (its cache entry dropped). -1 when
  // every block is referenced.
  int32_t allocate();

  // The published block holding `tokens` after a prefix hashing to `parent`
  // (with a reference taken for the caller), or -1.
  int32_t lookup(uint64_t parent, std::span<const int32_t> tokens);

  // Publishes a full, computed, referenced block (see chain()). A block
  // already published, or content already cached in another block, is left
  // as it is (the first copy stays the findable one).
  void publish(int32_t block, uint64_t parent, std::span<const int32_t> tokens);

  // Drops one reference; at zero the block becomes cached (published) or free.
  void release(int32_t block);

 private:
  struct Entry {
    uint64_t parent = 0;
    std::vector<int32_t> tokens;
    uint64_t hash = 0;
    bool published = false;
  };
  void unpublish(int32_t block);
  void take_ref(int32_t block);

  int64_t block_size_;
  std::vector<int32_t> refs_;
  std::vector<Entry> entries_;
  std::vector<int32_t> free_;  // stack; the lowest block on top
  std::list<int32_t> lru_;     // cached blocks, least recently released first
  std::vector<std::list<int32_t>::iterator> lru_at_;
  std::unordered_map<uint64_t, int32_t> by_hash_;
};

}  // namespace hearth::engine
