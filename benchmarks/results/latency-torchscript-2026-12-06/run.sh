# The TorchScript table (timed after every choice, nothing chosen on it): latency_transfer.py from three sources
D=benchmarks/data
S=benchmarks/results/latency-torchscript-2026-12-06
T=$D/nb201-here-torchscript1.csv
B="python benchmarks/latency_transfer.py --seeds 4 --tables $T --sizes 10,20,100"
( $B --from nb201-pi5-onnx > $S/from_pi5.txt 2>&1; $B --from $D/nb201-here-ort1-paired.csv > $S/from_ort32.txt 2>&1 ) &
( $B --from $D/nb201-here-torch1-6pass-1200.csv > $S/from_torch6.txt 2>&1 ) &
wait
