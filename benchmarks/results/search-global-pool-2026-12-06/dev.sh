# development draws 100-129; pair with ../search-shared-fit-2026-12-05/dev_*_1.0.txt (label guided:one_fit=true)
D=benchmarks/results/search-global-pool-2026-12-06
python $D/s42_variants.py search_noise_draws.py --std 0.5 --shift 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-gpool:pool=16,guided-gpool:pool=4 > $D/dev_shift_1.0.txt 2>&1 &
python $D/s42_variants.py search_noise_draws.py --std 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-gpool:pool=16,guided-gpool:pool=4 > $D/dev_noise_1.0.txt 2>&1 &
wait
