#!/bin/sh
# bound.py's models on the development draws 100-129, 10 seeds each (logs dev_*_MODE.txt)
cd "$(dirname "$0")/../.." && export PYTHONPATH=. OMP_NUM_THREADS=1
B=results/search-shift-bound-2026-12-07
for s in 1.0 2.0; do
  for m in exact blind synflow-free cifar-free; do
    python $B/bound.py $s 100 30 10 0.5 $m > $B/dev_shift_${s}_$m.txt
  done
done
for m in blind synflow-free; do
  python $B/bound.py 0 100 30 10 1.0 $m > $B/dev_noise_1.0_$m.txt
done
# one real task: short Fashion-MNIST training (its top is its own noise, docs/benchmarks.md)
for m in blind synflow-free cifar-free; do
  python $B/bound.py --table data/nb201-fmnist-short.csv 10 $m > $B/fmnist_short_$m.txt
done
