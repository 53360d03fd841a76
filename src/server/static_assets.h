// The web UI: files of src/server/web embedded in the binary at build time
// (cmake/web_assets.cmake) and served without authentication — the pages
// hold no data; the API calls they make carry the user's key.
//
//   GET /              the chat page (chat.html)
//   GET /NAME          the page NAME.html (/chat, /summarize, ...); a dot in
//                      NAME is a slash in the path (tools.fit.html: /tools/fit)
//   GET /assets/FILE   any other embedded file (CSS, JS, icons)
//
// Every reply carries a Content-Security-Policy (default-src 'self': no
// CDN, no request to any other site), nosniff, and a strong ETag with
// Cache-Control: no-cache (a browser revalidates, a match answers 304).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http_types.h"

namespace hearth::server {

struct StaticAsset {
  std::string_view name;          // file name in src/server/web ("chat.js")
  std::string_view content_type;  // from the extension ("text/javascript; charset=utf-8")
  std::string_view etag;          // quoted, from the content's SHA-256
  std::string_view body;
};

// Every embedded file, sorted by name. Defined in the generated source.
std::span<const StaticAsset> embedded_assets();

// The embedded file called `name`, or nullptr.
const StaticAsset* find_asset(std::string_view name);

// "/tools/fit" for "tools.fit.html" (see above).
std::string page_path(std::string_view name);

// The GET routes of the web UI, path -> handler, for the Router.
std::vector<std::pair<std::string, Handler>> static_routes();

}  // namespace hearth::server
