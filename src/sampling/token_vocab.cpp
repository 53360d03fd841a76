#include "sampling/token_vocab.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace hearth::sampling {

// The trie is built from the tokens sorted by their bytes: each token shares
// with the previous one exactly the path of their common prefix, so nodes
// come out in depth-first order and tokens with equal bytes end together.
TokenVocab::TokenVocab(std::vector<std::string> token_bytes, std::vector<bool> ends)
    : bytes_(std::move(token_bytes)), ends_(std::move(ends)) {
  if (ends_.size() != bytes_.size()) throw Error("token vocab: bytes and end flags differ in length");
  std::vector<int32_t> order;
  for (int32_t id = 0; id < n_vocab(); ++id) {
    if (ends_[static_cast<size_t>(id)]) {
      end_ids_.push_back(id);
    } else if (!bytes_[static_cast<size_t>(id)].empty()) {
      order.push_back(id);  // tokens that add nothing are never offered
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return bytes(a) < bytes(b); });

  std::vector<uint32_t> path;  // node index per byte of the previous token
  const std::string* prev = nullptr;
  for (const int32_t id : order) {
    const std::string& s = bytes(id);
    if (s.size() > 0xffff) throw Error("token vocab: token " + std::to_string(id) + " is longer than 65535 bytes");
    size_t common = 0;
    if (prev) {
      const size_t limit = std::min(prev->size(), s.size());
      while (common < limit && (*prev)[common] == s[common]) ++common;
    }
    while (path.size() > common) {  // leave the subtrees the new token does not share
      nodes_[path.back()].skip = static_cast<uint32_t>(nodes_.size());
      path.pop_back();
    }
    for (size_t k = common; k < s.size(); ++k) {
      path.push_back(static_cast<uint32_t>(nodes_.size()));
      nodes_.push_back({0, 0, 0, static_cast<uint16_t>(k + 1), static_cast<uint8_t>(s[k])});
    }
    Node& end = nodes_[path.back()];
    if (end.tok_begin == end.tok_end) end.tok_begin = end.tok_end = static_cast<uint32_t>(ids_.size());
    ids_.push_back(id);
    ++end.tok_end;
    max_len_ = std::max(max_len_, s.size());
    prev = &s;
  }
  for (const uint32_t n : path) nodes_[n].skip = static_cast<uint32_t>(nodes_.size());
}

}  // namespace hearth::sampling
