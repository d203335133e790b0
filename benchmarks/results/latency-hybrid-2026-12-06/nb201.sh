# hybrid's base: the library's ridge on all features (now) against the linear model's (linear);
# NB201 development tables, then the held-out ones (session 41)
V=benchmarks/results/latency-hybrid-2026-12-06/variants.py
for t in nb201-pi5-onnx benchmarks/data/nb201-here-ort1-64px.csv benchmarks/data/nb201-here-torch1-3pass.csv \
         benchmarks/data/nb201-here-ort1-48px.csv benchmarks/data/nb201-here-ort1-80px.csv benchmarks/data/nb201-here-torch1-6pass-1200.csv; do
  for v in now linear; do python $V nb201 $t $v --sizes 100,1000 --seeds 3 --models hybrid,auto; done
done
