// https upstreams in gateway.toml: the URL (default port 443), ca_file and
// tls_verify with their errors, the TLS contexts made from them, and
// `hearth gateway --check` as a user runs it (a summary line per https
// upstream, a loud warning for tls_verify = false, a bad ca_file explained).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "config_error.h"
#include "gateway/config.h"
#include "gateway/upstream_tls.h"
#include "test_data.h"
#include "tls_server.h"

namespace hearth::gateway {
namespace {

std::string error_of(const std::string& text) { return test::config_error(text); }

std::string node(const std::string& url, const std::string& extra = "") {
  return "[[nodes]]\nname = \"a\"\nurl = \"" + url + "\"\n" + extra;
}

TEST(GatewayTlsConfig, HttpsUrlsDefaultToPort443) {
  const Url u = parse_url("https://api.example.com/v1");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "api.example.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.base, "/v1");
  EXPECT_EQ(u.origin(), "https://api.example.com:443");
  EXPECT_EQ(parse_url("https://10.0.0.2:8443").port, 8443);
  const Url plain = parse_url("http://h");
  EXPECT_FALSE(plain.tls);
  EXPECT_EQ(plain.port, 80);
  EXPECT_THROW(parse_url("ftp://h"), FormatError);
  EXPECT_EQ(error_of(node("https://:1")), "gw.toml:3:7: nodes[0].url: \"https://:1\" has no host");
}

TEST(GatewayTlsConfig, CaFileAndTlsVerifyAreReadPerUpstream) {
  const auto dir = hearth::test::temp_dir("gw-tls-config");
  const auto cert = test::make_self_signed(dir, "ca", "DNS:localhost");
  const GatewayConfig c = parse_config(node("https://n:8443", "ca_file = \"" + cert.cert.string() + "\"\n") +
                                           "[[clouds]]\nname = \"c\"\nurl = \"https://api.example.com/v1\"\n"
                                           "api_key_env = \"K\"\ntls_verify = false\n",
                                       "gw.toml");
  EXPECT_TRUE(c.nodes[0].tls.verify);
  EXPECT_EQ(c.nodes[0].tls.ca_file, cert.cert.string());
  EXPECT_FALSE(c.clouds[0].tls.verify);
  EXPECT_TRUE(c.clouds[0].tls.ca_file.empty());
  // Defaults: verified against the system store.
  const GatewayConfig d = parse_config(node("https://n"), "gw.toml");
  EXPECT_TRUE(d.nodes[0].tls.verify);
  EXPECT_TRUE(d.nodes[0].tls.ca_file.empty());

  const UpstreamTls tls = make_upstream_tls(c);
  EXPECT_NE(tls.nodes[0], nullptr);
  EXPECT_NE(tls.clouds[0], nullptr);
  EXPECT_EQ(make_upstream_tls(parse_config(node("http://n"), "gw.toml")).nodes[0], nullptr);
  EXPECT_EQ(describe_upstream_tls(c), (std::vector<std::string>{
                                          "node \"a\" (https://n:8443): TLS, certificate checked against ca_file \"" +
                                              cert.cert.string() + "\"",
                                          "cloud \"c\" (https://api.example.com:443): TLS, certificate NOT checked "
                                          "(tls_verify = false)"}));
  ASSERT_EQ(unverified_upstreams(c).size(), 1u);
  EXPECT_EQ(unverified_upstreams(c)[0].rfind("cloud \"c\" (https://api.example.com:443) has tls_verify = false", 0), 0u);
  std::filesystem::remove_all(dir);
}

TEST(GatewayTlsConfig, TlsKeysErrorsNameTheKeyAndTheFile) {
  EXPECT_EQ(error_of(node("http://n:1", "ca_file = \"ca.pem\"\n")),
            "gw.toml:4:11: nodes[0].ca_file: applies to https:// URLs only, and this url is http://");
  EXPECT_EQ(error_of(node("http://n:1", "tls_verify = false\n")),
            "gw.toml:4:14: nodes[0].tls_verify: applies to https:// URLs only, and this url is http://");
  EXPECT_EQ(error_of(node("https://n", "tls_verify = \"no\"\n")), "gw.toml:4:14: nodes[0].tls_verify: must be true or false");
  EXPECT_EQ(error_of(node("https://n", "ca_file = \"/nonexistent/ca.pem\"\n")),
            "gw.toml:4:11: nodes[0].ca_file: cannot read \"/nonexistent/ca.pem\" (No such file or directory); give the "
            "PEM file of the CA that signed the upstream's certificate (a relative path is from the working directory)");
  EXPECT_EQ(error_of(node("https://n", "ca_file = \"/etc/hostname\"\ntls_verify = false\n")),
            "gw.toml:4:11: nodes[0].ca_file: is never used with tls_verify = false; keep one of the two");
  EXPECT_EQ(error_of("[[clouds]]\nname = \"c\"\nurl = \"https://h/v1\"\napi_key_env = \"K\"\nca_file = \"\"\n"),
            "gw.toml:5:11: clouds[0].ca_file: must not be empty");
}

TEST(GatewayTlsConfig, ACaFileWithoutACertificateStopsTheContext) {
  const auto dir = hearth::test::temp_dir("gw-tls-config");
  const auto path = dir / "not.pem";
  std::ofstream(path) << "not a certificate\n";
  const GatewayConfig c = parse_config(node("https://n:8443", "ca_file = \"" + path.string() + "\"\n"), "gw.toml");
  try {
    make_upstream_tls(c);
    FAIL() << "a ca_file without a certificate was accepted";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("node \"a\" (https://n:8443): ca_file \"" + path.string() + "\" holds no usable PEM certificate", 0),
              0u)
        << m;
  }
  std::filesystem::remove_all(dir);
}

TEST(GatewayTlsConfig, CheckSummarisesHttpsUpstreamsAndWarnsAboutUnverifiedOnes) {
  const auto dir = hearth::test::temp_dir("gw-tls-check");
  const auto cert = test::make_self_signed(dir, "ca", "DNS:localhost");
  const auto path = dir / "gw.toml";
  std::ofstream(path) << node("https://127.0.0.1:4502", "ca_file = \"" + cert.cert.string() + "\"\n") +
                             "[[nodes]]\nname = \"b\"\nurl = \"https://127.0.0.1:4503\"\ntls_verify = false\n";
  const auto r = hearth::test::run_hearth({"gateway", "--check", "--config", path.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("node \"a\" (https://127.0.0.1:4502): TLS, certificate checked against ca_file"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("warning: node \"b\" (https://127.0.0.1:4503) has tls_verify = false: its certificate is NOT "
                       "checked"),
            std::string::npos)
      << r.out;
  const auto j = hearth::test::run_hearth({"gateway", "--check", "--json", "--config", path.string()});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  const auto js = nlohmann::json::parse(j.out);
  EXPECT_EQ(js["tls"].size(), 2u);
  EXPECT_EQ(js["warnings"].size(), 1u);

  // A ca_file that is no PEM stops --check, naming the node and the file.
  std::ofstream(dir / "bad.pem") << "junk\n";
  std::ofstream(path) << node("https://127.0.0.1:4502", "ca_file = \"" + (dir / "bad.pem").string() + "\"\n");
  const auto bad = hearth::test::run_hearth({"gateway", "--check", "--config", path.string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("node \"a\" (https://127.0.0.1:4502): ca_file \"" + (dir / "bad.pem").string() +
                         "\" holds no usable PEM certificate"),
            std::string::npos)
      << bad.err;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::gateway
