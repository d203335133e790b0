"""Measure the networks of an edgenas latency kit on this board. Needs Python 3.9+, numpy and
onnxruntime only (no PyTorch, no edgenas): copy the kit folder to the board and run

    python3 run.py                      # writes latency.csv beside this file
    python3 run.py --threads 4 --out latency-4t.csv

then, back on the machine with edgenas: ``edgenas latency fit --space SPACE --table latency.csv``.

Protocol, per network: warm up for ``--warmup-s``; then time rounds of runs (each round at least
``--round-s`` long); a network's latency is the lowest round median (a busy board only ever adds
time), and measuring stops once the lowest ``--rounds`` round medians agree within
``--target-spread`` (or after ``--max-s``, flagged ``reliable=0``). Every network is appended to
the CSV as soon as it is measured: stop at any moment and run again to go on where it stopped.
The board's description (CPU, OS, versions, threads) is written beside the CSV.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import sys
import time

HEADER = ["arch", "latency_ms", "spread", "reliable", "rounds", "runs", "file"]
HERE = os.path.dirname(os.path.abspath(__file__))


class KitError(Exception):
    """A problem the user can fix; printed as one line."""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def board(threads: int) -> dict:
    """What this board is: enough to tell two tables apart and to reproduce one."""
    import numpy as np
    import onnxruntime as ort

    return {"cpu": _cpu_model(), "machine": platform.machine(), "cores": os.cpu_count(),
            "system": platform.platform(), "python": platform.python_version(), "numpy": np.__version__,
            "onnxruntime": ort.__version__, "providers": ort.get_available_providers(), "threads": threads}


def read_manifest(kit: str) -> dict:
    path = os.path.join(kit, "manifest.json")
    try:
        with open(path) as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise KitError(f"no manifest.json in {kit}; make the kit with `edgenas latency kit`") from None
    except json.JSONDecodeError as exc:
        raise KitError(f"{path} is not valid JSON ({exc.msg}, line {exc.lineno}); make the kit again") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("networks"), list):
        raise KitError(f"{path} lists no networks; make the kit again with `edgenas latency kit`")
    listed = {n["file"] for n in manifest["networks"]}
    folder = os.path.join(kit, "models")
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if f"models/{name}" not in listed:
            print(f"warning: ignoring models/{name}: it is not in manifest.json", file=sys.stderr)
    return manifest


def session(kit: str, network: dict, threads: int):
    import onnxruntime as ort

    path = os.path.join(kit, network["file"])
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise KitError(f"cannot read {network['file']} ({exc.strerror}); copy the whole kit folder") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        loaded = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime's parse errors have no common type
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise KitError(f"{network['file']} is not an ONNX model ONNX Runtime can load ({first[:120]}); "
                       "copy the kit again") from None
    if hashlib.sha256(data).hexdigest() != network["sha256"]:
        raise KitError(f"{network['file']} is not the model the kit was made with (checksum differs); "
                       "copy the kit again")
    return loaded


def measure(run, warmup_s: float, round_s: float, rounds: int, target_spread: float, max_s: float) -> dict:
    """Time ``run()``; see the module docstring for the protocol."""
    import numpy as np

    start = time.perf_counter()
    while time.perf_counter() - start < warmup_s:
        run()
    medians, runs, begin = [], 0, time.perf_counter()
    while True:
        times, round_start = [], time.perf_counter()
        while not times or time.perf_counter() - round_start < round_s:
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        runs += len(times)
        medians.append(float(np.median(times)) * 1e3)
        best = sorted(medians)[:rounds]
        spread = (best[-1] - best[0]) / best[0]
        reliable = len(medians) >= rounds and spread <= target_spread
        if reliable or time.perf_counter() - begin > max_s:
            return {"latency_ms": best[0], "spread": spread, "reliable": int(reliable), "rounds": len(medians),
                    "runs": runs}


def done_rows(out: str) -> set:
    """Architectures already in ``out``; a last row cut off by a crash is dropped."""
    with open(out) as f:
        text = f.read()
    lines = text.splitlines()
    if not lines or lines[0].split(",") != HEADER:
        raise KitError(f"{out} exists and is not this runner's table (header {','.join(HEADER)}); give another --out")
    rows = list(csv.reader(lines[1:]))
    if rows and (not text.endswith("\n") or len(rows[-1]) != len(HEADER)):
        with open(out, "w") as f:
            f.write("\n".join(lines[:-1]) + "\n")
        rows = rows[:-1]
    return {row[0] for row in rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kit", default=HERE, help="the kit folder (default: this script's folder)")
    parser.add_argument("--out", default=None, help="the CSV (default KIT/latency.csv); an existing one is resumed")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads")
    parser.add_argument("--warmup-s", type=float, default=0.2)
    parser.add_argument("--round-s", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=3, help="lowest round medians that must agree")
    parser.add_argument("--target-spread", type=float, default=0.02)
    parser.add_argument("--max-s", type=float, default=3.0, help="timing budget of one network")
    parser.add_argument("--limit", type=int, default=None, help="measure at most this many networks now")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"error: {exc.name} is not installed: pip install numpy onnxruntime", file=sys.stderr)
        return 2


def _run(args) -> int:
    import numpy as np

    if args.threads < 1 or args.rounds < 1 or args.round_s <= 0 or args.max_s <= 0:
        raise KitError("--threads and --rounds must be at least 1, --round-s and --max-s positive")
    manifest = read_manifest(args.kit)
    out = args.out or os.path.join(args.kit, "latency.csv")
    description = board(args.threads)
    sidecar = out + ".board.json"
    if os.path.exists(out) and os.path.exists(sidecar):
        with open(sidecar) as f:
            before = json.load(f)
        if before.get("threads") != args.threads or before.get("cpu") != description["cpu"]:
            raise KitError(f"{out} was measured with {before.get('threads')} thread(s) on {before.get('cpu')!r}; "
                           "give another --out for this setting")
    done = done_rows(out) if os.path.exists(out) else set()
    if not os.path.exists(out):
        with open(out, "w", newline="") as f:
            csv.writer(f).writerow(HEADER)
    with open(sidecar, "w") as f:
        json.dump(description | {"kit": manifest.get("space"), "protocol": {
            k: getattr(args, k) for k in ("warmup_s", "round_s", "rounds", "target_spread", "max_s")}}, f, indent=2)
    todo = [n for n in manifest["networks"] if n["arch"] not in done][: args.limit]
    print(f"{len(done)} of {len(manifest['networks'])} networks already measured; measuring {len(todo)} "
          f"on {description['cpu']} ({args.threads} thread(s))", file=sys.stderr)
    rng = np.random.default_rng(0)
    with open(out, "a", newline="") as f:
        writer = csv.writer(f)
        for i, network in enumerate(todo, 1):
            sess = session(args.kit, network, args.threads)
            feed = {sess.get_inputs()[0].name: rng.standard_normal(network["input_shape"]).astype(np.float32)}
            m = measure(lambda s=sess, x=feed: s.run(None, x), args.warmup_s, args.round_s, args.rounds,
                        args.target_spread, args.max_s)
            writer.writerow([network["arch"], f"{m['latency_ms']:.6f}", f"{m['spread']:.4f}", m["reliable"],
                             m["rounds"], m["runs"], network["file"]])
            f.flush()  # on disk before the next network starts
            if i % 10 == 0 or i == len(todo):
                print(f"{len(done) + i}/{len(manifest['networks'])} measured", file=sys.stderr)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
