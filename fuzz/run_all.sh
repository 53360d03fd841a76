#!/usr/bin/env bash
# Runs every built fuzz target for FUZZ_SECONDS on a copy of its seed corpus.
# A crash fails the run and leaves the reproducer in the build dir.
set -euo pipefail
build="$1"
secs="${FUZZ_SECONDS:-60}"
here="$(cd "$(dirname "$0")" && pwd)"
status=0
for bin in "$build"/fuzz/hearth_*_fuzz; do
  name="$(basename "$bin")"; name="${name#hearth_}"; name="${name%_fuzz}"
  work="$build/fuzz-work/$name"; rm -rf "$work"; mkdir -p "$work/corpus"
  if [ -d "$here/corpus/$name" ]; then cp -r "$here/corpus/$name/." "$work/corpus/"; fi
  echo "fuzz $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="$work/" "$work/corpus" > "$work/log.txt" 2>&1; then
    echo "fuzz $name FAILED:"; tail -50 "$work/log.txt"; status=1
  else
    tail -2 "$work/log.txt"
  fi
done
exit $status
