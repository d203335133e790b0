# Kernel counts (ONNX Runtime's optimised graph on this machine) as features: `auto` without sources,
# with and without them (the last column), on every development table. Logs beside this file.
D=benchmarks/data
export OMP_NUM_THREADS=1
python benchmarks/latency_transfer.py --tables $D/nb201-here-ort1-48px.csv,$D/nb201-here-ort1-paired.csv,$D/nb201-here-ort2.csv --from nb201-pi5-onnx --sizes 10,20,100 --seeds 4 --kernels onnxruntime > kernels_a.txt
python benchmarks/latency_transfer.py --tables $D/nb201-here-ort1-64px.csv,$D/nb201-here-torch1-3pass.csv --from nb201-pi5-onnx --sizes 10,20,100 --seeds 4 --kernels onnxruntime > kernels_b.txt
python benchmarks/latency_transfer.py --tables nb201-pi5-onnx --from $D/nb201-here-ort1.csv --sizes 20,100 --seeds 2 --test-max 2000 --kernels onnxruntime > kernels_pi5.txt
# Scratch analyses of the section (run from the repository root):
#   python benchmarks/results/latency-kernels-2026-12-05/graph.py    # optimised-graph node types of four cells
#   OMP_NUM_THREADS=1 python benchmarks/results/latency-kernels-2026-12-05/refined.py D/nb201-here-ort1-64px.csv D/nb201-here-ort1-paired.csv D/nb201-here-ort1-48px.csv D/nb201-here-torch1-3pass.csv
#     (ridge on one-hot / structure features + node-type counts, plain or named by window)
