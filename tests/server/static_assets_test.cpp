// The web UI's files as the Router serves them: every file of
// src/server/web embedded byte for byte, at its path, with the content type
// its extension calls for, the security headers, no key needed; ETag
// revalidation; unknown assets 404.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "server/router.h"
#include "server/static_assets.h"
#include "test_data.h"

namespace hearth::server {
namespace {

class StaticAssetsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine::SchedulerConfig sc;
    sc.n_ctx = 64;
    model_ = new ModelService(test::data_path("tiny/tiny-llama-Q8_0.gguf"), sc, 1);
    config_.api_key = "k1";  // the pages must not need it
  }
  static void TearDownTestSuite() { delete model_; }

  static HttpReply get(const std::string& path, const std::string& if_none_match = {}) {
    HttpRequest r{"GET", path, {}, ""};
    if (!if_none_match.empty()) r.headers["if-none-match"] = if_none_match;
    return Router(*model_, config_).handle(r);
  }

  static ModelService* model_;
  static ServerConfig config_;
};

ModelService* StaticAssetsTest::model_ = nullptr;
ServerConfig StaticAssetsTest::config_;

const std::filesystem::path kWebDir = test::repo_path("src/server/web");

// What a browser needs per extension (module scripts are refused under
// nosniff unless served as JavaScript).
const std::map<std::string, std::string> kTypes = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
};

std::string header(const HttpReply& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

// Pages at /NAME, everything else under /assets/.
std::string url_of(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  return file.extension() == ".html" ? page_path(name) : "/assets/" + name;
}

TEST_F(StaticAssetsTest, EveryFileOfTheWebFolderIsEmbedded) {
  std::set<std::string> on_disk, embedded;
  for (const auto& e : std::filesystem::directory_iterator(kWebDir)) on_disk.insert(e.path().filename().string());
  for (const auto& a : embedded_assets()) embedded.insert(std::string(a.name));
  EXPECT_EQ(embedded, on_disk);
  EXPECT_GE(on_disk.size(), 5u);
}

TEST_F(StaticAssetsTest, EveryAssetIsServedWithItsContentTypeAndBytes) {
  for (const auto& e : std::filesystem::directory_iterator(kWebDir)) {
    const std::string url = url_of(e.path());
    SCOPED_TRACE(url);
    const auto type = kTypes.find(e.path().extension().string());
    ASSERT_NE(type, kTypes.end()) << "add the expected content type of " << e.path().extension() << " here";
    const HttpReply r = get(url);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.content_type, type->second);
    EXPECT_EQ(r.body, test::read_text(e.path()));
    EXPECT_FALSE(r.source);
    EXPECT_NE(header(r, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  }
}

TEST_F(StaticAssetsTest, RootIsTheChatPage) {
  const HttpReply root = get("/");
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(root.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(root.body, test::read_text(kWebDir / "chat.html"));
  EXPECT_EQ(get("/summarize").body, test::read_text(kWebDir / "summarize.html"));
}

TEST_F(StaticAssetsTest, MatchingEtagAnswers304WithoutBody) {
  const HttpReply first = get("/assets/style.css");
  const std::string etag = header(first, "ETag");
  ASSERT_EQ(etag.size(), 18u) << etag;  // "16 hex digits"
  const HttpReply again = get("/assets/style.css", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(header(again, "ETag"), etag);
  EXPECT_EQ(get("/assets/style.css", "\"0000000000000000\"").status, 200);
  // Different content, different tag.
  EXPECT_NE(header(get("/assets/chat.js"), "ETag"), etag);
}

TEST_F(StaticAssetsTest, UnknownAssetsAre404AndOtherMethods405) {
  for (const char* path : {"/assets/missing.js", "/assets/", "/assets/../CMakeLists.txt", "/missing", "/chat.html"}) {
    SCOPED_TRACE(path);
    const HttpReply r = get(path);
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
  }
  HttpRequest post{"POST", "/assets/style.css", {}, ""};
  EXPECT_EQ(Router(*model_, config_).handle(post).status, 405);
}

TEST_F(StaticAssetsTest, ApiRoutesStillNeedTheKey) {
  EXPECT_EQ(get("/v1/models").status, 401);
}

TEST(StaticAssets, FindAsset) {
  ASSERT_NE(find_asset("chat.js"), nullptr);
  EXPECT_EQ(find_asset("chat.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(find_asset("nope.js"), nullptr);
}

}  // namespace
}  // namespace hearth::server
