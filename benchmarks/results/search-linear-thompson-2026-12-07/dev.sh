#!/bin/sh
# dev draws 100-129 with VARIANT; pair with ../search-ml-noise-2026-12-06/dev_*_draw.txt (label guided-mlnd: the default)
S=benchmarks/results/search-linear-thompson-2026-12-07
V="python $S/s47_variants.py search_noise_draws.py --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies $VARIANT"
$V --std 0.5 --shift 1.0 > $S/dev_shift_1.0_$VARIANT.txt &
$V --std 1.0 > $S/dev_noise_1.0_$VARIANT.txt &
wait
