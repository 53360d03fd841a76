#include "tokenizer/spm.h"

#include <queue>

#include "tokenizer/unicode.h"

namespace hearth::tokenizer::spm {
namespace {

// A run of the text: one or more characters, in a doubly linked list.
struct Symbol {
  size_t offset;
  size_t length;  // 0 once merged into its left neighbour
  int32_t prev;
  int32_t next;
};

struct Candidate {
  float score;
  int32_t left;   // symbol index
  size_t length;  // bytes of left + right when queued: stale entries differ
  // std::priority_queue pops the largest: highest score first, then leftmost.
  bool operator<(const Candidate& o) const { return score != o.score ? score < o.score : left > o.left; }
};

// Pieces the model may produce from text: not control, unknown, unused or
// byte tokens (those are only ever produced by name).
int32_t find_piece(const Vocab& vocab, std::string_view text) {
  const int32_t id = vocab.find(text);
  if (id == kNoToken) return kNoToken;
  const TokenType t = vocab.type(id);
  return (t == TokenType::Normal || t == TokenType::UserDefined || t == TokenType::Undefined) ? id : kNoToken;
}

void append_fallback(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  for (char c : text) {
    const int32_t id = vocab.byte_tokens[static_cast<uint8_t>(c)];
    if (id != kNoToken) {
      out.push_back(id);
    } else if (vocab.special.unk != kNoToken) {
      out.push_back(vocab.special.unk);
      return;  // one unknown token for the whole character
    } else {
      return;  // nothing can express it
    }
  }
}

}  // namespace

std::string escape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (char c : text) {
    if (c == ' ') {
      out += kSpaceMark;
    } else {
      out += c;
    }
  }
  return out;
}

// Hot loop: a heap of candidate pairs with lazy invalidation, so a text of n
// characters costs O(n log n) lookups even when nothing splits it.
void encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  std::vector<Symbol> sym;
  sym.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    unicode::next_codepoint(text, pos);
    const auto index = static_cast<int32_t>(sym.size());
    sym.push_back({start, pos - start, index - 1, pos < text.size() ? index + 1 : -1});
  }
  std::priority_queue<Candidate> queue;
  auto consider = [&](int32_t left) {
    if (left < 0) return;
    const Symbol& a = sym[static_cast<size_t>(left)];
    if (a.next < 0) return;
    const size_t length = a.length + sym[static_cast<size_t>(a.next)].length;
    const int32_t id = find_piece(vocab, text.substr(a.offset, length));
    if (id != kNoToken) queue.push({vocab.scores[static_cast<size_t>(id)], left, length});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(sym.size()); ++i) consider(i);

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& a = sym[static_cast<size_t>(c.left)];
    if (a.length == 0 || a.next < 0) continue;
    Symbol& b = sym[static_cast<size_t>(a.next)];
    if (a.length + b.length != c.length) continue;
    a.length += b.length;
    b.length = 0;
    a.next = b.next;
    if (b.next >= 0) sym[static_cast<size_t>(b.next)].prev = c.left;
    consider(a.prev);
    consider(c.left);
  }
  for (int32_t i = sym.empty() ? -1 : 0; i >= 0; i = sym[static_cast<size_t>(i)].next) {
    const std::string_view piece = text.substr(sym[static_cast<size_t>(i)].offset, sym[static_cast<size_t>(i)].length);
    const int32_t id = find_piece(vocab, piece);
    if (id != kNoToken) {
      out.push_back(id);
    } else {
      append_fallback(vocab, piece, out);
    }
  }
}

}  // namespace hearth::tokenizer::spm
