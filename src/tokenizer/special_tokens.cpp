#include "tokenizer/special_tokens.h"

namespace hearth::tokenizer {

SpecialTokenMatcher::SpecialTokenMatcher(const Vocab& vocab) {
  nodes_.emplace_back();
  for (int32_t id = 0; id < vocab.n_vocab(); ++id) {
    const TokenType t = vocab.type(id);
    const bool user = t == TokenType::UserDefined;
    if (!user && t != TokenType::Control && t != TokenType::Unknown) continue;
    const std::string& text = vocab.text(id);
    if (text.empty()) continue;
    uint32_t node = 0;
    for (char ch : text) {
      const auto b = static_cast<uint8_t>(ch);
      uint32_t next = child(node, b);
      if (next == 0) {
        next = static_cast<uint32_t>(nodes_.size());
        nodes_[node].children.emplace_back(b, next);
        nodes_.emplace_back();
      }
      node = next;
    }
    if (nodes_[node].token == kNoToken) {  // the lowest id wins for duplicate texts
      nodes_[node].token = id;
      nodes_[node].needs_parse_special = !user;
      any_user_defined_ = any_user_defined_ || user;
    }
  }
}

uint32_t SpecialTokenMatcher::child(uint32_t node, uint8_t byte) const {
  for (const auto& [b, next] : nodes_[node].children) {
    if (b == byte) return next;
  }
  return 0;
}

std::pair<int32_t, size_t> SpecialTokenMatcher::match_at(std::string_view text, size_t pos,
                                                         bool parse_special) const {
  std::pair<int32_t, size_t> best{kNoToken, 0};
  uint32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    node = child(node, static_cast<uint8_t>(text[i]));
    if (node == 0) break;
    const Node& n = nodes_[node];
    if (n.token != kNoToken && (parse_special || !n.needs_parse_special)) best = {n.token, i + 1 - pos};
  }
  return best;
}

std::vector<Fragment> SpecialTokenMatcher::split(std::string_view text, bool parse_special) const {
  std::vector<Fragment> out;
  const bool nothing_to_match = nodes_.size() <= 1 || (!parse_special && !any_user_defined_);
  if (nothing_to_match) {
    if (!text.empty()) out.push_back({kNoToken, 0, text.size()});
    return out;
  }
  size_t text_start = 0;
  for (size_t pos = 0; pos < text.size();) {
    const auto [token, len] = match_at(text, pos, parse_special);
    if (token == kNoToken) {
      ++pos;
      continue;
    }
    if (pos > text_start) out.push_back({kNoToken, text_start, pos - text_start});
    out.push_back({token, pos, len});
    pos += len;
    text_start = pos;
  }
  if (text.size() > text_start) out.push_back({kNoToken, text_start, text.size() - text_start});
  return out;
}

}  // namespace hearth::tokenizer
