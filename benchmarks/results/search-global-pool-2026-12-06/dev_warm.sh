# development draws 100-129 with today's guided warm-started (5 of 10 initial cells synflow-best of 200);
# pair with ../search-shared-fit-2026-12-05/dev_*_1.0.txt (label guided:one_fit=true)
D=benchmarks/results/search-global-pool-2026-12-06
python benchmarks/guided_warm_start_sim.py --std 0.5 --shift 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-warm > $D/dev_warm_shift_1.0.txt 2>&1 &
python benchmarks/guided_warm_start_sim.py --std 1.0 --draws 30 --first-draw 100 --seeds 10 --no-optuna --strategies guided-warm > $D/dev_warm_noise_1.0.txt 2>&1 &
wait
