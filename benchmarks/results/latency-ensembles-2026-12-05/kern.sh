D=/work/main/benchmarks/data
B=/work/main/benchmarks/latency_transfer.py
export OMP_NUM_THREADS=1
P=/work/main/.venv/bin/python
$P $B --tables $D/nb201-here-ort1-48px.csv,$D/nb201-here-ort1-64px.csv --from $D/nb201-here-ort1-paired.csv --sizes 50,100 --seeds 4 --kernels onnxruntime
