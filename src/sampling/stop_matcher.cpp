#include "sampling/stop_matcher.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/error.h"
#include "sampling/utf8_tail.h"

namespace hearth::sampling {

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {
  for (size_t i = 0; i < stops_.size(); ++i)
    if (stops_[i].empty()) throw Error("stop string " + std::to_string(i) + " is empty");
}

StopMatcher::Result StopMatcher::push(std::string_view piece) {
  if (stop_) return {{}, stop_};
  held_.append(piece);

  // held_ is short (a stop-string prefix plus one piece), so plain searches
  // are cheap. The earliest occurrence wins; find() ties go to the first listed.
  size_t first = std::string::npos;
  for (size_t i = 0; i < stops_.size(); ++i) {
    const size_t at = held_.find(stops_[i]);
    if (at < first) {
      first = at;
      stop_ = i;
    }
  }
  if (stop_) {
    std::string text = held_.substr(0, first);
    held_.clear();
    finish_utf8(text);  // final text: nothing more will complete it
    return {std::move(text), stop_};
  }

  const size_t hold = std::max(stop_prefix_tail(), incomplete_utf8_tail(held_));
  Result out{held_.substr(0, held_.size() - hold), std::nullopt};
  held_.erase(0, held_.size() - hold);
  return out;
}

size_t StopMatcher::stop_prefix_tail() const {
  const std::string_view held = held_;
  size_t longest = 0;
  for (const std::string& stop : stops_) {
    // Only proper prefixes: a full occurrence was already found by push().
    for (size_t len = std::min(stop.size() - 1, held.size()); len > longest; --len) {
      if (held.ends_with(std::string_view(stop).substr(0, len))) {
        longest = len;
        break;
      }
    }
  }
  return longest;
}

std::string StopMatcher::flush() {
  std::string text = std::move(held_);
  held_.clear();
  finish_utf8(text);
  return text;
}

void StopMatcher::reset() {
  held_.clear();
  stop_.reset();
}

}  // namespace hearth::sampling
