#!/bin/sh
# dev draws 100-129 with guided-post; pair with ../search-ml-noise-2026-12-06/dev_*_draw.txt (label guided-mlnd: today's default)
S=benchmarks/results/search-posterior-draw-2026-12-06
V="python $S/s44_variants.py search_noise_draws.py --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-post"
$V --std 0.5 --shift 1.0 > $S/dev_shift_1.0.txt &
$V --std 1.0 > $S/dev_noise_1.0.txt &
wait
