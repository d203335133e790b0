#!/bin/sh
# fresh draws 300-329 with today's default (session 46, HEAD 4db9607: sharp_draw since session 43);
# TPE and session 35's default from ../search-fresh-2026-12-06/fresh_*.txt (the same draws and seeds)
S=benchmarks/results/search-fresh-now-2026-12-07
V="python benchmarks/search_noise_draws.py --draws 30 --first-draw 300 --seeds 10 --no-optuna --strategies guided"
(for s in 0.5 0.75 1.0; do $V --std $s > $S/fresh_noise_$s.txt; done) &
(for x in 2.0 1.0 0.5; do $V --std 0.5 --shift $x > $S/fresh_shift_$x.txt; done) &
wait
