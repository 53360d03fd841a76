// Two band kernel choices on one model, in one process: which decodes
// faster? On a shared host the read bandwidth flips between states within
// seconds to minutes (README, Performance), so two runs in turn compare the
// states more than the kernels, and a kernel that wins in a micro-benchmark
// can lose in a model (session 34: band pairs with two streams a thread
// matched the base kernels in hearth_stream_bench and lost 19 points here).
// This loads a synthetic model twice, each copy's matrices in the bands of
// its own choice (model::band_choice), and alternates them chunk by chunk of
// decode steps, a read of core::ReadProbe before and after each chunk as
// `hearth bench` reads it, so both see the same states.
//
//   hearth_ab_bench SHAPE TYPE A B [ROUNDS (default 6)] [THREADS (default 2)]
//
// A, B: a quant::band_kernel_variants name ("table": the CPU's pick; "avx2",
// "avx512", "avx512vnni", "avx512vnni/avx512-decode", ...) or "rows" (no
// bands). Per round: a 512-token prefill of each, then 128 decode steps
// after a 16-token prompt, in chunks of 8, the two in turn (which goes first
// alternates). Prints each variant's prefill tok/s and its decode chunks'
// GB/s over the reads around them: the median over all chunks, over those
// whose reads were in the upper and in the lower half of the range read (the
// host's fast and slow states, where it has two), and the median of the
// differences B - A between neighbouring chunks (a pair shares its seconds).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bench_stats.h"
#include "core/bandwidth.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "engine/session.h"
#include "model/catalog.h"
#include "model/footprint.h"
#include "model/quant_recipe.h"
#include "model/synthetic.h"
#include "quant/type_traits.h"

namespace {

using namespace hearth;
using hearth::bench::Clock;

constexpr int64_t kPrompt = 16, kGen = 128, kChunk = 8, kPrefill = 512;

using hearth::bench::median;

using hearth::bench::seconds_since;

// The band kernel variants of the model's types, each once, and "rows".
std::vector<std::string> variant_names(const model::ModelShape& shape, model::FileType type) {
  std::vector<std::string> names;
  const gguf::Layout layout = model::synthetic_layout(shape, type);
  for (const auto& t : layout.tensors()) {
    for (const quant::BandKernelVariant& v : quant::band_kernel_variants(t.type)) {
      if (std::find(names.begin(), names.end(), v.name) == names.end()) names.emplace_back(v.name);
    }
  }
  names.emplace_back("rows");
  return names;
}

struct Chunk {
  double read;      // the mean of the reads around it, GB/s
  double fraction;  // its GB/s over that
};

struct Side {
  std::string name;
  std::unique_ptr<model::SyntheticModel> model;
  std::unique_ptr<engine::Session> session;
  std::vector<double> prefill;
  std::vector<Chunk> chunks;
};

void print_side(const Side& s, double split) {
  std::vector<double> all, high, low;
  for (const Chunk& c : s.chunks) {
    all.push_back(c.fraction);
    (c.read >= split ? high : low).push_back(c.fraction);
  }
  std::printf("%-26s prefill %6.1f tok/s | decode %5.1f %% (%zu chunks), upper reads %5.1f %% (%zu), lower %5.1f %% (%zu)\n",
              s.name.c_str(), median(s.prefill), 100 * median(all), all.size(), 100 * median(high), high.size(),
              100 * median(low), low.size());
}

int run(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s SHAPE TYPE A B [ROUNDS] [THREADS]\n", argv[0]);
    return 2;
  }
  const model::ModelShape& shape = model::shape_or_throw(argv[1]);
  const model::FileType type = model::file_type_or_throw(argv[2]);
  const int rounds = argc > 5 ? std::max(1, std::atoi(argv[5])) : 6;
  const int threads = argc > 6 ? std::atoi(argv[6]) : 2;

  ThreadPool pool(threads), probe_pool(0);  // the limit is read with all cores, as `hearth bench` does
  const std::vector<std::string> names = variant_names(shape, type);
  Side sides[2];
  for (int i = 0; i < 2; ++i) {
    Side& s = sides[i];
    s.name = argv[3 + i];
    if (std::find(names.begin(), names.end(), s.name) == names.end()) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      throw Error("no type of this model has band kernels \"" + s.name + "\" on this CPU; choose from: " + list);
    }
    s.model = model::SyntheticModel::build(shape, type, {}, model::band_choice(s.name));
    s.session = std::make_unique<engine::Session>(s.model->model(), pool, kPrefill);
  }
  const model::Model& m = sides[0].model->model();
  ReadProbe probe(probe_pool, uint64_t{512} << 20);
  std::mt19937 rng(42);
  std::uniform_int_distribution<int32_t> token(0, static_cast<int32_t>(m.hparams().n_vocab - 1));
  std::vector<int32_t> prefill(kPrefill), prompt(kPrompt), gen(kGen);
  for (auto* v : {&prefill, &prompt, &gen}) {
    for (auto& t : *v) t = token(rng);
  }
  std::vector<double> diffs;  // B - A of neighbouring chunks
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < 2; ++k) {
      Side& s = sides[(k + r) % 2];
      s.session->reset();
      const auto t0 = Clock::now();
      s.session->eval(prefill);
      s.prefill.push_back(static_cast<double>(kPrefill) / seconds_since(t0));
    }
    for (Side& s : sides) {
      s.session->reset();
      s.session->eval(prompt);
    }
    for (int64_t i = 0; i < kGen; i += kChunk) {
      // bytes a token at the chunk's mean context, as `hearth bench` counts them
      const double ctx = model::mean_decode_context(kPrompt, i, i + kChunk);
      const double bytes = model::decode_traffic(m, ctx, sides[0].session->kv().type()).total();
      double fraction[2] = {0, 0};
      for (int k = 0; k < 2; ++k) {
        const int which = (k + r + static_cast<int>(i / kChunk)) % 2;
        Side& s = sides[which];
        const double before = probe.best_of(2);
        const auto t0 = Clock::now();
        for (int64_t j = i; j < i + kChunk; ++j) s.session->eval(std::span<const int32_t>(&gen[static_cast<size_t>(j)], 1));
        const double gbs = static_cast<double>(kChunk) / seconds_since(t0) * bytes / 1e9;
        const double read = (before + probe.best_of(2)) / 2;
        s.chunks.push_back({read, gbs / read});
        fraction[which] = gbs / read;
      }
      diffs.push_back(fraction[1] - fraction[0]);
    }
    std::fprintf(stderr, "\rround %d of %d", r + 1, rounds);
  }
  std::fprintf(stderr, "\n");
  std::vector<double> reads;
  for (const Side& s : sides) {
    for (const Chunk& c : s.chunks) reads.push_back(c.read);
  }
  const auto [lo, hi] = std::minmax_element(reads.begin(), reads.end());
  const double split = (*lo + *hi) / 2;
  std::printf("%s %s, %d threads, %d rounds; reads %.1f-%.1f GB/s (median %.1f), upper half from %.1f\n", argv[1],
              argv[2], pool.size(), rounds, *lo, *hi, median(reads), split);
  for (const Side& s : sides) print_side(s, split);
  const auto wins = std::count_if(diffs.begin(), diffs.end(), [](double d) { return d > 0; });
  std::printf("B - A, neighbouring chunks: median %+.1f points, B ahead in %td of %zu\n", 100 * median(diffs), wins,
              diffs.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
