D=/work/main/benchmarks/data
B=/work/main/benchmarks/latency_transfer.py
export OMP_NUM_THREADS=1
P=/work/main/.venv/bin/python
S="--sizes 10,20 --seeds 4"
tag=$1
# base.txt: commit 1232a41 as it is (`bash commands.sh base`).
# rule5.txt / rule10.txt: with variants.patch applied (`git apply`; the one-standard-error rule
#   against the board's own model, and EDGENAS_FOLDS, a scratch switch for the folds under 300
#   networks), run as `EDGENAS_FOLDS=5 bash commands.sh rule5` and `EDGENAS_FOLDS=10 ... rule10`.
# f10norule.txt: only the predictors.py part of the patch, `EDGENAS_FOLDS=10 bash commands.sh f10norule`.
{
$P $B --tables $D/nb201-here-ort1-48px.csv --from $D/nb201-here-ort1-paired.csv,$D/nb201-here-ort1-64px.csv $S
$P $B --tables $D/nb201-here-ort1-48px.csv --from nb201-pi5-onnx $S
$P $B --tables $D/nb201-here-ort1-48px.csv --from $D/nb201-here-torch1-3pass.csv $S
$P $B --tables $D/nb201-here-torch1-3pass.csv --from $D/nb201-here-ort1-paired.csv,$D/nb201-here-ort1-64px.csv $S
$P $B --tables $D/nb201-here-torch1-3pass.csv --from nb201-pi5-onnx $S
$P $B --tables $D/nb201-here-torch1-3pass.csv --from $D/nb201-here-torch1.csv $S
$P $B --tables $D/nb201-here-torch1.csv --from nb201-pi5-onnx,$D/nb201-here-ort1.csv $S
$P $B --tables $D/nb201-here-ort1-64px.csv --from nb201-pi5-onnx,$D/nb201-here-ort1.csv $S
$P $B --tables nb201-pi5-onnx,$D/nb201-here-ort1.csv,$D/nb201-here-ort2.csv $S
} > $tag.txt 2>&1
