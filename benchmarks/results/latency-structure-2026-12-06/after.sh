# latency_transfer.py with `linear`'s rewrite counts (the product code), N = 100 (1,000 where
# the table has it); below 30 networks `auto` never tries `linear`, so nothing changes there.
D=benchmarks/data
S=${S:-benchmarks/results/latency-structure-2026-12-06}  # where the logs go (S=DIR sh after.sh runs the same commands into DIR)
B="python benchmarks/latency_transfer.py --seeds 4"
(
$B --tables $D/nb201-here-ort1-80px.csv --from nb201-pi5-onnx --sizes 100 --kernels onnxruntime
$B --tables $D/nb201-here-ort1-48px.csv --from nb201-pi5-onnx --sizes 100 --kernels onnxruntime
$B --tables nb201-pi5-onnx --from $D/nb201-here-ort1-paired.csv --sizes 100,1000
) > $S/after_a.txt 2>&1 &
(
$B --tables $D/nb201-here-ort1-64px.csv --from nb201-pi5-onnx --sizes 100 --kernels onnxruntime
$B --tables $D/nb201-here-ort1-paired.csv --from nb201-pi5-onnx --sizes 100
$B --tables $D/nb201-here-ort1-80px.csv --from $D/nb201-here-ort1-paired.csv,$D/nb201-here-ort1-64px.csv --sizes 100
$B --tables $D/nb201-here-torch1-6pass-1200.csv --from nb201-pi5-onnx --sizes 100,1000
) > $S/after_b.txt 2>&1 &
wait
