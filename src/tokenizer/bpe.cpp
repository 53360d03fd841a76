#include "tokenizer/bpe.h"

#include <queue>

#include "core/error.h"
#include "tokenizer/byte_level.h"

namespace hearth::tokenizer {
namespace {

// One symbol of a piece during merging: a token id in a doubly linked list.
struct Symbol {
  int32_t id;
  int32_t prev;  // index of the previous live symbol, -1 at the start
  int32_t next;  // index of the next live symbol, -1 at the end
  bool alive;
};

struct Candidate {
  int32_t rank;
  int32_t left;      // symbol index
  int32_t left_id;   // ids when queued: a stale entry no longer matches them
  int32_t right_id;
  int32_t result;    // the merged token
  // std::priority_queue pops the largest: lowest rank first, then leftmost.
  bool operator<(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
};

}  // namespace

BpeModel::BpeModel(const Vocab& vocab, Pretokenizer pretokenizer) : pretokenizer_(std::move(pretokenizer)) {
  for (int b = 0; b < 256; ++b) {
    // Only a normal token decodes back to the byte (DeepSeek stores some byte
    // characters as user-defined tokens, which decode as plain text).
    const int32_t id = vocab.find(byte_level::byte_to_text(static_cast<uint8_t>(b)));
    const bool normal = id != kNoToken && (vocab.type(id) == TokenType::Normal || vocab.type(id) == TokenType::Undefined);
    byte_ids_[b] = normal ? id : kNoToken;
  }
  merges_.reserve(vocab.merges.size());
  std::string joined;
  for (size_t rank = 0; rank < vocab.merges.size(); ++rank) {
    const std::string& rule = vocab.merges[rank];
    // The separator is the first space after the first character: a part may
    // not contain a space (byte-level text has none), but be defensive.
    const size_t sep = rule.find(' ', 1);
    if (sep == std::string::npos) {
      throw FormatError(vocab.source + ": tokenizer.ggml.merges[" + std::to_string(rank) + "] '" + rule +
                        "' is not 'left right'");
    }
    const std::string_view left(rule.data(), sep), right(rule.data() + sep + 1, rule.size() - sep - 1);
    joined.assign(left).append(right);
    const int32_t l = vocab.find(left), r = vocab.find(right), result = vocab.find(joined);
    if (l == kNoToken || r == kNoToken || result == kNoToken) continue;
    merges_.try_emplace(pair_key(l, r), Merge{static_cast<int32_t>(rank), result});
  }
}

const BpeModel::Merge* BpeModel::find_merge(int32_t left, int32_t right) const {
  const auto it = merges_.find(pair_key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const {
  for (const Span& piece : pretokenizer_.split(text)) {
    encode_piece(vocab, text.substr(piece.offset, piece.length), out);
  }
}

// Hot loop: runs once per piece. A heap of candidate pairs keyed by (rank,
// position) with lazy invalidation makes a piece of n bytes cost O(n log n),
// so a long run of letters with no split point stays fast.
void BpeModel::encode_piece(const Vocab& vocab, std::string_view piece, std::vector<int32_t>& out) const {
  if (pretokenizer_.ignore_merges()) {
    std::string mapped;
    byte_level::encode(piece, mapped);
    if (const int32_t id = vocab.find(mapped); id != kNoToken) {
      out.push_back(id);
      return;
    }
  }
  const auto n = static_cast<int32_t>(piece.size());
  std::vector<Symbol> sym(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    sym[static_cast<size_t>(i)] = {byte_ids_[static_cast<uint8_t>(piece[static_cast<size_t>(i)])], i - 1,
                                   i + 1 < n ? i + 1 : -1, true};
  }
  std::priority_queue<Candidate> queue;
  auto consider = [&](int32_t left) {
    if (left < 0) return;
    const Symbol& a = sym[static_cast<size_t>(left)];
    if (a.next < 0) return;
    const Symbol& b = sym[static_cast<size_t>(a.next)];
    if (a.id == kNoToken || b.id == kNoToken) return;
    if (const Merge* m = find_merge(a.id, b.id)) queue.push({m->rank, left, a.id, b.id, m->result});
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i);

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& a = sym[static_cast<size_t>(c.left)];
    if (!a.alive || a.id != c.left_id || a.next < 0) continue;
    Symbol& b = sym[static_cast<size_t>(a.next)];
    if (b.id != c.right_id) continue;
    a.id = c.result;
    b.alive = false;
    a.next = b.next;
    if (b.next >= 0) sym[static_cast<size_t>(b.next)].prev = c.left;
    consider(a.prev);
    consider(c.left);
  }
  for (int32_t i = 0; i >= 0 && i < n; i = sym[static_cast<size_t>(i)].next) {
    const int32_t id = sym[static_cast<size_t>(i)].id;
    out.push_back(id != kNoToken ? id : vocab.special.unk);
    if (out.back() == kNoToken) out.pop_back();  // a byte the vocabulary cannot express
  }
}

}  // namespace hearth::tokenizer
