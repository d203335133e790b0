# Where issue 16's search goal stands with today's default: every committed NB201 landscape,
# guided (the default) and local against Optuna TPE, one run per table group, 30 seeds.
# Run from the repository root: OMP_NUM_THREADS=1 sh benchmarks/results/search-state-2026-12-07/run.sh
D=benchmarks/results/search-state-2026-12-07
cd benchmarks
python search_nb201.py --tables nb201-cifar10,data/nb201-meco.csv,data/nb201-synflow.csv,data/nb201-jacobcov.csv,data/nb201-fmnist-short.csv \
    --seeds 30 --budgets 50,100 --strategies guided,local > ../$D/tables.txt 2>&1 &
python search_nb201.py --tables data/nb201-cifar10-noisy.csv,data/nb201-cifar10-noisy075.csv,data/nb201-cifar10-noisy1.csv,data/nb201-cifar10-noisy075-s21.csv,data/nb201-cifar10-noisy1-s22.csv,data/nb201-reward-pi5.csv,data/nb201-reward-macs.csv \
    --seeds 30 --budgets 50,100 --strategies guided,local > ../$D/noisy_rewards.txt 2>&1 &
wait
