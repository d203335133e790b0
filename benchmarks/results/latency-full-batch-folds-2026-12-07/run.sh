# latency_transfer.py with the per-path model's folds trained full batch (session 45), every NB201
# table at 10 / 20 / 100 networks, 4 splits, with the shipped Pi 5 table as source (the Pi 5 table
# from the 32 px paired one); the same commands as session 42's latency-counts-2026-12-06/run.sh.
# OUT=after from this commit; OUT=before with PYTHONPATH set to a worktree of the commit before.
D=benchmarks/data
S=benchmarks/results/latency-full-batch-folds-2026-12-07
B="python benchmarks/latency_transfer.py --seeds 4 --sizes 10,20,100"
(
$B --tables $D/nb201-here-torchscript1.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-ort1-64px.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-ort1-paired.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-ort1-80px.csv --from nb201-pi5-onnx
) > $S/${OUT}_a.txt 2>&1 &
(
$B --tables nb201-pi5-onnx --from $D/nb201-here-ort1-paired.csv --test-max 2000
$B --tables $D/nb201-here-torch1-3pass.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-ort1-48px.csv --from nb201-pi5-onnx
$B --tables $D/nb201-here-torch1-6pass-1200.csv --from nb201-pi5-onnx --test-max 1000
) > $S/${OUT}_b.txt 2>&1 &
wait
