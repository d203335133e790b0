#!/bin/sh
# Held out: PyTorch eager 1 thread, 1,200 networks (median of 3 passes; its first 200 are the 3-pass dev table's)
export OMP_NUM_THREADS=1
python benchmarks/latency_transfer.py --tables benchmarks/data/nb201-here-torch1-3pass-1200.csv --from nb201-pi5-onnx --sizes 10,20,100,1000 --seeds 4
