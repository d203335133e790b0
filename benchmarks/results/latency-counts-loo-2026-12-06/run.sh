# latency_transfer.py, auto without sources, after `counts` chose its penalty by leave-one-out (session 43)
D=benchmarks/data
S=benchmarks/results/latency-counts-loo-2026-12-06
B="python benchmarks/latency_transfer.py --seeds 4"
(
$B --sizes 10,20,100 --tables $D/nb201-here-ort1-64px.csv
$B --sizes 10,20,100 --tables $D/nb201-here-ort1-paired.csv
$B --sizes 10,20,100 --tables $D/nb201-here-torch1-3pass.csv
$B --sizes 10,20,100 --tables nb201-pi5-onnx --test-max 2000
) > $S/dev.txt 2>&1 &
(
$B --sizes 10,20,100 --tables $D/nb201-here-ort1-48px.csv
$B --sizes 10,20,100 --tables $D/nb201-here-ort1-80px.csv
$B --sizes 10,20,100 --tables $D/nb201-here-torch1-6pass-1200.csv --test-max 1000
$B --sizes 10,20,100 --tables $D/nb201-here-torchscript1.csv
) > $S/heldout.txt 2>&1 &
wait
