#!/bin/sh
# held-out draws 200-229 with the default (shared fit); pair with ../search-tpe-2026-12-05/heldout_*.txt
set -e
D=benchmarks/results/search-shared-fit-2026-12-05
P=.venv/bin/python
for s in 0.5 0.75 1.0; do
  $P benchmarks/search_noise_draws.py --std $s --draws 30 --first-draw 200 --seeds 10 --no-optuna --strategies guided > $D/heldout_noise_$s.txt
done
for x in 0.5 1.0 2.0; do
  $P benchmarks/search_noise_draws.py --std 0.5 --shift $x --draws 30 --first-draw 200 --seeds 10 --no-optuna --strategies guided > $D/heldout_shift_$x.txt
done
