# latency_transfer.py after `counts` (session 42): every NB201 table, 10 / 20 / 100 networks, 4 splits
D=benchmarks/data
S=benchmarks/results/latency-counts-2026-12-06
B="python benchmarks/latency_transfer.py --seeds 4 --sizes 10,20,100"
(
$B --tables $D/nb201-here-torchscript1.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-ort1-64px.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-ort1-paired.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-ort1-80px.csv --from nb201-pi5-onnx
) > $S/a.txt 2>&1 &
(
$B --tables nb201-pi5-onnx --from $D/nb201-here-ort1-paired.csv --test-max 2000
$B --tables $D/nb201-here-torch1-3pass.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-ort1-48px.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-torch1-6pass-1200.csv --from nb201-pi5-onnx --test-max 1000
) > $S/b.txt 2>&1 &
wait
