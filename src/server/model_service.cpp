#include "server/model_service.h"

#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "engine/generation.h"
#include "server/api_error.h"
#include "server/chat_content.h"

namespace hearth::server {

ModelService::ModelService(const std::filesystem::path& path, engine::SchedulerConfig config, int threads)
    : ModelService(model::Model::load(path), path, config, threads) {}

ModelService::ModelService(std::unique_ptr<model::Model> model, const std::filesystem::path& path,
                           engine::SchedulerConfig config, int threads, const std::string& ctx_why)
    : id_(path.stem().string()), path_(path.string()), model_(std::move(model)) {
  const auto load_start = std::chrono::steady_clock::now();
  tok_.emplace(tokenizer::Tokenizer::from_gguf(model_->file()));
  if (auto src = model_->file().get_string("tokenizer.chat_template")) tmpl_.emplace(*src);
  std::string why = ctx_why;
  if (config.n_ctx <= 0) {
    const auto c = engine::default_context(*model_);
    config.n_ctx = c.n_ctx;
    why = c.why;
  }
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(path, ec);
  if (!ec) {
    created_ = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                   .count();
  }
  std::fprintf(stderr, "hearth: model %s: context %lld tokens (%s) shared by up to %d sequences%s\n", id_.c_str(),
               static_cast<long long>(config.n_ctx), why.c_str(), config.max_running,
               tmpl_ ? "" : "; no chat template: chats use a plain \"Role: content\" prompt");
  pool_.emplace(threads);
  scheduler_.emplace(*model_, *tok_, *pool_, config);
  load_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
}

bool ModelService::answers_to(std::string_view requested) const { return requested == id_ || requested == path_; }

std::vector<int32_t> ModelService::chat_prompt(const nlohmann::ordered_json& messages) const {
  const auto msgs = flatten_content(messages);
  std::string text;
  try {
    text = engine::render_chat_prompt(tmpl_ ? &*tmpl_ : nullptr, *tok_, msgs);
  } catch (const Error& e) {
    throw bad_request(std::string("messages: ") + e.what(), "messages");
  }
  return tok_->encode(text, /*add_special=*/true, /*parse_special=*/true);
}

std::vector<int32_t> ModelService::text_prompt(const std::string& prompt) const {
  // A raw prompt is user text: special-token syntax in it stays text.
  return tok_->encode(prompt, /*add_special=*/true, /*parse_special=*/false);
}

}  // namespace hearth::server
