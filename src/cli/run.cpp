// hearth run MODEL [PROMPT]: generate text and stream it to stdout.
//
//   - The model's chat template (tokenizer.chat_template) is applied when it
//     has one; --raw gives plain completion of the prompt as written.
//   - PROMPT missing: read from stdin when it is piped, else an interactive
//     chat (each turn re-renders the conversation and evaluates only the
//     tokens that changed; the KV of the shared prefix is kept).
//   - The context defaults to the model's trained length, capped by what
//     fits in available memory; the choice is told on stderr. A prompt that
//     does not fit is an error that gives both numbers (no truncation).
//   - Generation stops at an end-of-generation token (EOS or any control
//     token), a --stop string, -n tokens, or a full context.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "engine/generation.h"
#include "engine/session.h"
#include "sampling/sampler.h"
#include "sampling/stop_matcher.h"
#include "tokenizer/tokenizer.h"

namespace hearth::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct RunOptions {
  std::string model;
  std::string prompt;
  bool has_prompt = false;
  std::string system;
  int n_predict = -1;
  int64_t ctx = 0;
  int threads = 0;
  bool raw = false;
  bool verbose = false;
  std::vector<std::string> stops;
  sampling::SamplingParams sampling;
  int64_t seed = -1;
  std::string kv_type = "f16";
};

class Runner {
 public:
  explicit Runner(const RunOptions& o) : opt_(o) {
    model_ = model::Model::load(o.model);
    tok_.emplace(tokenizer::Tokenizer::from_gguf(model_->file()));
    if (!o.raw) {
      if (auto src = model_->file().get_string("tokenizer.chat_template")) {
        tmpl_.emplace(*src);
      }
    }
    const auto kv_type = tensor_type_from_name(o.kv_type);
    if (!kv_type || (*kv_type != TensorType::F16 && *kv_type != TensorType::Q8_0 && *kv_type != TensorType::F32)) {
      throw Error("--kv-type " + o.kv_type + " is not supported (f16, q8_0 or f32)");
    }
    auto [ctx, why] = engine::default_context(*model_, *kv_type);
    if (o.ctx > 0) {
      ctx = o.ctx;
      why = "--ctx";
    }
    std::fprintf(stderr, "hearth: context %lld tokens (%s)%s\n", static_cast<long long>(ctx), why.c_str(),
                 tmpl_ ? "" : o.raw ? ", raw completion" : ", no chat template: raw completion");
    pool_.emplace(o.threads);
    session_.emplace(*model_, *pool_, ctx, *kv_type);
    auto sp = o.sampling;
    if (o.seed >= 0) sp.seed = static_cast<uint64_t>(o.seed);
    sampler_.emplace(sp);
  }

  bool chat_mode() const { return tmpl_.has_value(); }

  // Renders the conversation (or takes the raw prompt) and generates a reply.
  std::string respond(const std::string& user_text) {
    std::string prompt_text;
    if (tmpl_) {
      if (messages_.empty() && !opt_.system.empty()) {
        messages_.push_back({{"role", "system"}, {"content", opt_.system}});
      }
      messages_.push_back({{"role", "user"}, {"content", user_text}});
      nlohmann::ordered_json req;
      req["messages"] = messages_;
      req["add_generation_prompt"] = true;
      prompt_text = engine::render_chat(*tmpl_, *tok_, req);
    } else {
      prompt_text = user_text;
    }
    std::vector<int32_t> tokens = tok_->encode(prompt_text, /*add_special=*/true, /*parse_special=*/true);
    const std::string reply = generate(tokens);
    if (tmpl_) messages_.push_back({{"role", "assistant"}, {"content", reply}});
    return reply;
  }

 private:
  bool ends_generation(int32_t t) const { return engine::ends_generation(*tok_, t); }

  // Evaluates what is new in `tokens` (after the prefix already in the KV
  // cache), then samples and streams until a stop condition.
  std::string generate(const std::vector<int32_t>& tokens) {
    if (static_cast<int64_t>(tokens.size()) >= session_->n_ctx()) {
      throw ContextFullError("the prompt is " + std::to_string(tokens.size()) +
                             " tokens but the context holds " + std::to_string(session_->n_ctx()) +
                             " (raise --ctx or shorten the prompt)");
    }
    size_t common = 0;
    while (common < history_.size() && common < tokens.size() && history_[common] == tokens[common]) ++common;
    if (common == tokens.size()) --common;  // always evaluate at least one token
    session_->truncate(static_cast<int64_t>(common));
    history_.assign(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(common));

    const auto t0 = Clock::now();
    const std::vector<int32_t> fresh(tokens.begin() + static_cast<std::ptrdiff_t>(common), tokens.end());
    std::vector<float> logits = session_->eval(fresh);
    history_.insert(history_.end(), fresh.begin(), fresh.end());
    for (const int32_t t : fresh) sampler_->accept(t);
    const auto t1 = Clock::now();

    sampling::StopMatcher stop(opt_.stops);
    std::string reply;
    int n_gen = 0;
    const int64_t n_vocab = session_->n_vocab();
    while (opt_.n_predict < 0 || n_gen < opt_.n_predict) {
      const int32_t t = sampler_->sample(std::span<const float>(logits.data() + logits.size() - n_vocab, n_vocab));
      sampler_->accept(t);
      if (ends_generation(t)) break;
      ++n_gen;
      const auto out = stop.push(tok_->token_to_piece(t));
      emit(out.text, reply);
      if (out.stop) break;
      if (session_->n_past() >= session_->n_ctx()) {
        std::fprintf(stderr, "\nhearth: context full (%lld tokens): generation stopped\n",
                     static_cast<long long>(session_->n_ctx()));
        break;
      }
      logits = session_->eval(std::span(&t, 1));
      history_.push_back(t);
    }
    emit(stop.flush(), reply);
    const auto t2 = Clock::now();
    if (opt_.verbose) {
      const double pre = std::chrono::duration<double>(t1 - t0).count();
      const double dec = std::chrono::duration<double>(t2 - t1).count();
      std::fprintf(stderr, "\nhearth: prompt %zu tokens (%zu new) in %.3f s (%.1f tok/s); generated %d tokens in %.3f s (%.1f tok/s); seed %llu\n",
                   tokens.size(), fresh.size(), pre, static_cast<double>(fresh.size()) / pre, n_gen, dec,
                   n_gen / std::max(dec, 1e-9), static_cast<unsigned long long>(sampler_->seed()));
    }
    return reply;
  }

  static void emit(const std::string& text, std::string& reply) {
    if (text.empty()) return;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    reply += text;
  }

  const RunOptions& opt_;
  std::unique_ptr<model::Model> model_;
  std::optional<tokenizer::Tokenizer> tok_;
  std::optional<chat::ChatTemplate> tmpl_;
  std::optional<ThreadPool> pool_;
  std::optional<engine::Session> session_;
  std::optional<sampling::Sampler> sampler_;
  nlohmann::ordered_json messages_ = nlohmann::ordered_json::array();
  std::vector<int32_t> history_;  // tokens in the KV cache
};

int run_interactive(Runner& r) {
  std::fprintf(stderr, "hearth: interactive chat — type a message, Ctrl-D to quit\n");
  std::string line;
  for (;;) {
    std::fprintf(stderr, "> ");
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    r.respond(line);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  return 0;
}

int run(RunOptions& o) {
  if (!o.has_prompt && isatty(STDIN_FILENO) == 0) {
    o.prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    o.has_prompt = true;
  }
  Runner r(o);
  if (!o.has_prompt) return run_interactive(r);
  if (o.prompt.empty()) throw Error("the prompt is empty");
  r.respond(o.prompt);
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace

void register_run(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<RunOptions>();
  auto* cmd = app.add_subcommand("run", "Generate text with a model (chat when it has a template)");
  cmd->add_option("model", o->model, "GGUF model file")->required();
  cmd->add_option("prompt", o->prompt, "Prompt (default: stdin when piped, else interactive chat)")
      ->each([o](const std::string&) { o->has_prompt = true; });
  cmd->add_option("-n,--n-predict", o->n_predict, "Tokens to generate (-1: until the model stops)");
  cmd->add_option("--ctx,-c", o->ctx, "Context length in tokens (default: trained length capped by memory)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd->add_option("--threads,-t", o->threads, "Threads (default: all cores)");
  cmd->add_option("--kv-type", o->kv_type, "KV cache type: f16 (default), q8_0 (half the memory) or f32");
  cmd->add_flag("--raw", o->raw, "Plain completion: do not apply the chat template");
  cmd->add_option("--system", o->system, "System message (chat mode)");
  cmd->add_option("--stop", o->stops, "Stop when this text is generated (repeatable)");
  cmd->add_option("--temp", o->sampling.temperature, "Temperature (0: greedy)");
  cmd->add_option("--top-k", o->sampling.top_k, "Top-k (0: off)");
  cmd->add_option("--top-p", o->sampling.top_p, "Top-p (1: off)");
  cmd->add_option("--min-p", o->sampling.min_p, "Min-p (0: off)");
  cmd->add_option("--repeat-penalty", o->sampling.repeat_penalty, "Repetition penalty (1: off)");
  cmd->add_option("--repeat-last-n", o->sampling.repeat_last_n, "Tokens the penalties look back on (-1: all)");
  cmd->add_option("--presence-penalty", o->sampling.presence_penalty, "Presence penalty (OpenAI semantics)");
  cmd->add_option("--frequency-penalty", o->sampling.frequency_penalty, "Frequency penalty (OpenAI semantics)");
  cmd->add_option("--seed", o->seed, "Random seed (same seed and input: same output)");
  cmd->add_flag("--verbose,-v", o->verbose, "Timing and seed on stderr");
  cmd->callback([o, &handler] { handler = [o] { return run(*o); }; });
}

}  // namespace hearth::cli
