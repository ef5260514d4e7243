#!/usr/bin/env bash
# The accuracy table of docs/models.md: runs every line of jobs.txt (NAME MODEL NORM LONE WARMUP_EPOCHS
# EPOCHS BATCH LR) with run.evo on full Fashion-MNIST, two jobs at a time with one thread each (on two
# cores that trains about 1.4 times as fast as one job on both). Each job writes OUT/NAME.log and
# OUT/NAME.model.safetensors; finished jobs are skipped when run again. `table.sh OUT` summarises.
# Usage: scripts/accuracy/run-all.sh [OUT] (default /tmp/evo-accuracy), after `make build`; JOBS=FILE
# runs another list.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-/tmp/evo-accuracy}"
mkdir -p "$out"
export EVO="${EVO:-$root/.build/release/evo}" EVO_STDLIB="$root/stdlib" EVO_THREADS=1 OPENBLAS_NUM_THREADS=1
export HERE="$here" OUT="$out"
run_job() {
  local name=$1
  shift
  [ -f "$OUT/$name.done" ] && return 0
  (cd "$OUT" && "$EVO" run "$HERE/run.evo" "$name" "$@" > "$name.log" 2>&1)
  echo "exit $? $(date -u +%FT%TZ)" >> "$OUT/$name.log"
  touch "$OUT/$name.done"
}
export -f run_job
grep -v '^#' "${JOBS:-$here/jobs.txt}" | xargs -P 2 -L 1 bash -c 'run_job "$@"' _
