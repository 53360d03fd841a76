// `hearth run` in chat mode: a copy of the built-in model with a chat
// template added (written with our GGUF writer), driven on the command line
// and interactively on a pseudo-terminal.
#include <gtest/gtest.h>

#include <filesystem>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "test_data.h"

namespace hearth {
namespace {

// System message, then each turn's text; assistant turns end with a space so
// the next user turn continues the story.
constexpr const char* kTemplate =
    "{% for m in messages %}{% if m.role == 'system' %}{{ m.content }} "
    "{% elif m.role == 'assistant' %}{{ m.content }} {% else %}{{ m.content }}{% endif %}{% endfor %}";

std::filesystem::path model_with_template(const std::filesystem::path& dir) {
  const auto src = gguf::File::open(test::kStories);
  const auto base = gguf::Layout::of(src, src.version());
  auto meta = base.metadata();
  meta.emplace_back("tokenizer.chat_template", gguf::Value::string(kTemplate));
  const auto out = dir / "stories-chat.gguf";
  gguf::Writer w(out, gguf::Layout(meta, base.tensors(), src.version()));
  for (const auto& t : src.tensors()) w.write_tensor(t.name, {t.data, t.n_bytes});
  w.commit();
  return out;
}

class RunChat : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("hearth-chat");
    model_ = model_with_template(dir_).string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string model_;
};

TEST_F(RunChat, TemplateRendersSystemAndUser) {
  const auto chat = test::run_hearth({"run", model_, "went to the park.", "--system", "Lily", "--temp", "0", "-n", "20"});
  const auto raw = test::run_hearth({"run", model_, "Lily went to the park.", "--raw", "--temp", "0", "-n", "20"});
  ASSERT_EQ(chat.exit_code, 0) << chat.err;
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(chat.out, raw.out);
  EXPECT_EQ(raw.err.find("no chat template"), std::string::npos) << raw.err;
  EXPECT_NE(raw.err.find("raw completion"), std::string::npos) << raw.err;
}

TEST_F(RunChat, InteractiveChatKeepsTheConversation) {
  // First turn alone, as a one-shot run, for comparison.
  const auto once = test::run_hearth({"run", model_, "Once upon a time", "--temp", "0", "-n", "12"});
  ASSERT_EQ(once.exit_code, 0) << once.err;
  std::string first = once.out;
  first.pop_back();  // the final newline

  // Two turns typed on a terminal, then Ctrl-D.
  const auto tty = test::run_hearth_tty({"run", model_, "--temp", "0", "-n", "12"},
                                        "Once upon a time\nThe dog\n\x04");
  EXPECT_EQ(tty.exit_code, 0) << tty.out;
  EXPECT_NE(tty.out.find("interactive chat"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find(first), std::string::npos) << tty.out;
  // The second reply continues the whole conversation: same as a one-shot
  // run of the rendered two-turn prompt.
  const auto two = test::run_hearth({"run", model_, "Once upon a time" + first + " The dog", "--raw", "--temp", "0", "-n", "12"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  std::string second = two.out;
  second.pop_back();
  EXPECT_NE(tty.out.find(second), std::string::npos) << "want: " << second << "\n got: " << tty.out;
}

}  // namespace
}  // namespace hearth
