#!/bin/sh
# held-out draws 200-229 with guided-mlnd; pair with ../search-shared-fit-2026-12-05/heldout_*.txt (label guided)
S=benchmarks/results/search-ml-noise-2026-12-06
V="python $S/s43_variants.py search_noise_draws.py --draws 30 --first-draw 200 --seeds 10 --no-optuna --strategies guided-mlnd"
(
for s in 0.5 0.75 1.0; do $V --std $s > $S/heldout_noise_${s}_draw.txt; done
) &
(
for x in 0.5 1.0 2.0; do $V --std 0.5 --shift $x > $S/heldout_shift_${x}_draw.txt; done
) &
wait
