#!/bin/sh
# sharp_draw (today's default) against the one fit it replaced, on the committed development
# tables at 90 seeds (paired over seeds) and under the demo's hard latency limits
S=benchmarks/results/search-sharp-draw-checks-2026-12-06
cd benchmarks
python search_nb201.py --tables nb201-cifar10,data/nb201-meco.csv,data/nb201-cifar10-noisy.csv,data/nb201-cifar10-noisy075.csv,data/nb201-cifar10-noisy1.csv \
    --seeds 90 --budgets 50,100 --no-optuna --strategies guided:sharp_draw=false,guided > ../$S/dev_tables_90.txt &
python search_constrained.py --limits 2,4,8 --seeds 30 --budgets 50,100 --strategies guided:sharp_draw=false,guided > ../$S/limits.txt &
wait
python search_constrained.py --limits 4 --seeds 90 --budgets 50,100 --strategies guided:sharp_draw=false,guided > ../$S/limit4_90.txt
