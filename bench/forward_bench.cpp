// Prefill and decode speed of the whole forward pass on a synthetic model,
// timed both in wall-clock time and in CPU time per thread.
//
//   hearth_forward_bench [SHAPE] [TYPE] [N_PROMPT] [N_GEN] [THREADS]
//   (defaults: llama3.2-1b Q4_K_M 512 32 2)
//
// `hearth bench` is the user-facing benchmark; this one exists because the
// development machine is shared: wall time there mostly measures the other
// processes, while CPU time per thread says what the run costs with the cores
// to itself (an optimistic bound: spin-waits and stalls count as CPU time, a
// hyper-thread sibling's load makes it pessimistic). Both are printed, with
// the read bandwidth probe timed the same two ways.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <span>
#include <string>
#include <vector>

#include "core/bandwidth.h"
#include "engine/session.h"
#include "model/catalog.h"
#include "model/footprint.h"
#include "model/quant_recipe.h"
#include "model/synthetic.h"

namespace {

struct Timer {
  std::chrono::steady_clock::time_point wall0 = std::chrono::steady_clock::now();
  double cpu0 = cpu();
  static double cpu() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  double wall_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(); }
  double cpu_per_thread_s(int threads) const { return (cpu() - cpu0) / threads; }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace hearth;
  const std::string shape_name = argc > 1 ? argv[1] : "llama3.2-1b";
  const std::string type_name = argc > 2 ? argv[2] : "Q4_K_M";
  const int64_t n_prompt = argc > 3 ? std::atoll(argv[3]) : 512;
  const int64_t n_gen = argc > 4 ? std::atoll(argv[4]) : 32;
  const int threads = argc > 5 ? std::atoi(argv[5]) : 2;

  auto synth = model::SyntheticModel::build(model::shape_or_throw(shape_name), model::file_type_or_throw(type_name));
  const model::Model& m = synth->model();
  ThreadPool pool(threads);

  {
    const ReadBandwidth bw = measure_read_bandwidth(pool, uint64_t{1} << 30, 5);
    // The same streaming read, timed in CPU time per thread (best of 5).
    std::vector<uint8_t> buf(uint64_t{1} << 30, 1);
    double best_cpu = 1e9;
    for (int pass = 0; pass < 5; ++pass) {
      Timer t;
      pool.parallel_for(static_cast<int64_t>(buf.size() >> 20), [&](int64_t b, int64_t e, int) {
        volatile uint64_t sink = detail::read_sum_avx2(buf.data() + (b << 20), static_cast<uint64_t>(e - b) << 20);
        (void)sink;
      });
      best_cpu = std::min(best_cpu, t.cpu_per_thread_s(threads));
    }
    std::printf("read bandwidth: %.1f GB/s wall (probe, best of %d), %.1f GB/s CPU-time\n", bw.gb_per_s, bw.passes,
                static_cast<double>(buf.size()) / best_cpu / 1e9);
  }

  std::vector<int32_t> prompt(static_cast<size_t>(n_prompt));
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>((i * 7919) % 1000);
  engine::Session s(m, pool, n_prompt + n_gen + 1);
  {
    Timer t;
    s.eval(prompt);
    std::printf("prefill %lld tokens: %.1f tok/s wall, %.1f tok/s CPU-time\n", static_cast<long long>(n_prompt),
                static_cast<double>(n_prompt) / t.wall_s(),
                static_cast<double>(n_prompt) / t.cpu_per_thread_s(threads));
  }
  std::vector<double> wall, cpu;
  for (int64_t i = 0; i < n_gen; ++i) {
    const int32_t tok = static_cast<int32_t>(i % 1000);
    Timer t;
    s.eval(std::span<const int32_t>(&tok, 1));
    wall.push_back(t.wall_s());
    cpu.push_back(t.cpu_per_thread_s(threads));
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  const double bytes = model::decode_traffic(m, static_cast<double>(n_prompt) + static_cast<double>(n_gen) / 2.0).total();
  auto report = [&](const char* what, const std::vector<double>& v) {
    const double best = v.front(), med = v[v.size() / 2];
    std::printf("decode (%s): best %.1f tok/s (%.1f GB/s), median %.1f tok/s (%.1f GB/s)\n", what, 1 / best,
                bytes / best / 1e9, 1 / med, bytes / med / 1e9);
  };
  if (!wall.empty()) {
    report("wall", wall);
    report("CPU-time", cpu);
  }
  return 0;
}
