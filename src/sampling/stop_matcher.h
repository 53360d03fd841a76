// Stop strings over streamed text. Generated tokens arrive as text pieces;
// the matcher says which text is safe to show now and when a stop string
// has appeared, so a stream never shows any part of a stop string.
//
//   StopMatcher m({"\nUser:", "</s>"});
//   for (each token) {
//     auto r = m.push(piece);          // r.text: emit now (may be empty)
//     send(r.text);
//     if (r.stop) break;               // *r.stop: index of the stop string
//   }
//   send(m.flush());                   // end without a stop: the held text
//
// Held back at any time: the longest suffix that is a prefix of some stop
// string, and an incomplete trailing UTF-8 character (never half a
// character). Stop strings may span any number of pieces; when several
// occur, the earliest in the text wins (then the first listed). The text
// before the stop string is emitted; the stop string and anything after it
// are dropped.
//
// Cost per push: O(held + piece) per stop string for the search, plus up to
// O(len^2) per stop string for the held-prefix check; callers accepting
// stop strings from a request bound their number and length.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::sampling {

class StopMatcher {
 public:
  struct Result {
    std::string text;                 // safe to emit now
    std::optional<size_t> stop;       // set once a stop string was hit: its index
  };

  // Throws hearth::Error for an empty stop string (it would match at once).
  // No stop strings: the matcher only holds back incomplete UTF-8.
  explicit StopMatcher(std::vector<std::string> stops = {});

  // Appends one generated piece. After a stop, returns no text and the
  // same stop index.
  Result push(std::string_view piece);

  // End of generation: returns the held text (empty after a stop), with an
  // incomplete trailing character replaced by U+FFFD.
  std::string flush();

  std::optional<size_t> stopped() const { return stop_; }
  const std::vector<std::string>& stops() const { return stops_; }
  void reset();

 private:
  // Bytes at the end of held_ that may still begin a stop string.
  size_t stop_prefix_tail() const;

  std::vector<std::string> stops_;
  std::string held_;  // received, not yet emitted
  std::optional<size_t> stop_;
};

}  // namespace hearth::sampling
