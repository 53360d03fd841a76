// hearth bench serve [MODEL | --shape NAME [--type T]] [-c 1,4,8,16] [-p 32] [-n 64] [-r 1] [-t N] [--json]
//
// Serving throughput and latency of continuous batching. For each
// concurrency c, c streams are submitted at once to one engine::Scheduler,
// in process: the engine without HTTP, so the figures are the engine's and
// do not depend on the client (the HTTP path is what tests/e2e drives).
// Each stream has its own random prompt of p tokens (no shared prefix, so
// the prefix cache does not flatter the figures) and generates n tokens.
// Per level:
//   decode tok/s   tokens after each stream's first, over the time from the
//                  first first-token to the last token: the aggregate rate
//                  of the batched decode steps;
//   output tok/s   every generated token over the wall time from submission;
//   TTFT           submission to a stream's first token (p50 / p99);
//   ITL            gap between consecutive tokens of one stream (p50 / p99);
//   speedup        decode tok/s over the single-stream figure.
// A batched step reads the weights once for all its rows (matmul's gemm
// path for several tokens), so decode tok/s should grow with c until the
// step turns compute-bound.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/bench_common.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "engine/scheduler.h"
#include "model/catalog.h"
#include "model/quant_recipe.h"
#include "quant/type_traits.h"

namespace hearth::cli {

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

struct ServeBenchOptions {
  std::string model, shape = "llama3.2-1b", type;
  std::vector<int> concurrency = {1, 4, 8, 16};
  int64_t n_prompt = 32;
  int64_t n_gen = 64;
  int reps = 1;
  int threads = 0;
  bool json = false;
};

struct Level {
  int concurrency = 0;
  double decode_tok_s = 0, output_tok_s = 0;
  double ttft_p50 = 0, ttft_p99 = 0, itl_p50 = 0, itl_p99 = 0;  // milliseconds
  int64_t tokens = 0;
  uint64_t steps = 0;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// The token times of one stream, from its submission to its last token.
struct Trace {
  Clock::time_point submitted;
  std::vector<Clock::time_point> tokens;
};

// Drains a stream on the calling thread, stamping each token as it arrives.
void follow(engine::TokenStream& s, Trace& t) {
  for (;;) {
    auto ev = s.next(std::chrono::minutes(10));
    if (!ev) throw Error("bench serve: a stream stalled for 10 minutes");
    if (ev->done) {
      if (ev->finish == engine::FinishReason::error) throw Error("bench serve: generation failed: " + ev->error);
      return;
    }
    t.tokens.push_back(Clock::now());
  }
}

// c streams at once, r times; their traces reduced to one Level.
Level run_level(const ServeBenchOptions& o, const model::Model& m, const tokenizer::Tokenizer& tok,
                ThreadPool& pool, int c, std::mt19937& rng) {
  engine::SchedulerConfig sc;
  sc.max_running = c;
  sc.n_ctx = static_cast<int64_t>(c) * (o.n_prompt + o.n_gen);
  sc.max_waiting = static_cast<size_t>(c);
  engine::Scheduler sched(m, tok, pool, sc);
  std::vector<double> ttft, itl;
  double decode_tokens = 0, decode_s = 0, out_tokens = 0, out_s = 0;
  for (int rep = 0; rep < o.reps; ++rep) {
    std::vector<Trace> traces(static_cast<size_t>(c));
    std::vector<engine::GenerationRequest> requests(static_cast<size_t>(c));
    for (auto& r : requests) {
      r.prompt = random_tokens(o.n_prompt, m.hparams().n_vocab, rng);
      r.max_tokens = o.n_gen;
      r.sampling.seed = rng();
    }
    // At once: one submit_all, so the engine admits all c together rather
    // than the first ones racing ahead of the rest into an earlier step.
    const Clock::time_point submitted = Clock::now();
    for (Trace& t : traces) t.submitted = submitted;
    std::vector<std::shared_ptr<engine::TokenStream>> streams = sched.submit_all(std::move(requests));
    std::vector<std::thread> readers;
    std::vector<std::string> errors(static_cast<size_t>(c));
    for (int i = 0; i < c; ++i) {
      readers.emplace_back([&, i] {
        try {
          follow(*streams[static_cast<size_t>(i)], traces[static_cast<size_t>(i)]);
        } catch (const std::exception& e) {
          errors[static_cast<size_t>(i)] = e.what();
        }
      });
    }
    for (auto& th : readers) th.join();
    for (const auto& e : errors) {
      if (!e.empty()) throw Error(e);
    }
    Clock::time_point first_token = Clock::time_point::max(), last_token{}, start = traces[0].submitted;
    for (const Trace& t : traces) {
      if (t.tokens.empty()) throw Error("bench serve: a stream generated nothing");
      ttft.push_back(ms(t.tokens.front() - t.submitted));
      for (size_t k = 1; k < t.tokens.size(); ++k) itl.push_back(ms(t.tokens[k] - t.tokens[k - 1]));
      first_token = std::min(first_token, t.tokens.front());
      last_token = std::max(last_token, t.tokens.back());
      decode_tokens += static_cast<double>(t.tokens.size() - 1);
      out_tokens += static_cast<double>(t.tokens.size());
    }
    decode_s += ms(last_token - first_token) / 1e3;
    out_s += ms(last_token - start) / 1e3;
  }
  Level l;
  l.concurrency = c;
  l.decode_tok_s = decode_s > 0 ? decode_tokens / decode_s : 0;
  l.output_tok_s = out_tokens / out_s;
  l.ttft_p50 = percentile(ttft, 50);
  l.ttft_p99 = percentile(ttft, 99);
  l.itl_p50 = percentile(itl, 50);
  l.itl_p99 = percentile(itl, 99);
  l.tokens = static_cast<int64_t>(out_tokens);
  l.steps = sched.stats().steps;
  return l;
}

int bench_serve(const ServeBenchOptions& o) {
  const Subject s = open_subject(o.model, o.model.empty() ? o.shape : std::string(), o.type);
  const tokenizer::Tokenizer tok = subject_tokenizer(s);
  ThreadPool pool(o.threads);
  std::mt19937 rng(42);
  {  // Warm-up: page the weights in and size the buffers.
    ServeBenchOptions w = o;
    w.n_gen = 2;
    w.reps = 1;
    run_level(w, s.model(), tok, pool, 1, rng);
  }
  std::vector<Level> levels;
  for (const int c : o.concurrency) {
    levels.push_back(run_level(o, s.model(), tok, pool, c, rng));
    if (!o.json) std::fprintf(stderr, "concurrency %d done\n", c);
  }
  const double single = levels.front().concurrency == 1 ? levels.front().decode_tok_s : 0;
  const auto speedup = [&](const Level& l) { return single > 0 ? l.decode_tok_s / single : 0.0; };
  if (o.json) {
    Json j = {{"model", s.label}, {"type", s.type}, {"threads", pool.size()}, {"kernels", quant::kernel_isa()},
              {"engine", "scheduler in process"}, {"n_prompt", o.n_prompt}, {"n_gen", o.n_gen},
              {"repetitions", o.reps}, {"levels", Json::array()}};
    for (const Level& l : levels) {
      j["levels"].push_back({{"concurrency", l.concurrency},
                             {"decode_tok_s", l.decode_tok_s},
                             {"output_tok_s", l.output_tok_s},
                             {"speedup", speedup(l)},
                             {"ttft_ms", {{"p50", l.ttft_p50}, {"p99", l.ttft_p99}}},
                             {"itl_ms", {{"p50", l.itl_p50}, {"p99", l.itl_p99}}},
                             {"tokens", l.tokens},
                             {"steps", l.steps}});
    }
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("model: %s  %s  %d threads  %s kernels  prompt %lld, %lld tokens per stream, %d repetition(s)\n\n",
              s.label.c_str(), s.type.c_str(), pool.size(), quant::kernel_isa(),
              static_cast<long long>(o.n_prompt), static_cast<long long>(o.n_gen), o.reps);
  std::printf("| %7s | %12s | %12s | %7s | %19s | %19s |\n", "streams", "decode tok/s", "output tok/s", "speedup",
              "TTFT p50/p99 ms", "ITL p50/p99 ms");
  for (const Level& l : levels) {
    std::printf("| %7d | %12.2f | %12.2f | %6.2fx | %9.1f %9.1f | %9.1f %9.1f |\n", l.concurrency, l.decode_tok_s,
                l.output_tok_s, speedup(l), l.ttft_p50, l.ttft_p99, l.itl_p50, l.itl_p99);
  }
  return 0;
}

}  // namespace

void register_bench_serve(CLI::App& bench, Handler& handler) {
  auto o = std::make_shared<ServeBenchOptions>();
  auto* cmd = bench.add_subcommand(
      "serve", "Serving throughput and latency (decode tok/s, TTFT, ITL) at several concurrent streams");
  auto* model = cmd->add_option("model", o->model, "GGUF file (default: a random-weight --shape model)");
  auto* shape = cmd->add_option("--shape", o->shape, "Random-weight model with this shape: " + model::shape_names())
                    ->capture_default_str();
  model->excludes(shape);
  cmd->add_option("--type", o->type, "File type of the --shape model (default Q4_K_M): " + model::file_type_names());
  cmd->add_option("-c,--concurrency", o->concurrency, "Concurrent streams per level (first 1: speedups relative to it)")
      ->delimiter(',')
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("-p,--n-prompt", o->n_prompt, "Prompt tokens per stream")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("-n,--n-gen", o->n_gen, "Tokens generated per stream")->check(CLI::Range(2, 1 << 20))->capture_default_str();
  cmd->add_option("-r,--repetitions", o->reps, "Rounds per level")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("-t,--threads", o->threads, "Threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json, "Print one JSON object instead of a table");
  cmd->callback([&handler, o] { handler = [o] { return bench_serve(*o); }; });
}

}  // namespace hearth::cli
