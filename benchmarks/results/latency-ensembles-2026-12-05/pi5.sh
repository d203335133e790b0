D=/work/main/benchmarks/data
B=/work/main/benchmarks/latency_transfer.py
export OMP_NUM_THREADS=1
P=/work/main/.venv/bin/python
$P $B --tables nb201-pi5-onnx --from $D/nb201-here-ort1.csv,$D/nb201-here-ort2.csv --sizes 50,100,1000 --seeds 4 --test-max 2000
