#!/usr/bin/env bash
# Runs the whole test suite once under AddressSanitizer, then once under UndefinedBehaviorSanitizer
# (issue #14), each build in its own scratch path. Usage: scripts/sanitize.sh [address|undefined]...
set -euo pipefail
cd "$(dirname "$0")/.."
# No leak check at exit: the Swift runtime, Foundation and XCTest leave memory reachable only through
# weak references and thread-local storage when a process ends, so LeakSanitizer reports them (and makes
# every `evo` child exit with status 23) though none is a memory error. Everything else AddressSanitizer
# finds still stops the run.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
sanitizers=("$@")
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address undefined)
for sanitizer in "${sanitizers[@]}"; do
  echo "== $sanitizer"
  swift build --build-tests --scratch-path ".build-$sanitizer" --sanitize="$sanitizer"
  swift test --skip-build --scratch-path ".build-$sanitizer" --sanitize="$sanitizer"
done
