#!/bin/sh
# the runs of fresh.sh that stopped on an SVD that did not converge, again with bound.py's eigh fallback
cd "$(dirname "$0")/../.." && export PYTHONPATH=. OMP_NUM_THREADS=1
B=results/search-shift-bound-2026-12-07
(python $B/bound.py 1.0 300 30 10 0.5 synflow-free > $B/fresh_shift_1.0_synflow-free.txt;
 python $B/bound.py 1.0 300 30 10 0.5 cifar-free > $B/fresh_shift_1.0_cifar-free.txt) &
python $B/bound.py 2.0 300 30 10 0.5 synflow-free > $B/fresh_shift_2.0_synflow-free.txt &
wait
