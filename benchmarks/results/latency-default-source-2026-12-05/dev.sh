#!/bin/sh
# auto without sources against auto with the shipped Pi 5 table as its source, every development
# table (the synthetic boards of `benchmarks/synthetic_latency_table.py` built into runs/ first).
export OMP_NUM_THREADS=1
[ -f runs/barrier.csv ] || python benchmarks/synthetic_latency_table.py --kind barrier -o runs/barrier.csv
[ -f runs/critical_path.csv ] || python benchmarks/synthetic_latency_table.py --kind critical-path -o runs/critical_path.csv
D=benchmarks/data
python benchmarks/latency_transfer.py --from nb201-pi5-onnx --sizes 10,20,100 --seeds 4 \
  --tables $D/nb201-here-ort1-48px.csv,$D/nb201-here-ort1-64px.csv,$D/nb201-here-ort1-paired.csv,$D/nb201-here-torch1-3pass.csv,$D/nb201-here-torch1.csv,$D/nb201-here-ort1.csv,$D/nb201-here-ort2.csv,runs/barrier.csv,runs/critical_path.csv
