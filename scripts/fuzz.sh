#!/usr/bin/env bash
# Fuzzes every reader of untrusted input with libFuzzer + AddressSanitizer for a fixed time each
# (issue #14). Usage: scripts/fuzz.sh [SECONDS_PER_TARGET=60] [TARGET...]
# Builds evo-fuzz in its own scratch path (.build-fuzz); crashes land in .build-fuzz/crashes/TARGET.
# Leak detection is off: Evo values in reference cycles (a list inside itself) are never freed, by design.
# A crash found becomes a regression input: copy it to Tests/fuzz-corpus/TARGET/ (the test suite
# replays every file there through the normal build of evo-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser interpreter runtime formula graph-json safetensors idx png cifar percent ipynb)
# lld: gold fails on the sanitized debug info ("internal error in format_file_lineno").
swift build --scratch-path .build-fuzz --product evo-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DEVO_LIBFUZZER -Xswiftc -use-ld=lld
binary=.build-fuzz/debug/evo-fuzz
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export EVO_MEMORY_LIMIT=${EVO_MEMORY_LIMIT:-256M}
for target in "${targets[@]}"; do
  corpus=.build-fuzz/corpus/$target crashes=.build-fuzz/crashes/$target
  mkdir -p "$corpus" "$crashes"
  [ -d "Tests/fuzz-corpus/$target" ] && cp -n Tests/fuzz-corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "== $target ($seconds s)"
  EVO_FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -detect_leaks=0 \
    -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" 2>&1 \
    | grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done|==[0-9]+==" || true
done
