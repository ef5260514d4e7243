#!/usr/bin/env bash
# Runs the whole test suite once under AddressSanitizer, then once under UndefinedBehaviorSanitizer
# (issue #14), each build in its own scratch path. Usage: scripts/sanitize.sh [address|undefined]...
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=("$@")
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address undefined)
for sanitizer in "${sanitizers[@]}"; do
  echo "== $sanitizer"
  swift build --build-tests --scratch-path ".build-$sanitizer" --sanitize="$sanitizer"
  swift test --skip-build --scratch-path ".build-$sanitizer" --sanitize="$sanitizer"
done
