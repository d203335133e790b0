# the fallback of a partial source (counts+hybrid+paths since session 43): transfer scored on networks
# the source has not measured; run from the repository (after) and from a worktree of the commit before (before)
D=/work/main/benchmarks/data
B="python benchmarks/latency_transfer.py --seeds 4 --sizes 20,100 --unseen-by-sources --test-max 150"
$B --tables $D/nb201-here-ort1-64px.csv --from $D/nb201-here-ort1-paired.csv
$B --tables $D/nb201-here-ort1-paired.csv --from $D/nb201-here-ort1-64px.csv
$B --tables $D/nb201-here-torchscript1.csv --from $D/nb201-here-torch1-3pass.csv
$B --tables $D/nb201-here-ort1-48px.csv --from $D/nb201-here-ort1-64px.csv
