#!/bin/sh
# The decode-speed estimate of `hearth plan` for this machine against the
# speed `hearth bench` measures, on catalog shapes (a benchmark, not a test:
# figures depend on the machine and on what else runs on it).
#
#   bench/plan_vs_bench.sh [BUILD_DIR] [THREADS] [BENCH ARGS...]
#   (e.g. "-p 64 -n 32 -r 2" for a quick run on a busy machine)
#
# For each shape it prints the plan's figure (its own short bandwidth
# probe), the bench's figure, their ratio, and the plan's formula evaluated
# with the bandwidth the bench measured in the same run (bandwidth x the plan's decode efficiency /
# bytes per token), which separates the model's error from bandwidth noise.
set -eu
BUILD=${1:-build}
THREADS=${2:-2}
shift 2 2>/dev/null || shift $#
for shape in llama3.2-1b qwen2.5-0.5b; do
  plan=$("$BUILD/hearth" plan --shape "$shape" --type Q4_K_M --ctx 144 -t "$THREADS" --json)
  bench=$("$BUILD/hearth" bench --shape "$shape" --type Q4_K_M -t "$THREADS" "$@" --json 2>/dev/null)
  python3 - "$shape" "$plan" "$bench" <<'PY'
import json, sys
shape, plan, bench = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
est, got = plan["decode_tok_s"], bench["decode_tok_s"]
same_bw = bench["read_bandwidth_gbs"] * 1e9 * plan["efficiency"]["decode"] / bench["bytes_per_token"]
print(f"{shape:14s} plan {est:6.2f} tok/s (probe {plan['devices'][0]['bandwidth_gb_s']:5.1f} GB/s)  "
      f"bench {got:6.2f} tok/s (probe {bench['read_bandwidth_gbs']:5.1f} GB/s)  plan/bench {est / got:5.2f}  "
      f"plan formula at the bench's bandwidth {same_bw:6.2f} tok/s ({same_bw / got:4.2f})")
PY
done
