#!/usr/bin/env bash
# One markdown row per job of jobs.txt that has a log in OUT (default /tmp/evo-accuracy): its settings,
# test accuracy after each epoch, and how it ended.
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-/tmp/evo-accuracy}"
grep -v '^#' "$here/jobs.txt" | while read -r name arch norm lone warm epochs batch lr; do
  [ -f "$out/$name.log" ] || continue
  accs=$(grep -o "validation [0-9.]*%" "$out/$name.log" | awk '{print $2}' | paste -sd' ')
  result=$(grep "^RESULT" "$out/$name.log" | sed 's/.*stopped //')
  stopped=$(grep "^stopped:" "$out/$name.log" | head -1)
  echo "| $name | $arch $norm, lone $lone, warm-up $warm ep, $epochs ep, batch $batch, lr $lr | $accs | $result $stopped |"
done
