# every development device held out in turn, the others its sources; the held-out tables from all
# development tables (session 43, today's defaults)
D=benchmarks/data
S=benchmarks/results/latency-loo-all-2026-12-06
B="python benchmarks/latency_transfer.py --seeds 4 --sizes 20,100 --test-max 2000"
P5=nb201-pi5-onnx; O64=$D/nb201-here-ort1-64px.csv; O32=$D/nb201-here-ort1-paired.csv; T3=$D/nb201-here-torch1-3pass.csv
S32=$D/nb201-here-torchscript1.csv; S48=$D/nb201-here-torchscript1-48px.csv
(
$B --tables $O64 --from $O32,$T3,$P5,$S32,$S48
$B --tables $O32 --from $O64,$T3,$P5,$S32,$S48
$B --tables $T3 --from $O64,$O32,$P5,$S32,$S48
$B --tables $P5 --from $O64,$O32,$T3,$S32,$S48
$B --tables $S32 --from $O64,$O32,$T3,$P5,$S48
) > $S/dev.txt 2>&1 &
(
$B --tables $S48 --from $O64,$O32,$T3,$P5,$S32
$B --tables $D/nb201-here-ort1-48px.csv --from $O64,$O32,$T3,$P5,$S32,$S48
$B --tables $D/nb201-here-ort1-80px.csv --from $O64,$O32,$T3,$P5,$S32,$S48
$B --tables $D/nb201-here-torch1-6pass-1200.csv --from $O64,$O32,$T3,$P5,$S32,$S48 --test-max 1000
) > $S/heldout.txt 2>&1 &
wait
