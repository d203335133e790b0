#!/bin/sh
# tpe_after=20 where the cost is known: the stall twice as long, 60 seeds, paired
set -e
D=benchmarks/results/search-tpe-known-2026-12-05
S="--seeds 60 --budgets 50,100 --no-optuna --strategies guided,guided:tpe_after=20"
P=.venv/bin/python
$P benchmarks/search_nb201.py --tables nb201-cifar10 --reward-cost nb201-pi5-onnx:latency_ms --reward-weight -0.07 $S > $D/after20_dev_pi5_007.txt
$P benchmarks/search_nb201.py --tables nb201-cifar10 --reward-cost nb201-pi5-onnx:latency_ms --reward-weight -0.15 $S > $D/after20_dev_pi5_015.txt
$P benchmarks/search_nb201.py --tables nb201-cifar10 --reward-cost benchmarks/data/nb201-macs.csv:macs --reward-weight -0.5 --reward-weight-below 0 $S > $D/after20_dev_macs.txt
$P benchmarks/search_nb201.py --tables benchmarks/data/nb201-cifar10-noisy.csv --reward-cost nb201-pi5-onnx:latency_ms --reward-weight -0.07 $S > $D/after20_heldout_noisy_pi5.txt
$P benchmarks/search_nb201.py --tables nb201-cifar10 --reward-cost nb201-pi5-onnx:energy_mj --reward-weight -0.1 $S > $D/after20_heldout_energy.txt
$P benchmarks/search_nb201.py --tables nb201-cifar10 --reward-cost nb201-pi5-onnx:latency_ms --reward-weight -0.5 --reward-weight-below 0 --reward-target 2 $S > $D/after20_heldout_soft2ms.txt
