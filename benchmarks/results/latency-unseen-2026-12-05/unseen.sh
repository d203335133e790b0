D=/work/main/benchmarks/data
B=/work/main/benchmarks/latency_transfer.py
export OMP_NUM_THREADS=1
P=/work/main/.venv/bin/python
M=$1   # "" or --unseen-by-sources
$P $B --tables $D/nb201-here-ort1-64px.csv --from $D/nb201-here-ort1-paired.csv --sizes 10,20,100 --seeds 4 --test-max 200 $M
$P $B --tables $D/nb201-here-ort1-64px.csv --from nb201-pi5-onnx,$D/nb201-here-ort1.csv --sizes 10,20,100 --seeds 4 --test-max 200 $M
$P $B --tables $D/nb201-here-ort1-paired.csv --from $D/nb201-here-ort1-64px.csv --sizes 10,20,100 --seeds 4 --test-max 200 $M
$P $B --tables $D/nb201-here-ort1-48px.csv --from $D/nb201-here-ort1-paired.csv,$D/nb201-here-ort1-64px.csv --sizes 10,20,100 --seeds 4 --test-max 100 $M
$P $B --tables $D/nb201-here-torch1-3pass.csv --from $D/nb201-here-torch1.csv --sizes 10,20,100 --seeds 4 --test-max 100 $M
