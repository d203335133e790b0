#!/bin/sh
# dev draws 100-129 at shift 2.0 (the default has no log there): the default and VARIANT side by side
S=benchmarks/results/search-linear-thompson-2026-12-07
V="python $S/s47_variants.py search_noise_draws.py --draws 30 --first-draw 100 --seeds 10 --no-optuna --std 0.5 --shift 2.0"
$V --strategies guided > $S/dev_shift_2.0_guided.txt &
$V --strategies $VARIANT > $S/dev_shift_2.0_$VARIANT.txt &
wait
