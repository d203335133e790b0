D=/work/main/benchmarks/data
B=/work/main/benchmarks/latency_transfer.py
export OMP_NUM_THREADS=1
P=/work/main/.venv/bin/python
$P $B --tables $D/nb201-here-ort1-48px.csv --from $D/nb201-here-ort1-paired.csv,$D/nb201-here-ort1-64px.csv --sizes 10,20,100 --seeds 4
$P $B --tables $D/nb201-here-ort1-48px.csv --from nb201-pi5-onnx --sizes 10,20,100 --seeds 4
$P $B --tables $D/nb201-here-torch1-3pass.csv --from $D/nb201-here-ort1-paired.csv,$D/nb201-here-ort1-64px.csv --sizes 10,20,100 --seeds 4
$P $B --tables $D/nb201-here-torch1-3pass.csv --from $D/nb201-here-torch1.csv --sizes 10,20,100 --seeds 4
$P $B --tables $D/nb201-here-ort1-64px.csv --from nb201-pi5-onnx,$D/nb201-here-ort1.csv --sizes 10,20,100 --seeds 4
$P $B --tables $D/nb201-here-ort1-64px.csv --from $D/nb201-here-ort1-paired.csv --sizes 10,20,100 --seeds 4
$P $B --tables $D/nb201-here-ort1-paired.csv --from $D/nb201-here-ort1-64px.csv --sizes 10,20,100 --seeds 4
$P $B --tables $D/nb201-here-torch1.csv --from nb201-pi5-onnx,$D/nb201-here-ort1.csv --sizes 10,20,100 --seeds 4
