# latency_transfer.py after hybrid's change (session 41): session 39's commands, the same tables,
# sources and seeds, logs here
S=benchmarks/results/latency-hybrid-2026-12-06 sh benchmarks/results/latency-structure-2026-12-06/after.sh
