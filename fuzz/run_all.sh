#!/usr/bin/env bash
# Runs every built fuzz target for FUZZ_SECONDS on a copy of its seed corpus,
# FUZZ_JOBS of them at a time (default: one per core). A crash fails the run
# and leaves the reproducer in the build dir.
set -euo pipefail
build="$1"
secs="${FUZZ_SECONDS:-60}"
jobs_max="${FUZZ_JOBS:-$(nproc)}"
here="$(cd "$(dirname "$0")" && pwd)"

# One target: prints its outcome, returns 1 on a crash.
run_one() {
  local bin="$1" name work
  name="$(basename "$bin")"; name="${name#hearth_}"; name="${name%_fuzz}"
  work="$build/fuzz-work/$name"; rm -rf "$work"; mkdir -p "$work/corpus"
  if [ -d "$here/corpus/$name" ]; then cp -r "$here/corpus/$name/." "$work/corpus/"; fi
  echo "fuzz $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="$work/" "$work/corpus" > "$work/log.txt" 2>&1; then
    echo "fuzz $name FAILED:"; tail -50 "$work/log.txt"; return 1
  fi
  echo "fuzz $name: $(tail -1 "$work/log.txt")"
}

status=0
pids=()
for bin in "$build"/fuzz/hearth_*_fuzz; do
  if [ "${#pids[@]}" -ge "$jobs_max" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
  run_one "$bin" &
  pids+=("$!")
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
