#!/usr/bin/env bash
# Runs the whole test suite once under AddressSanitizer, then once with UndefinedBehaviorSanitizer
# (issue #14). Usage: scripts/sanitize.sh [address|undefined]...
#
# - address: every Swift module and the tests built with -sanitize=address (scratch path .build-address).
# - undefined: Swift has no UndefinedBehaviorSanitizer (swiftc refuses -sanitize=undefined on Linux); its
#   debug builds trap on overflow and out-of-range indices by themselves. Evo's C is the layer kernels it
#   generates and compiles at run time, so this run builds them with gcc and -fsanitize=undefined (gcc
#   links its runtime into each library), in a fresh kernel cache, and stops at the first report.
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
  case $sanitizer in
    address)
      swift build --build-tests --scratch-path .build-address --sanitize=address
      swift test --skip-build --scratch-path .build-address --sanitize=address
      ;;
    undefined)
      cache=$(mktemp -d /tmp/evo-ubsan-kernels.XXXXXX)
      swift build --build-tests
      EVO_CC=gcc EVO_CFLAGS="-fsanitize=undefined -fno-sanitize-recover=undefined" EVO_KERNEL_CACHE=$cache \
        UBSAN_OPTIONS=print_stacktrace=1 swift test --skip-build
      # Each library the run built links the sanitizer's runtime, or the run proved nothing.
      built=$(find "$cache" -name '*.so' | wc -l)
      sanitized=$(find "$cache" -name '*.so' -exec sh -c 'ldd "$1" | grep -q libubsan' _ {} \; -print | wc -l)
      echo "kernels built with UndefinedBehaviorSanitizer: $sanitized of $built"
      rm -rf "$cache"
      [ "$built" -gt 0 ] && [ "$sanitized" -eq "$built" ]
      ;;
    *) echo "unknown sanitizer $sanitizer (address or undefined)" >&2; exit 2 ;;
  esac
done
