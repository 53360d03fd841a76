#include "server/static_assets.h"

#include <algorithm>

namespace hearth::server {

namespace {

// Pages and scripts come only from this server; nothing may frame them.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// True when an If-None-Match header names `etag` ("*", a list, or W/ forms).
bool etag_matches(const std::string& if_none_match, std::string_view etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  return if_none_match.find(etag) != std::string::npos;
}

HttpReply serve(const StaticAsset& asset, const HttpRequest& req) {
  HttpReply r;
  r.content_type = std::string(asset.content_type);
  r.headers = {{"Content-Security-Policy", kContentSecurityPolicy},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"Cache-Control", "no-cache"},
               {"ETag", std::string(asset.etag)}};
  if (etag_matches(req.header("if-none-match"), asset.etag)) {
    r.status = 304;
    return r;
  }
  r.body = std::string(asset.body);
  return r;
}

Handler handler_for(const StaticAsset& asset) {
  return [&asset](const HttpRequest& req) { return serve(asset, req); };
}

}  // namespace

const StaticAsset* find_asset(std::string_view name) {
  const auto all = embedded_assets();
  const auto it = std::find_if(all.begin(), all.end(), [&](const StaticAsset& a) { return a.name == name; });
  return it == all.end() ? nullptr : &*it;
}

std::string page_path(std::string_view name) {
  std::string path = "/" + std::string(name.substr(0, name.size() - 5));
  for (char& c : path) {
    if (c == '.') c = '/';
  }
  return path;
}

std::vector<std::pair<std::string, Handler>> static_routes() {
  std::vector<std::pair<std::string, Handler>> routes;
  for (const StaticAsset& asset : embedded_assets()) {
    const std::string path =
        ends_with(asset.name, ".html") ? page_path(asset.name) : "/assets/" + std::string(asset.name);
    routes.emplace_back(path, handler_for(asset));
  }
  if (const StaticAsset* home = find_asset("chat.html")) routes.emplace_back("/", handler_for(*home));
  return routes;
}

}  // namespace hearth::server
