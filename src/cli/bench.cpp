// hearth bench MODEL | --shape NAME [--type Q4_K_M] [-p 512] [-n 128] [-r 3] [-t N] [--json]
//
// Prefill (pp: one prompt of p tokens, evaluated in batches) and decode (tg: n
// one-token steps after a short prompt) speed over r repetitions, next to the
// machine's read bandwidth measured in the same run. Decode is bound by
// memory, so it is also given as GB/s (tok/s x bytes read per token) and as a
// fraction of that bandwidth. On a shared host the bandwidth moves: on the AMD
// EPYC machines of this project a 2-thread read flips between ~33 and ~62 GB/s,
// at times for a few seconds, at times for minutes, and a decode repetition
// takes 2-6 s. So the limit is read in the decode's own seconds: a read of a
// 512 MiB probe buffer (the best of 2 passes) before every kChunkTokens decode
// steps and after the last, and the fraction is the median over the chunks of
// each chunk's GB/s over the mean of the two reads around it. The older
// bracketing figure (the best of 5 passes of a 1 GiB buffer right before and
// right after each whole repetition) is printed beside it: it compares a
// decode that crossed a flip with whichever state the probes caught. --shape
// benchmarks a random-weight model with a catalog shape (model/catalog.h),
// built in memory in seconds.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cli/bench_common.h"
#include "cli/commands.h"
#include "core/bandwidth.h"
#include "core/error.h"
#include "engine/session.h"
#include "model/catalog.h"
#include "model/footprint.h"
#include "model/quant_recipe.h"
#include "model/step_phases.h"
#include "model/synthetic.h"
#include "quant/type_traits.h"

namespace hearth::cli {

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Decode runs after a prompt of this many tokens (untimed), as a chat's
// first turn would, unless --depth asks for more (llama-bench's -d): the
// attention's share of a step grows with the context.
constexpr int64_t kDecodePrompt = 16;

struct BenchOptions {
  std::string model;
  std::string shape;
  std::string type;
  int64_t n_prompt = 512;
  int64_t n_gen = 128;
  int64_t depth = kDecodePrompt;
  int reps = 3;
  int threads = 0;
  int64_t bandwidth_mib = 1024;
  bool json = false;
  bool profile = false;
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One prefill of `prompt` on an empty context: tokens per second.
double run_prefill(engine::Session& s, const std::vector<int32_t>& prompt) {
  s.reset();
  const auto t0 = Clock::now();
  s.eval(prompt);
  return static_cast<double>(prompt.size()) / seconds_since(t0);
}

// Decode steps between two reads of the interleaved probe: ~0.1-0.4 s of
// decode on the reference machine, against ~10-35 ms per read.
constexpr size_t kChunkTokens = 8;
// The interleaved probe's buffer (at most --bandwidth-mib), and its passes
// per read, of which the faster counts: one pass alone now and then stalls
// (6-22 GB/s among passes of ~32, 2026-11-30), a cost the decode's chunks
// spread over 30 times as long.
constexpr int64_t kInterleavedProbeMiB = 512;
constexpr int kPassesPerRead = 2;

struct DecodeRun {
  double tok_s = 0;                 // the whole run, probe passes excluded
  std::vector<double> chunk_tok_s;  // per chunk of kChunkTokens steps (the last may be shorter)
  std::vector<double> probe_gbs;    // one read before each chunk and one after the last
};


// After an untimed `prompt`, one step per token of `gen`; with a probe, a
// read of it before each chunk of steps and after the last; with `phases`,
// the steps' phases timed into it.
DecodeRun run_decode(engine::Session& s, const std::vector<int32_t>& prompt, const std::vector<int32_t>& gen,
                     ReadProbe* probe = nullptr, model::StepPhases* phases = nullptr) {
  s.reset();
  s.eval(prompt);
  s.set_step_phases(phases);
  DecodeRun run;
  double total = 0;
  for (size_t i = 0; i < gen.size(); i += kChunkTokens) {
    if (probe) run.probe_gbs.push_back(probe->best_of(kPassesPerRead));
    const size_t end = std::min(gen.size(), i + kChunkTokens);
    const auto t0 = Clock::now();
    for (size_t k = i; k < end; ++k) s.eval(std::span<const int32_t>(&gen[k], 1));
    const double sec = seconds_since(t0);
    total += sec;
    run.chunk_tok_s.push_back(static_cast<double>(end - i) / sec);
  }
  s.set_step_phases(nullptr);
  if (probe) run.probe_gbs.push_back(probe->best_of(kPassesPerRead));
  run.tok_s = static_cast<double>(gen.size()) / total;
  return run;
}

struct Results {
  Stats pp, tg;
  ReadBandwidth bw;                   // the bracketing probes' settings; gb_per_s: their median
  std::vector<double> tg_reps, bw_reps;  // per repetition: decode tok/s, the mean of the probes around it
  std::vector<double> bw_before, bw_after;
  std::vector<double> interleaved_gbs;   // every read of the interleaved probe
  // Per decode chunk (kChunkTokens steps, the repetitions one after the other):
  // tok/s, bytes read per token at its mean context, and its GB/s over the
  // mean of the reads around it.
  std::vector<double> chunk_tok_s, chunk_bytes, chunk_fractions;
  uint64_t interleaved_bytes = 0;
  model::DecodeTraffic traffic;
  // --profile: the measured decode steps' phases, and each phase's weight bytes a step.
  model::StepPhases phases;
  std::array<uint64_t, model::kStepPhases> phase_bytes{};
  double mean_ctx = 0;
  int threads = 0;
  uint64_t file_size = 0, params = 0;
};

Results run_bench(const BenchOptions& o, const Subject& subject) {
  const model::Model& m = subject.model();
  Results r;
  ThreadPool probe_pool(0);  // the limit is read with all cores
  ThreadPool pool(o.threads);
  r.threads = pool.size();
  r.file_size = m.file().file_size();
  for (const auto& t : m.file().tensors()) r.params += t.n_elements;

  std::mt19937 rng(42);
  const int64_t n_vocab = m.hparams().n_vocab;
  const auto prompt = random_tokens(o.n_prompt, n_vocab, rng);
  const auto short_prompt = random_tokens(o.depth, n_vocab, rng);
  const auto gen = random_tokens(o.n_gen, n_vocab, rng);
  engine::Session session(m, pool, std::max(o.n_prompt, o.depth + o.n_gen));

  // Bytes read per token at the mean context of the decode steps [k0, k1).
  const auto traffic = [&](int64_t k0, int64_t k1) {
    return model::decode_traffic(m, model::mean_decode_context(o.depth, k0, k1), session.kv().type()).total();
  };

  // Warm-up: page in the weights and size every buffer once.
  run_decode(session, short_prompt, {gen.front()});
  std::vector<double> pp;
  for (int i = 0; i < o.reps; ++i) {
    pp.push_back(run_prefill(session, prompt));
    // The bracketing limit, measured on both sides of the decode (each
    // probe's buffer is freed before the decode).
    const auto probe = [&] {
      r.bw = measure_read_bandwidth(probe_pool, static_cast<uint64_t>(o.bandwidth_mib) << 20);
      return r.bw.gb_per_s;
    };
    r.bw_before.push_back(probe());
    DecodeRun run;
    {
      ReadProbe interleaved(probe_pool, static_cast<uint64_t>(std::min(o.bandwidth_mib, kInterleavedProbeMiB)) << 20);
      r.interleaved_bytes = interleaved.buffer_bytes();
      run = run_decode(session, short_prompt, gen, &interleaved, o.profile ? &r.phases : nullptr);
    }
    r.bw_after.push_back(probe());
    r.bw_reps.push_back((r.bw_before.back() + r.bw_after.back()) / 2);
    r.tg_reps.push_back(run.tok_s);
    r.interleaved_gbs.insert(r.interleaved_gbs.end(), run.probe_gbs.begin(), run.probe_gbs.end());
    for (size_t c = 0; c < run.chunk_tok_s.size(); ++c) {
      const auto k0 = static_cast<int64_t>(c * kChunkTokens);
      const int64_t k1 = std::min<int64_t>(o.n_gen, k0 + static_cast<int64_t>(kChunkTokens));
      r.chunk_tok_s.push_back(run.chunk_tok_s[c]);
      r.chunk_bytes.push_back(traffic(k0, k1));
      const double gbs = r.chunk_tok_s.back() * r.chunk_bytes.back() / 1e9;
      r.chunk_fractions.push_back(gbs / ((run.probe_gbs[c] + run.probe_gbs[c + 1]) / 2));
    }
  }
  r.pp = summarize(pp);
  r.tg = summarize(r.tg_reps);
  r.bw.gb_per_s = summarize(r.bw_reps).median;
  r.mean_ctx = model::mean_decode_context(o.depth, 0, o.n_gen);
  r.traffic = model::decode_traffic(m, r.mean_ctx, session.kv().type());
  r.phase_bytes = model::step_phase_weight_bytes(m);
  return r;
}

double decode_gbs(const Results& r) { return r.tg.median * r.traffic.total() / 1e9; }

// The interleaved limit: the median of its reads; the fraction: the median
// over the decode chunks of each one's GB/s over the reads around it.
double read_gbs(const Results& r) { return summarize(r.interleaved_gbs).median; }
double bandwidth_fraction(const Results& r) { return summarize(r.chunk_fractions).median; }

// The bracketing figure: median over the repetitions of decode GB/s / the
// mean of the best-of-5 probes before and after it.
double bracketing_fraction(const Results& r) {
  std::vector<double> f;
  for (size_t i = 0; i < r.tg_reps.size(); ++i) f.push_back(r.tg_reps[i] * r.traffic.total() / 1e9 / r.bw_reps[i]);
  return summarize(f).median;
}

Json stats_json(const Stats& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"stddev", s.stddev}};
}

// One line of the --profile breakdown: a phase of the decode steps, or the
// rest of them (norms, residual adds, the embedding row, the steps' own
// bookkeeping: no GB/s of its own).
struct PhaseRow {
  std::string name;
  double us_per_token = 0, share = 0;  // share: of the steps' time
  double bytes_per_token = 0;          // its weights; attention: the KV cache at the mean context
  double gbs = 0, fraction = 0;        // its bytes over its seconds, and over the median read
};

std::vector<PhaseRow> phase_rows(const Results& r) {
  const model::StepPhases& p = r.phases;
  std::vector<PhaseRow> rows;
  if (p.steps == 0) return rows;
  const auto row = [&](std::string name, double seconds, double bytes, bool streams) {
    PhaseRow x{std::move(name), 1e6 * seconds / static_cast<double>(p.steps), seconds / p.step_seconds, bytes};
    if (streams && seconds > 0) {
      x.gbs = bytes * static_cast<double>(p.steps) / seconds / 1e9;
      x.fraction = x.gbs / read_gbs(r);
    }
    rows.push_back(std::move(x));
  };
  double matrices = 0;
  for (int i = 0; i < model::kStepPhases; ++i) {
    const auto phase = static_cast<model::StepPhase>(i);
    const bool attention = phase == model::StepPhase::kAttention;
    const double bytes = attention ? r.traffic.kv : static_cast<double>(r.phase_bytes[static_cast<size_t>(i)]);
    if (!attention) matrices += bytes;
    row(model::step_phase_name(phase), p[phase], bytes, true);
  }
  row("rest", p.rest_seconds(), static_cast<double>(r.traffic.weights + r.traffic.embd_row) - matrices, false);
  return rows;
}

void print_json(const BenchOptions& o, const Subject& s, const Results& r) {
  Json j = {
      {"model", s.label},
      {"type", s.type},
      {"file_size", r.file_size},
      {"params", r.params},
      {"threads", r.threads},
      {"kernels", quant::kernel_isa()},
      {"n_prompt", o.n_prompt},
      {"n_gen", o.n_gen},
      {"depth", o.depth},
      {"repetitions", o.reps},
      {"prefill_tok_s", r.pp.median},
      {"decode_tok_s", r.tg.median},
      {"prefill", stats_json(r.pp)},
      {"decode", stats_json(r.tg)},
      {"bytes_per_token", r.traffic.total()},
      {"bytes_per_token_detail",
       {{"weights", r.traffic.weights}, {"embd_row", r.traffic.embd_row}, {"kv", r.traffic.kv},
        {"mean_context", r.mean_ctx}}},
      {"decode_gbs", decode_gbs(r)},
      {"read_bandwidth_gbs", read_gbs(r)},
      {"read_bandwidth",
       {{"threads", r.bw.threads},
        {"interleaved",
         {{"buffer_bytes", r.interleaved_bytes},
          {"decode_steps_between_reads", kChunkTokens},
          {"passes_per_read", kPassesPerRead},
          {"reads_gbs", r.interleaved_gbs},
          {"chunk_tok_s", r.chunk_tok_s},
          {"chunk_bytes_per_token", r.chunk_bytes},
          {"chunk_fractions", r.chunk_fractions}}},
        {"bracketing",
         {{"buffer_bytes", r.bw.buffer_bytes},
          {"best_of_passes", r.bw.passes},
          {"median_gbs", r.bw.gb_per_s},
          {"per_repetition_gbs", r.bw_reps},
          {"before_decode_gbs", r.bw_before},
          {"after_decode_gbs", r.bw_after},
          {"decode_bandwidth_fraction", bracketing_fraction(r)}}}}},
      {"decode_per_repetition_tok_s", r.tg_reps},
      {"decode_bandwidth_fraction", bandwidth_fraction(r)},
  };
  if (o.profile) {
    Json phases = Json::array();
    for (const PhaseRow& p : phase_rows(r)) {
      phases.push_back({{"phase", p.name},
                        {"us_per_token", p.us_per_token},
                        {"share", p.share},
                        {"bytes_per_token", p.bytes_per_token},
                        {"gbs", p.gbs},
                        {"bandwidth_fraction", p.fraction}});
    }
    j["decode_phases"] = {{"steps", r.phases.steps}, {"step_seconds", r.phases.step_seconds}, {"phases", phases}};
  }
  std::printf("%s\n", j.dump(2).c_str());
}

void print_text(const BenchOptions& o, const Subject& s, const Results& r) {
  const double params = static_cast<double>(r.params);
  std::printf("model: %s  %s  %.1f MB  %.2f%s params  %d threads  %s kernels\n", s.label.c_str(),
              s.type.c_str(), static_cast<double>(r.file_size) / 1e6,
              params >= 1e9 ? params / 1e9 : params / 1e6, params >= 1e9 ? "B" : "M", r.threads,
              quant::kernel_isa());
  const Stats bw = summarize(r.interleaved_gbs), bracket = summarize(r.bw_reps);
  std::printf("read bandwidth: %.1f GB/s, %.1f .. %.1f (%d threads, the best of %d passes of a %.0f MiB buffer "
              "every %zu decode steps)\n",
              bw.median, bw.min, bw.max, r.bw.threads, kPassesPerRead,
              static_cast<double>(r.interleaved_bytes) / (1 << 20), kChunkTokens);
  std::printf("  around each decode run: %.1f GB/s, %.1f .. %.1f (%.0f MiB buffer, best of %d passes; decode %.0f%% "
              "of it)\n\n",
              bracket.median, bracket.min, bracket.max, static_cast<double>(r.bw.buffer_bytes) / (1 << 20),
              r.bw.passes, 100.0 * bracketing_fraction(r));
  std::printf("| %-8s | %10s | %21s | %8s | %s\n", "test", "tok/s", "min .. max", "stddev", "GB/s");
  std::printf("| %-8s | %10.2f | %9.2f .. %8.2f | %8.2f |\n", ("pp" + std::to_string(o.n_prompt)).c_str(),
              r.pp.median, r.pp.min, r.pp.max, r.pp.stddev);
  const std::string tg =
      "tg" + std::to_string(o.n_gen) + (o.depth == kDecodePrompt ? "" : " @ d" + std::to_string(o.depth));
  std::printf("| %-8s | %10.2f | %9.2f .. %8.2f | %8.2f | %.1f (%.0f%% of read bandwidth)\n", tg.c_str(),
              r.tg.median, r.tg.min, r.tg.max, r.tg.stddev, decode_gbs(r), 100.0 * bandwidth_fraction(r));
  std::printf("(the median over the %zu decode chunks of their GB/s over the reads around them)\n",
              r.chunk_fractions.size());
  std::printf("\nbytes read per decoded token: %.2f MB (weights %.2f MB, embedding row %llu bytes, "
              "KV cache %.2f MB at mean context %.1f); median of %d repetitions\n",
              r.traffic.total() / 1e6, static_cast<double>(r.traffic.weights) / 1e6,
              static_cast<unsigned long long>(r.traffic.embd_row), r.traffic.kv / 1e6, r.mean_ctx, o.reps);
  if (!o.profile) return;
  std::printf("\ndecode steps by phase (%lld steps, all repetitions; GB/s: the bytes each phase reads over its "
              "time, against the median read, %.1f GB/s):\n",
              static_cast<long long>(r.phases.steps), read_gbs(r));
  std::printf("| %-9s | %9s | %5s | %9s | %6s | %8s |\n", "phase", "us/token", "share", "MB/token", "GB/s", "of reads");
  for (const PhaseRow& p : phase_rows(r)) {
    std::printf("| %-9s | %9.1f | %4.1f%% | %9.2f | ", p.name.c_str(), p.us_per_token, 100 * p.share,
                p.bytes_per_token / 1e6);
    if (p.gbs > 0) {
      std::printf("%6.1f | %7.1f%% |\n", p.gbs, 100 * p.fraction);
    } else {
      std::printf("%6s | %8s |\n", "-", "-");
    }
  }
}

}  // namespace

void register_bench(CLI::App& app, Handler& handler) {
  auto opt = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand("bench", "Measure prefill and decode speed against the memory bandwidth");
  auto* model = cmd->add_option("model", opt->model, "GGUF file");
  auto* shape = cmd->add_option("--shape", opt->shape,
                                "Benchmark a random-weight model with this shape: " + model::shape_names());
  model->excludes(shape);
  cmd->add_option("--type", opt->type, "File type of the --shape model (default Q4_K_M): " +
                                           model::file_type_names());
  cmd->add_option("-p,--n-prompt", opt->n_prompt, "Prompt tokens for prefill")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("-n,--n-gen", opt->n_gen, "Tokens to decode")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("-d,--depth", opt->depth, "Context tokens before decode (untimed)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24))
      ->capture_default_str();
  cmd->add_option("-r,--repetitions", opt->reps, "Repetitions of each test")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("-t,--threads", opt->threads, "Threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--bandwidth-mib", opt->bandwidth_mib, "Buffer of the read bandwidth probe, MiB")
      ->check(CLI::Range(int64_t{16}, int64_t{1} << 16))
      ->capture_default_str();
  cmd->add_flag("--json", opt->json, "Print one JSON object instead of a table");
  cmd->add_flag("--profile", opt->profile,
                "Also time each phase of the decode steps (q/k/v, attention, output projection, gate/up, down, "
                "output head) and give each one's GB/s");
  register_bench_serve(*cmd, handler);
  cmd->callback([&handler, opt, cmd] {
    if (cmd->got_subcommand("serve")) return;  // `bench serve` set its own handler
    handler = [opt] {
      if (opt->model.empty() && opt->shape.empty()) throw Error("bench needs a MODEL file or --shape NAME");
      const Subject s = open_subject(opt->model, opt->shape, opt->type);
      const Results r = run_bench(*opt, s);
      if (opt->json) {
        print_json(*opt, s, r);
      } else {
        print_text(*opt, s, r);
      }
      return 0;
    };
  });
}

}  // namespace hearth::cli
