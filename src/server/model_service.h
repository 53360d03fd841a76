// One loaded model behind the server: weights, tokenizer, chat template
// (when the model has one), and the scheduler that runs its requests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "core/thread_pool.h"
#include "engine/scheduler.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace hearth::server {

class ModelService {
 public:
  // config.n_ctx <= 0: the engine's default context (trained length capped
  // by memory). Logs the choice on stderr.
  ModelService(const std::filesystem::path& path, engine::SchedulerConfig config, int threads);
  // A model already mapped (the registry sizes it before it commits memory).
  // ctx_why: why config.n_ctx has its value, for the log line.
  ModelService(std::unique_ptr<model::Model> model, const std::filesystem::path& path, engine::SchedulerConfig config,
               int threads, const std::string& ctx_why = "--ctx");

  // The id clients use: the file stem ("stories260K"); the path given on
  // the command line is accepted as well.
  const std::string& id() const { return id_; }
  bool answers_to(std::string_view requested) const;
  int64_t created() const { return created_; }  // file mtime, Unix seconds

  // Prompt tokens for a chat (OpenAI messages; content as a string or an
  // array of text parts) or for a plain completion prompt.
  std::vector<int32_t> chat_prompt(const nlohmann::ordered_json& messages) const;
  std::vector<int32_t> text_prompt(const std::string& prompt) const;

  const std::string& path() const { return path_; }  // as given on the command line
  const model::Model& model() const { return *model_; }
  // False when the model has no chat template (chats then use a plain
  // "Role: content" prompt).
  bool has_chat_template() const { return tmpl_.has_value(); }

  const tokenizer::Tokenizer& tokenizer() const { return *tok_; }
  engine::Scheduler& scheduler() { return *scheduler_; }
  int64_t n_ctx() const { return scheduler_->n_ctx(); }  // KV cells shared by all requests

  // For /metrics and the embeddings endpoints.
  const engine::SchedulerMetrics& scheduler_metrics() const { return scheduler_->metrics(); }
  engine::Scheduler::Stats scheduler_stats() const { return scheduler_->stats(); }
  int64_t n_embd() const { return model_->hparams().n_embd; }
  double load_seconds() const { return load_seconds_; }  // tokenizer, template, KV cache (weights are mapped lazily)

 private:
  std::string id_, path_;
  int64_t created_ = 0;
  double load_seconds_ = 0;
  std::unique_ptr<model::Model> model_;
  std::optional<tokenizer::Tokenizer> tok_;
  std::optional<chat::ChatTemplate> tmpl_;
  std::optional<ThreadPool> pool_;
  std::optional<engine::Scheduler> scheduler_;
};

}  // namespace hearth::server
