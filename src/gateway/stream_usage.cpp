#include "gateway/stream_usage.h"

namespace hearth::gateway {

using Json = nlohmann::json;

bool client_asked_usage(const Json& body) {
  if (!body.is_object()) return false;
  const auto options = body.find("stream_options");
  return options != body.end() && options->is_object() && options->value("include_usage", false) == true;
}

bool ask_stream_usage(Json& body) {
  if (!body.is_object() || body.value("stream", false) != true) return false;
  const bool client_asked = client_asked_usage(body);
  Json& options = body["stream_options"];
  if (!options.is_object()) options = Json::object();
  options["include_usage"] = true;
  return !client_asked;
}

namespace {

// Some "usage" key of the event's text has an object for its value (the
// cheap test before a parse: nearly every event has none).
bool has_usage_object(std::string_view event) {
  constexpr std::string_view kKey = "\"usage\"";
  for (size_t at = event.find(kKey); at != std::string_view::npos; at = event.find(kKey, at + 1)) {
    size_t i = at + kKey.size();
    auto skip_space = [&] {
      while (i < event.size() && (event[i] == ' ' || event[i] == '\t' || event[i] == '\r' || event[i] == '\n')) ++i;
    };
    skip_space();
    if (i >= event.size() || event[i] != ':') continue;
    ++i;
    skip_space();
    if (i < event.size() && event[i] == '{') return true;
  }
  return false;
}

}  // namespace

bool is_usage_only_event(std::string_view event) {
  if (!has_usage_object(event)) return false;
  std::string data;
  while (!event.empty()) {
    const size_t nl = event.find('\n');
    std::string_view line = event.substr(0, nl);
    event = nl == std::string_view::npos ? std::string_view{} : event.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 5) != "data:") continue;
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!data.empty()) data += '\n';
    data += line;
  }
  const Json j = Json::parse(data, nullptr, false);
  if (!j.is_object()) return false;
  const auto choices = j.find("choices");
  const auto usage = j.find("usage");
  return choices != j.end() && choices->is_array() && choices->empty() && usage != j.end() && usage->is_object();
}

std::string UsageChunkFilter::pass(std::string_view bytes) {
  if (!strip_) return std::string(bytes);
  held_ += bytes;
  // Cut held_ into whole events: an event ends at an empty line ("\n\n" or
  // "\r\n\r\n"). Only the bytes that arrived since the last call are scanned
  // (less three, so a terminator split across calls is still seen).
  std::string out;
  size_t start = 0;
  size_t i = scanned_ >= 3 ? scanned_ - 3 : 0;
  while ((i = held_.find('\n', i)) != std::string::npos) {
    const size_t next = i + 1;
    const bool blank = (next < held_.size() && held_[next] == '\n') ||
                       (next + 1 < held_.size() && held_[next] == '\r' && held_[next + 1] == '\n');
    if (!blank) {
      i = next;
      continue;
    }
    const size_t end = next + (held_[next] == '\n' ? 1 : 2);
    const std::string_view event(held_.data() + start, end - start);
    if (!is_usage_only_event(event)) out += event;
    start = i = end;
  }
  held_.erase(0, start);
  scanned_ = held_.size();
  return out;
}

std::string UsageChunkFilter::flush() {
  std::string rest;
  rest.swap(held_);
  scanned_ = 0;
  return rest;
}

std::string without_usage_chunks(std::string_view sse) {
  UsageChunkFilter f(true);
  std::string out = f.pass(sse);
  return out + f.flush();
}

}  // namespace hearth::gateway
