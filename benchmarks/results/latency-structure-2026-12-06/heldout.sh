# held-out tables (not looked at until the development runs were in)
D=benchmarks/data
S=benchmarks/results/latency-structure-2026-12-06
(for t in $D/nb201-here-ort1-48px.csv $D/nb201-here-ort1-80px.csv; do python $S/s39_sharing.py $t; done > $S/heldout_a.txt 2>&1) &
(python $S/s39_sharing.py $D/nb201-here-torch1-6pass-1200.csv 20,100,1000 > $S/heldout_b.txt 2>&1) &
wait
