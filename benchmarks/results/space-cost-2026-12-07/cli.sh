#!/bin/sh
# `edgenas latency fit` / `eval` on the ViT PyTorch table (100 networks to fit, the other 1,100 to
# score), before (a worktree of 4db9607 at $OLD) and after network_cost, alternated twice; 1 thread.
# Run from the repository root: OLD=/tmp/old sh benchmarks/results/space-cost-2026-12-07/cli.sh
T=$(mktemp -d)
python - "$T" <<'PY'
import csv, random, sys
rows = list(csv.reader(open("benchmarks/data/vit-torch-cpu-3pass.csv")))
random.Random(0).shuffle(body := rows[1:])
for name, part in (("fit", body[:100]), ("rest", body[100:])):
    with open(f"{sys.argv[1]}/{name}.csv", "w", newline="") as f:
        csv.writer(f).writerows([rows[0], *part])
PY
export OMP_NUM_THREADS=1
for round in 1 2; do
  for tree in "$OLD" "$PWD"; do
    label=$([ "$tree" = "$PWD" ] && echo after || echo before)
    s=$(date +%s.%N); PYTHONPATH=$tree edgenas latency fit --space vit --table $T/fit.csv -o $T/$label.pt > /dev/null; e=$(date +%s.%N)
    s2=$(date +%s.%N); PYTHONPATH=$tree edgenas latency eval --predictor $T/$label.pt --table $T/rest.csv > $T/$label.eval; e2=$(date +%s.%N)
    echo "round $round $label: fit $(echo "$e - $s" | bc) s, eval $(echo "$e2 - $s2" | bc) s; $(grep within_10 $T/$label.eval)"
  done
done
rm -rf "$T"
