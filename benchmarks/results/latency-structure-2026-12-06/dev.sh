# development tables (two at a time on two cores)
D=benchmarks/data
S=benchmarks/results/latency-structure-2026-12-06
(for t in $D/nb201-here-ort1-64px.csv $D/nb201-here-torch1-3pass.csv; do python $S/s39_sharing.py $t; done > $S/dev_a.txt 2>&1) &
(for t in $D/nb201-here-ort1-paired.csv nb201-pi5-onnx; do python $S/s39_sharing.py $t; done > $S/dev_b.txt 2>&1) &
wait
