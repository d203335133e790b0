#!/bin/sh
# held-out shifted draws 200-229 with the CIFAR-10 table as the prior (the user's --prior nb201-cifar10);
# pair with ../search-ml-noise-2026-12-06/heldout_shift_*_draw.txt (label guided-mlnd: the default)
S=benchmarks/results/search-parents-2026-12-07
V="python benchmarks/search_noise_draws.py --draws 30 --first-draw 200 --seeds 10 --no-optuna --std 0.5 --strategies guided:prior=nb201-cifar10"
$V --shift 1.0 > $S/heldout_shift_1.0_cifar_prior.txt &
$V --shift 2.0 > $S/heldout_shift_2.0_cifar_prior.txt &
wait
$V --shift 0.5 > $S/heldout_shift_0.5_cifar_prior.txt
