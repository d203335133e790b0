# 10 networks, 16 splits, no source: the only large change of run.sh (ORT 64 px) asked on more splits,
# with every development and held-out ONNX Runtime table. OUT=after / before as in run.sh.
D=benchmarks/data
S=benchmarks/results/latency-full-batch-folds-2026-12-07
B="python benchmarks/latency_transfer.py --seeds 16 --sizes 10"
for T in nb201-here-ort1-64px nb201-here-ort1-paired nb201-here-ort1-48px nb201-here-ort1-80px nb201-here-torch1-3pass; do
$B --tables $D/$T.csv
done > $S/ten_${OUT}.txt 2>&1
