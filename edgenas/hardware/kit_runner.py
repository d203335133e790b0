"""Measure the networks of an edgenas latency kit on this board. Needs Python 3.9+, numpy and
onnxruntime only (no PyTorch, no edgenas): copy the kit folder to the board and run

    python3 run.py                      # writes latency.csv beside this file
    python3 run.py --threads 4 --out latency-4t.csv

then, back on the machine with edgenas: ``edgenas latency fit --space SPACE --table latency.csv``.

Protocol. The kit's reference network is timed first (its lowest round median, kept beside the
CSV so a resumed run keeps the same scale). Then, per network: warm up for ``--warmup-s``; time
rounds (each at least ``--round-s`` long) that alternate the network and the reference, and keep
the ratio of their medians; stop once the last ``--rounds`` ratios agree within
``--target-spread`` (or after ``--max-s``, flagged ``reliable=0``). The network's latency is the
ratio times the reference's latency. A board whose speed changes (throttling, other work) slows
both alike, so the ratio holds where a plain time drifts: on a shared machine here, two passes
over the same networks agreed within 10% for 93% of them paired, 47% timed plainly.
``--no-reference`` times networks alone (the lowest round median). Every network is appended to
the CSV as soon as it is measured: stop at any moment and run again to go on where it stopped.
``--passes N`` goes over every network N times, one pass after the other, and writes each
network's median: each timing is appended to ``OUT.passes`` (with its pass), and ``OUT`` is
rewritten from it after every pass. On a shared host here a millisecond-scale network timed once
repeats within 10% for about 80% of networks; as the source of another device's predictor
(`edgenas latency fit --from`), a 4-pass table of this host gave 94% within 10% from 10 of that
device's networks, a 1-pass table of the same host 74%. A 1-pass ``OUT`` run again with
``--passes`` counts as the first pass.
The board's description (CPU, OS, versions, threads, reference latency) is written beside the CSV.
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

HEADER = ["arch", "latency_ms", "ratio", "spread", "reliable", "rounds", "runs", "file"]
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
    listed = {n["file"] for n in manifest["networks"] + ([manifest["reference"]] if manifest.get("reference") else [])}
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


def measure(run, warmup_s: float, round_s: float, rounds: int, target_spread: float, max_s: float,
            reference=None) -> dict:
    """Time ``run()``; see the module docstring for the protocol. With ``reference`` (another
    network's run), each round alternates the two and keeps the ratio of their medians; the
    result's ``ratio`` is the median of the last ``rounds`` ratios once they agree within
    ``target_spread``. A shared machine that changes speed for seconds or minutes slows both
    alike, so the ratio holds where a plain time does not."""
    import numpy as np

    calls = (run,) if reference is None else (reference, run)
    start = time.perf_counter()
    while time.perf_counter() - start < warmup_s:
        for call in calls:
            call()
    values, runs, begin = [], 0, time.perf_counter()
    while True:
        times = [[] for _ in calls]
        round_start = time.perf_counter()
        while not times[0] or time.perf_counter() - round_start < round_s:
            for call, log in zip(calls, times):
                t = time.perf_counter()
                call()
                log.append(time.perf_counter() - t)
        runs += len(times[-1])
        medians = [float(np.median(log)) for log in times]
        values.append(medians[0] * 1e3 if reference is None else medians[1] / medians[0])
        # plain: the lowest round medians (contention only adds time); paired: the latest ratios
        kept = sorted(values)[:rounds] if reference is None else values[-rounds:]
        spread = (max(kept) - min(kept)) / min(kept)
        reliable = len(values) >= rounds and spread <= target_spread
        if reliable or time.perf_counter() - begin > max_s:
            out = {"spread": spread, "reliable": int(reliable), "rounds": len(values), "runs": runs}
            if reference is None:
                return out | {"latency_ms": kept[0]}
            return out | {"ratio": float(np.median(kept))}


def done_rows(out: str, header: list = HEADER, option: str = "--out") -> dict:
    """How many times each architecture is already in the measurement CSV ``out`` (columns
    ``header``, arch first).
    A last row cut off by a crash (no newline, or too few fields) is dropped from the file, so
    the next append starts on a clean line and that network is measured again."""
    with open(out) as f:
        text = f.read()
    lines = text.splitlines()
    if not lines or lines[0].split(",") != header:
        raise KitError(f"{out} exists and is not a measurement file of this command (header {','.join(header)}); "
                       f"give another {option}")
    rows = list(csv.reader(lines[1:]))
    if rows and (not text.endswith("\n") or len(rows[-1]) != len(header)):
        print(f"dropping the cut-off last row of {out}; it is measured again")
        with open(out, "w") as f:
            f.write("\n".join(lines[:-1]) + "\n")
        rows = rows[:-1]
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise KitError(f"{out}:{number} has {len(row)} fields, not {len(header)}; fix or remove that line")
    counts: dict = {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    return counts


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
    parser.add_argument("--passes", type=int, default=1, help="time every network this many times, one pass "
                        "after another, and keep the median (steadier on a shared or throttling board)")
    parser.add_argument("--no-reference", action="store_true", help="time each network alone, not against "
                        "the reference network (a quiet board with a steady clock)")
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

    if args.threads < 1 or args.rounds < 1 or args.passes < 1 or args.round_s <= 0 or args.max_s <= 0:
        raise KitError("--threads, --rounds, --passes must be at least 1; --round-s, --max-s positive")
    manifest = read_manifest(args.kit)
    out = args.out or os.path.join(args.kit, "latency.csv")
    description = board(args.threads)
    sidecar = out + ".board.json"
    before = {}
    if os.path.exists(out) and os.path.exists(sidecar):
        with open(sidecar) as f:
            before = json.load(f)
        if before.get("threads") != args.threads or before.get("cpu") != description["cpu"]:
            raise KitError(f"{out} was measured with {before.get('threads')} thread(s) on {before.get('cpu')!r}; "
                           "give another --out for this setting")
    log, done = open_log(out, args.passes)
    protocol = {k: getattr(args, k) for k in ("warmup_s", "round_s", "rounds", "target_spread", "max_s")}
    rng = np.random.default_rng(0)

    def runner(network: dict):
        sess = session(args.kit, network, args.threads)
        feed = {sess.get_inputs()[0].name: rng.standard_normal(network["input_shape"]).astype(np.float32)}
        return lambda: sess.run(None, feed)

    reference, reference_ms = None, None
    if manifest.get("reference") and not args.no_reference:
        reference = runner(manifest["reference"])
        reference_ms = before.get("reference_ms")
        if reference_ms is None:
            reference_ms = measure(reference, **protocol)["latency_ms"]
    elif before.get("reference_ms") is not None:
        raise KitError(f"{out} was measured against the reference network; drop --no-reference or give another --out")
    with open(sidecar, "w") as f:
        json.dump(description | {"kit": manifest.get("space"), "reference_ms": reference_ms, "protocol": protocol,
                                 "passes": args.passes}, f, indent=2)
    networks = manifest["networks"]
    todo = plan(networks, done, args.passes, lambda n: n["arch"])[: args.limit]
    print(f"{sum(done.values())} of {len(networks) * args.passes} timings already taken; taking {len(todo)} "
          f"on {description['cpu']} ({args.threads} thread(s))", file=sys.stderr)
    with open(log, "a", newline="") as f:
        writer = csv.writer(f)
        for i, (p, network) in enumerate(todo, 1):
            m = measure(runner(network), **protocol, reference=reference)
            latency = m["ratio"] * reference_ms if reference is not None else m["latency_ms"]
            writer.writerow([network["arch"], f"{latency:.6f}", f"{m.get('ratio', 1.0):.6f}", f"{m['spread']:.4f}",
                             m["reliable"], m["rounds"], m["runs"], network["file"]] + ([p] if log != out else []))
            f.flush()  # on disk before the next network starts
            if i % 10 == 0 or i == len(todo):
                print(f"{sum(done.values()) + i}/{len(networks) * args.passes} timings taken", file=sys.stderr)
            if log != out and ends_pass(todo, i):
                write_medians(log, out)  # a pass is complete (or the run stops): OUT is up to date
    if log != out and (line := pass_agreement(log)):
        print(line, file=sys.stderr)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def open_log(out: str, passes: int, header: list = HEADER, option: str = "--out") -> tuple:
    """The file timings are appended to (``out``; with ``passes`` > 1 the per-pass log
    ``out.passes``, whose rows add the pass), created if missing, and how many times each
    architecture is already in it."""
    log = out + ".passes" if passes > 1 else out
    if log != out and not os.path.exists(log):
        start_log(log, out, header, option)
    if not os.path.exists(log):
        with open(log, "w", newline="") as f:
            csv.writer(f).writerow(header)
        return log, {}
    return log, done_rows(log, header + ["pass"] if log != out else header, option)


def plan(items: list, done: dict, passes: int, key) -> list:
    """(pass, item) still to time: pass p times the items timed fewer than p times, in order."""
    return [(p, item) for p in range(1, passes + 1) for item in items if done.get(key(item), 0) < p]


def ends_pass(todo: list, i: int) -> bool:
    """Whether the ``i``-th (1-based) timing of ``todo`` completes a pass (or the run)."""
    return i == len(todo) or todo[i][0] != todo[i - 1][0]


def start_log(log: str, out: str, header: list = HEADER, option: str = "--out") -> None:
    """The per-pass log of a multi-pass run (``header`` + pass); a 1-pass ``out`` measured
    before is its first pass."""
    rows = []
    if os.path.exists(out):
        done_rows(out, header, option)  # checks the header, drops a cut-off last row
        with open(out) as f:
            rows = [row + [1] for row in list(csv.reader(f))[1:]]
    with open(log, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header + ["pass"])
        writer.writerows(rows)


_MERGE = {"latency_ms": "median", "ratio": "median", "spread": "max", "reliable": "min", "rounds": "sum",
          "runs": "sum"}  # how write_medians merges a network's passes, by column; others: the first


def pass_agreement(log: str) -> str | None:
    """A line saying how often the first two passes of ``log`` agree within 10% (None before a
    second pass): how steady the board is. Below ~95% the median of more passes pays: on a
    shared host here it made a predictor's source 74% -> 94% accurate."""
    with open(log) as f:
        rows = list(csv.DictReader(f))
    by_pass: dict = {"1": {}, "2": {}}
    for row in rows:
        if row["pass"] in by_pass:
            by_pass[row["pass"]][row["arch"]] = float(row["latency_ms"])
    both = [arch for arch in by_pass["2"] if arch in by_pass["1"]]
    if not both:
        return None
    share = sum(abs(by_pass["2"][a] / by_pass["1"][a] - 1) <= 0.1 for a in both) / len(both)
    advice = "a steady board" if share >= 0.95 else "the median of more passes is steadier"
    return f"passes 1 and 2 agree within 10% for {100 * share:.1f}% of {len(both)} networks ({advice})"


def write_medians(log: str, out: str, header: list = HEADER) -> None:
    """``out`` from the per-pass ``log``: each network's median latency (and ratio) over its
    passes, the widest spread, reliable only if every pass was, rounds and runs summed."""
    import numpy as np

    with open(log) as f:
        rows = list(csv.DictReader(f))
    by_arch: dict = {}
    for row in rows:
        by_arch.setdefault(row["arch"], []).append(row)
    merge = {"median": lambda v: f"{np.median(v):.6f}", "max": lambda v: f"{max(v):.4f}",
             "min": lambda v: int(min(v)), "sum": lambda v: int(sum(v))}
    tmp = out + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for group in by_arch.values():
            writer.writerow([merge[_MERGE[key]]([float(r[key]) for r in group]) if key in _MERGE else group[0][key]
                             for key in header])
    os.replace(tmp, out)


if __name__ == "__main__":
    sys.exit(main())
