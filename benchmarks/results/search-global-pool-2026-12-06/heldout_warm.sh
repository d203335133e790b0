# held-out draws 200-229 with guided-warm (stopped after the two shifts had answered: the noise runs were not needed); pair with ../search-shared-fit-2026-12-05/heldout_*.txt (label guided)
D=benchmarks/results/search-global-pool-2026-12-06
W="python benchmarks/guided_warm_start_sim.py --draws 30 --first-draw 200 --seeds 10 --no-optuna --strategies guided-warm"
( $W --std 0.5 --shift 1.0 > $D/heldout_warm_shift_1.0.txt 2>&1; $W --std 1.0 > $D/heldout_warm_noise_1.0.txt 2>&1 ) &
( $W --std 0.5 --shift 2.0 > $D/heldout_warm_shift_2.0.txt 2>&1; $W --std 0.5 > $D/heldout_warm_noise_0.5.txt 2>&1 ) &
wait
