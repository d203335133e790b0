# latency_transfer.py on the TorchScript tables, each from the other (session 43)
D=benchmarks/data
S=benchmarks/results/latency-torchscript48-2026-12-06
B="python benchmarks/latency_transfer.py --seeds 4 --sizes 10,20,100"
$B --tables $D/nb201-here-torchscript1-48px.csv --from $D/nb201-here-torchscript1.csv > $S/ts48_from_ts32.txt 2>&1 &
$B --tables $D/nb201-here-torchscript1.csv --from $D/nb201-here-torchscript1-48px.csv > $S/ts32_from_ts48.txt 2>&1 &
wait
