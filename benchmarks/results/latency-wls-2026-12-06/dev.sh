# The development tables at N = 100, 4 splits, P = 0 (the library), 1, 2 (logs dev_a.txt, dev_b.txt)
D=benchmarks/data
S=benchmarks/results/latency-wls-2026-12-06
for p in 0 1 2; do python $S/variants.py nb201 $D/nb201-here-ort1-64px.csv $p 100 4 auto,hybrid; python $S/variants.py nb201 nb201-pi5-onnx $p 100 4 auto,hybrid; done > $S/dev_a.txt 2>&1 &
for p in 0 1 2; do python $S/variants.py nb201 $D/nb201-here-ort1-paired.csv $p 100 4 auto,hybrid; python $S/variants.py nb201 $D/nb201-here-torch1-3pass.csv $p 100 4 auto,hybrid; done > $S/dev_b.txt 2>&1 &
wait
