#!/bin/sh
# the bound's models on the fresh draws 300-329 (run once in sessions 35 and 46, chosen on never), 10 seeds
cd "$(dirname "$0")/../.." && export PYTHONPATH=. OMP_NUM_THREADS=1
B=results/search-shift-bound-2026-12-07
for s in 1.0 2.0; do
  (for m in exact synflow-free cifar-free; do
    python $B/bound.py $s 300 30 10 0.5 $m > $B/fresh_shift_${s}_$m.txt
  done) &
done
wait
