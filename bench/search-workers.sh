#!/usr/bin/env bash
# Simulated distributed search (docs/distributed.md): W `evo search worker URL` processes on one
# PostgreSQL search, with a proxy task that sleeps T seconds, so workers are idle and what limits the
# evaluation rate is the store (and this machine), not the evaluations.
#
#   bench/search-workers.sh postgres://evo@127.0.0.1:55432/evo_bench "100:1 100:0.1 100:0"
#
# For each W:T the search's queue is filled with enough pending candidates for ~DURATION seconds
# (the driver's births are left out: they are one process's work, measured by the `driver` case),
# W workers start at once and exit when the queue has been empty for 3 s. Reported, from the event
# table (server clock): evaluations per second in the steady part (10th to 90th percentile of
# finish times), the ideal W/T, server transactions per evaluation and, when the server runs on this
# machine, CPU milliseconds per evaluation of the server (all its processes) and of the evo processes
# (both over the whole case: start-up and the idle tail included). `driver:W:T` runs the whole search
# instead (`evo search run --workers W [--queue Q]` for `driver:W:T[:Q]`): births, absorption and
# evaluations together.
# Run it under `nice -n 10` when anything else on the machine must keep the CPU.
set -euo pipefail
URL=${1:?usage: bench/search-workers.sh POSTGRES_URL ["W:T ... driver:W:T[:Q]"]}
CASES=${2:-"100:1 100:0.1 100:0 driver:100:1"}
EVO=${EVO:-.build/release/evo}
DURATION=${DURATION:-20}
DIR=$(mktemp -d /tmp/evo-search-bench.XXXXXX)
trap 'jobs -p | xargs -r kill 2>/dev/null || true; rm -rf "$DIR"' EXIT
trap 'exit 143' INT TERM
sql() { PGOPTIONS="-c client_min_messages=warning" psql "$URL" -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
HZ=$(getconf CLK_TCK)
# CPU seconds of a process and its reaped children (/proc/PID/stat fields 14-17).
cpu() { awk -v hz="$HZ" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13 + $14 + $15) / hz }' "/proc/$1/stat"; }
# The server's CPU seconds: the postmaster (with the backends it reaped) and its live children; "-" when
# the server is not on this machine (or its data directory is not readable).
POSTMASTER=$(head -1 "$(sql 'SHOW data_directory' 2>/dev/null)/postmaster.pid" 2>/dev/null || true)
server_cpu() {
  [[ -n $POSTMASTER && -r /proc/$POSTMASTER/stat ]] || { echo -; return; }
  { cpu "$POSTMASTER"; for child in $(ps -o pid= --ppid "$POSTMASTER"); do cpu "$child" 2>/dev/null || true; done; } |
    awk '{ s += $1 } END { printf "%.3f\n", s }'
}
per_eval_ms() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { if (a == "-") print "-"; else printf "%.1f", 1000 * (b - a) / n }'; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), PostgreSQL $(sql 'SHOW server_version'), evo $EVO"
FORMAT='%-10s %7s %7s %9s %9s %8s %10s %8s %s\n'
printf "$FORMAT" case workers sleep_s evals/s ideal/s xact/ev server_ms evo_ms evaluations
for case in $CASES; do
  driver=0
  if [[ $case == driver:* ]]; then driver=1; case=${case#driver:}; fi
  IFS=: read -r W T Q <<<"$case"
  name="bench_$(date +%s)_${W}_${T//./_}_${Q:-0}"
  schema="evo_search_$name"
  search="$URL?search=$name"
  [[ $URL == *\?* ]] && search="$URL&search=$name"
  cat >"$DIR/proxy.evo" <<EVO
let architectures = ["a"]
let search = {"population": 64, "quality_threshold": 0, "stability": false, "seed": 1}
fn proxy(layer, budget, seed) {
  sleep($T)
  [len(layer.formula) / 100]
}
EVO
  # Enough candidates for DURATION seconds at the ideal rate, 10 to 50 per worker (10 when T is 0).
  N=$(awk -v w="$W" -v t="$T" -v d="$DURATION" 'BEGIN { n = (t > 0 ? w * d / t : 10 * w); if (n < 10 * w) n = 10 * w; if (n > 50 * w) n = 50 * w; print int(n) }')
  if ((driver)); then
    commits0=$(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    server0=$(server_cpu) evo0=$(cpu $$)
    "$EVO" search run "$DIR/proxy.evo" --store "$search" --workers "$W" ${Q:+--queue "$Q"} --samples "$N" \
      >/dev/null 2>"$DIR/run.err" || { cat "$DIR/run.err" >&2; exit 1; }
  else
    "$EVO" search run "$DIR/proxy.evo" --store "$search" --workers 0 --samples 1 \
      >/dev/null 2>"$DIR/run.err" || { cat "$DIR/run.err" >&2; exit 1; }
    sql "INSERT INTO $schema.candidate (graph, formula, hash, fingerprint, birth_step, status, timings, born_at)
         SELECT graph, formula, hash, fingerprint, g, 'pending', '{}', extract(epoch from now())
         FROM $schema.candidate, generate_series(1, $N - 1) AS g WHERE id = 1"
    commits0=$(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    server0=$(server_cpu) evo0=$(cpu $$)
    for _ in $(seq "$W"); do "$EVO" search worker "$search" --idle 3 >/dev/null 2>>"$DIR/worker.err" & done
    wait
    if [[ -s $DIR/worker.err ]]; then sort "$DIR/worker.err" | uniq -c | head -5 >&2; : >"$DIR/worker.err"; fi
  fi
  server1=$(server_cpu) evo1=$(cpu $$)
  commits1=$(sql "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
  read -r rate count < <(sql "
    WITH t AS (SELECT percentile_cont(ARRAY[0.1, 0.9]) WITHIN GROUP (ORDER BY time) AS p, count(*) AS n
               FROM $schema.event WHERE kind = 'evaluated')
    SELECT round((0.8 * n / nullif(p[2] - p[1], 0))::numeric, 1), n FROM t" | tr '|' ' ')
  ideal=$(awk -v w="$W" -v t="$T" 'BEGIN { print (t > 0 ? w / t : "inf") }')
  xact=$(awk -v a="$commits0" -v b="$commits1" -v n="$count" 'BEGIN { printf "%.1f", (b - a) / n }')
  label=$([[ $driver == 1 ]] && echo "driver${Q:+:$Q}" || echo "queue")
  printf "$FORMAT" "$label" "$W" "$T" "$rate" "$ideal" "$xact" "$(per_eval_ms "$server0" "$server1" "$count")" \
    "$(per_eval_ms "$evo0" "$evo1" "$count")" "$count"
  sql "DROP SCHEMA $schema CASCADE"
done
