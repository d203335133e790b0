#!/bin/sh
# The six cost-known landscapes of "A reward's cost is known before evaluation" (three that chose
# its rules, then three held out), 60 seeds each; log OUT_PREFIX<landscape>.txt per landscape.
#   sh landscapes.sh "" --no-optuna --strategies guided,guided:tpe_after=10        (default against the moves)
#   sh landscapes.sh tpe_ --strategies guided                                       (with Optuna's TPE and random)
#   sh landscapes.sh after20_ --no-optuna --strategies guided,guided:tpe_after=20   (a longer stall)
set -e
D=benchmarks/results/search-tpe-known-2026-12-05
OUT=$1
shift
run() {  # NAME TABLE COST WEIGHT [more search_nb201.py options]
  name=$1 table=$2 cost=$3 weight=$4
  shift 4
  .venv/bin/python benchmarks/search_nb201.py --tables "$table" --reward-cost "$cost" --reward-weight "$weight" \
    "$@" --seeds 60 --budgets 50,100 $ARGS > "$D/$OUT$name.txt"
}
ARGS="$*"
run dev_pi5_007 nb201-cifar10 nb201-pi5-onnx:latency_ms -0.07
run dev_pi5_015 nb201-cifar10 nb201-pi5-onnx:latency_ms -0.15
run dev_macs nb201-cifar10 benchmarks/data/nb201-macs.csv:macs -0.5 --reward-weight-below 0
run heldout_noisy_pi5 benchmarks/data/nb201-cifar10-noisy.csv nb201-pi5-onnx:latency_ms -0.07
run heldout_energy nb201-cifar10 nb201-pi5-onnx:energy_mj -0.1
run heldout_soft2ms nb201-cifar10 nb201-pi5-onnx:latency_ms -0.5 --reward-weight-below 0 --reward-target 2
