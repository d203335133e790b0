#!/bin/sh
# held-out draws 200-229 with guided-lin:top_share=0.75; pair with ../search-shared-fit-2026-12-05/heldout_*.txt (label guided)
set -e
D=benchmarks/results/search-linear-shares-2026-12-06
P=python
for x in 1.0 2.0 0.5; do
  $P $D/s41_variants.py search_noise_draws.py --std 0.5 --shift $x --draws 30 --first-draw 200 --seeds 10 --no-optuna --strategies guided-lin:top_share=0.75 > $D/heldout_shift_$x.txt
done
for s in 1.0 0.5; do
  $P $D/s41_variants.py search_noise_draws.py --std $s --draws 30 --first-draw 200 --seeds 10 --no-optuna --strategies guided-lin:top_share=0.75 > $D/heldout_noise_$s.txt
done
