# the two tables with more than 1,050 measured networks, at 1,000 (session 43)
D=benchmarks/data
S=benchmarks/results/latency-loo-all-2026-12-06
B="python benchmarks/latency_transfer.py --seeds 4 --sizes 1000"
P5=nb201-pi5-onnx; O64=$D/nb201-here-ort1-64px.csv; O32=$D/nb201-here-ort1-paired.csv; T3=$D/nb201-here-torch1-3pass.csv
S32=$D/nb201-here-torchscript1.csv; S48=$D/nb201-here-torchscript1-48px.csv
(
$B --tables $P5 --from $O64,$O32,$T3,$S32,$S48 --test-max 2000
$B --tables $D/nb201-here-torch1-6pass-1200.csv --from $O64,$O32,$T3,$P5,$S32,$S48
) > $S/n1000.txt 2>&1
