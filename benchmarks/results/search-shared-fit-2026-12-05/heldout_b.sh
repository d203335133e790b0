#!/bin/sh
# held-out tables, 90 seeds, and the hard limits, 20 seeds: fitted twice (before) against once
set -e
D=benchmarks/results/search-shared-fit-2026-12-05
P=.venv/bin/python
S="--seeds 90 --budgets 50,100 --no-optuna --strategies guided:shared_fit=false,guided"
$P benchmarks/search_nb201.py --tables benchmarks/data/nb201-jacobcov.csv,benchmarks/data/nb201-fmnist-short.csv,benchmarks/data/nb201-cifar10-noisy075-s21.csv,benchmarks/data/nb201-cifar10-noisy1-s22.csv,benchmarks/data/nb201-reward-pi5.csv,benchmarks/data/nb201-reward-macs.csv $S > $D/heldout_tables.txt
$P benchmarks/search_constrained.py --limits 2,4,8 --seeds 20 --strategies guided:shared_fit=false,guided > $D/limits.txt
