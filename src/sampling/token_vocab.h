// The vocabulary as byte strings, for constraints that must know what each
// token would add to the output: built once per model (the engine caches
// it), shared read-only by every constrained request.
//
// The tokens are also laid out as a trie in depth-first order, so a
// constraint tests a shared prefix once for all the tokens that start with
// it, and skips a whole subtree when the prefix is already invalid:
//
//   vocab.walk(state, feed, allow);
//     feed(State&, uint8_t) -> bool  advances a copy of the state by a byte
//     allow(int32_t id, const State&) called for every token whose bytes all
//                                     fed, with the state after them
//
// Cost: one feed per trie node reached, at most the total bytes of the
// vocabulary (~1 M nodes for a 150k BPE vocabulary), far fewer when the
// constraint rules most first bytes out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::sampling {

class TokenVocab {
 public:
  // token_bytes[id]: what token id adds to the output (empty for tokens that add
  // nothing, such as control tokens); ends[id]: the token ends a generation.
  TokenVocab(std::vector<std::string> token_bytes, std::vector<bool> ends);

  int32_t n_vocab() const { return static_cast<int32_t>(bytes_.size()); }
  const std::string& bytes(int32_t id) const { return bytes_[static_cast<size_t>(id)]; }
  bool ends_generation(int32_t id) const { return ends_[static_cast<size_t>(id)]; }
  const std::vector<int32_t>& end_tokens() const { return end_ids_; }

  template <class State, class Feed, class Allow>
  void walk(const State& root, Feed feed, Allow allow) const;

 private:
  // A trie node in depth-first order: its children follow it; skip is the
  // first node after its subtree. Tokens [tok_begin, tok_end) of ids_ end here.
  struct Node {
    uint32_t skip;
    uint32_t tok_begin, tok_end;
    uint16_t depth;  // bytes from the root (1 for a first byte)
    uint8_t byte;
  };

  std::vector<std::string> bytes_;
  std::vector<bool> ends_;
  std::vector<int32_t> end_ids_;
  std::vector<Node> nodes_;
  std::vector<int32_t> ids_;  // token ids grouped by the node they end at
  size_t max_len_ = 0;
};

// Hot: runs over the trie for every sampled token of a constrained request.
// One state per depth on a stack (states[d] = the root state fed the first d
// bytes of the current path); a failed byte skips the node's whole subtree.
template <class State, class Feed, class Allow>
void TokenVocab::walk(const State& root, Feed feed, Allow allow) const {
  std::vector<State> states(max_len_ + 1, root);
  for (size_t i = 0; i < nodes_.size();) {
    const Node& n = nodes_[i];
    State s = states[n.depth - 1u];
    if (!feed(s, n.byte)) {
      i = n.skip;
      continue;
    }
    states[n.depth] = s;
    for (uint32_t t = n.tok_begin; t < n.tok_end; ++t) allow(ids_[t], states[n.depth]);
    ++i;
  }
}

}  // namespace hearth::sampling
