"""The search benchmarks run end to end on small inputs (they are where the goals are measured)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import runpy
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[1] / "benchmarks"


def _main(script: str, *args: str) -> tuple[int, str, str]:
    """Run a benchmark script as ``python script args`` would, in this process (a fresh
    interpreter costs seconds of imports per run): exit code, stdout, stderr. Many scripts
    set PyTorch's thread count; it is put back, or a later test comparing a run in this
    process with one in a subprocess would compare 1 thread with 2 (different rounding)."""
    import torch

    out, err = io.StringIO(), io.StringIO()
    argv, path, threads = sys.argv, list(sys.path), torch.get_num_threads()
    sys.argv = [script, *args]
    sys.path.insert(0, str(Path(script).parent))  # as `python script` does: scripts import their neighbours
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            runpy.run_path(script, run_name="__main__")
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):  # argparse's exit status
            code = exc.code or 0
        else:  # SystemExit("message"): the interpreter prints it and exits with 1
            err.write(str(exc.code))
            code = 1
    finally:
        sys.argv, sys.path[:] = argv, path
        torch.set_num_threads(threads)
    return code, out.getvalue(), err.getvalue()


def _run(*args: str) -> str:
    code, out, err = _main(*args)
    assert code == 0, err
    return out


def _refused(*args: str) -> str:
    """The one-line message of a run the benchmark refuses (an exception would fail the test)."""
    code, _, err = _main(*args)
    assert code != 0
    return err


def test_search_benchmark_prints_regrets_per_table():
    out = _run(str(BENCH / "search_nb201.py"), "--tables", f"nb201-cifar10,{BENCH / 'data' / 'nb201-meco.csv'}",
               "--seeds", "1", "--budgets", "10,20", "--strategies", "local,guided,guided:initial=5", "--no-optuna")
    assert out.count("| guided |") == 2 and "metric score" in out and "metric test_accuracy" in out
    assert out.count("| guided:initial=5 |") == 2
    assert "not KEY=VALUE" in _refused(str(BENCH / "search_nb201.py"), "--strategies", "guided:initial", "--no-optuna")


def test_constrained_search_benchmark_prints_regrets_per_limit():
    out = _run(str(BENCH / "search_constrained.py"), "--limits", "4", "--seeds", "2", "--budgets", "20",
               "--strategies", "guided,guided:top=2")
    assert "| 4 | 3,867 | guided |" in out and "| 4 | 3,867 | guided:top=2 |" in out
    assert "Limit 4 ms. Paired over seeds: each strategy's regret minus guided's" in out
    assert re.search(r"guided:top=2: @20 [+-]\d\.\d{3} ± \d\.\d{3}", out)


def test_weight_sharing_benchmark_stores_the_inherited_accuracies_first_and_resumes(tmp_path):
    space = ('{"depths": [1, 2], "kernels": [3, 5], "expands": [3, 6], "widths": [1.0], "resolutions": [12], '
             '"stages": [[8, 2]], "head_channels": 16}')
    args = [str(BENCH / "ofa_weight_sharing.py"), "--dataset", "digits", "--train-size", "64", "--subnets", "2",
            "--phase-epochs", "1,1,0,0,0", "--space-config", space, "--workdir", str(tmp_path), "--threads", "1"]
    out = _run(*args)
    assert "progressive: inherited mean" in out and "progressive - joint:" in out
    rows = json.loads((tmp_path / "results.json").read_text())["subnets"]
    assert len(rows) == 2 and all({"progressive", "joint", "alone0", "alone1"} <= set(r) for r in rows.values())
    assert not list((tmp_path / "alone").glob("*.pt"))  # a finished network's per-epoch checkpoint is gone
    assert _run(*args).splitlines()[-4:] == out.splitlines()[-4:]  # a rerun reads everything back
    assert "JSON object" in _refused(*args[:-2], "--space-config", "[1]")
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "alone").glob("*.json")}
    for supernet in ("progressive.pt", "joint.pt"):  # measured already: a rerun needs neither supernet
        (tmp_path / supernet).unlink()
    more = _run(*args, "--alone-seeds", "3")  # a third seed on the finished run: only the new networks train
    assert not (tmp_path / "progressive.pt").exists() and not (tmp_path / "joint.pt").exists()
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "alone").glob("*.json")}
    assert sorted(set(after) - set(before)) == ["0-2.json", "1-2.json"] and all(after[k] == v for k, v in before.items())
    assert "over 3 seeds" in more
    rows = json.loads((tmp_path / "results.json").read_text())["subnets"]
    assert all("alone2" in r for r in rows.values())
    assert "at least 2" in _refused(*args, "--alone-seeds", "1")


def test_landscape_repeat_scores_the_tables_best_classes_again():
    table = BENCH / "data" / "nb201-synflow.csv"
    out = _run(str(BENCH / "landscape_repeat.py"), "--table", str(table), "--proxy", "synflow", "--top", "2",
               "--random", "2")
    tops = [line.split() for line in out.splitlines() if line.startswith("top ")]
    assert [float(t[1]) for t in tops] == [114.77, 114.65]  # the table's two best classes, its scores
    assert sum(line.startswith("random ") for line in out.splitlines()) == 2
    assert "Spearman between the runs, all 4 classes" in out and "of it survives" in out


def test_reward_landscape_is_mnasnet_reward_of_measured_accuracy_and_latency(tmp_path):
    import csv

    from edgenas.estimate import TabularBenchmark
    from edgenas.spaces import NB201Space

    out = tmp_path / "reward.csv"
    printed = _run(str(BENCH / "nb201_landscape.py"), "reward", "-o", str(out), "--weight", "-0.07", "--target", "5")
    assert "latency_ms target 5," in printed
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 15625
    space = NB201Space()
    accuracy, latency = TabularBenchmark("nb201-cifar10", space), TabularBenchmark("nb201-pi5-onnx", space)
    target = 5.0
    for row in rows[:3]:
        arch = space.parse(row["arch"])
        expected = accuracy.evaluate(arch)["test_accuracy"] * (latency.evaluate(arch)["latency_ms"] / target) ** -0.07
        assert abs(float(row["score"]) - expected) < 1e-3 * expected


def test_landscape_from_complete_shards_writes_the_table_and_drops_the_partials(tmp_path):
    """Two shards' partial files that together hold every class: the run scores nothing, writes
    every cell with its class's score, and removes the spent partial files."""
    import csv
    import importlib.util

    spec = importlib.util.spec_from_file_location("nb201_landscape", BENCH / "nb201_landscape.py")
    landscape = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(landscape)
    keys = [key for key, _ in landscape.classes(landscape.cells(), 0)]
    out = tmp_path / "t.csv"
    score = {key: float(i) for i, key in enumerate(keys)}
    for k, name in enumerate(("t.csv.partial", "t.csv.partial1")):
        (tmp_path / name).write_text("".join(f"{key},{score[key]!r}\n" for key in keys[k::2]))
    printed = _run(str(BENCH / "nb201_landscape.py"), "proxy", "--proxy", "synflow", "-o", str(out), "--shard", "1/2")
    assert "0 to score now" in printed and f"{len(keys):,} of {len(keys):,} classes scored" in printed
    assert not list(tmp_path.glob("t.csv.partial*"))
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 15625 and all(row["measured"] == "1" for row in rows)
    space = landscape.SPACE
    for row in rows[::3000]:
        assert float(row["score"]) == score[space.equivalence_key(space.parse(row["arch"]))]


def test_timing_pairing_writes_a_kit_and_a_median_table(tmp_path, quick_timing):
    table = tmp_path / "t.csv"
    out = _run(str(BENCH / "timing_pairing.py"), "--n", "1", "--passes", "4", "--resolution", "16",
               "--protocols", "paired", "--out", str(table))
    rows = table.read_text().splitlines()
    assert rows[0] == "arch,latency_ms" and len(rows) == 2 and float(rows[1].split(",")[1]) > 0
    assert "paired, passes 1 and 2: agree within 10%" in out and "of 1 networks" in out
    assert "paired, median of odd passes against even ones" in out and "alone" not in out
    assert "--protocols a list of alone, paired" in _refused(str(BENCH / "timing_pairing.py"), "--protocols", "fast")
    assert not (tmp_path / "t.csv.partial").exists()  # finished: the log of timings is gone
    # a run stopped mid-way leaves every timing in t.csv.partial; the rerun times nothing it holds
    # (here: all of them, so the table is their median times the logged scale)
    script = str(BENCH / "timing_pairing.py")
    args = ["--n", "1", "--passes", "4", "--resolution", "16", "--protocols", "paired", "--out", str(table)]
    arch = rows[1].rsplit(",", 1)[0].strip('"')
    logged = [{"archs": [arch], "protocols": ["paired"]}, {"scale": 2.0},
              *({f"{p}/paired/0": v} for p, v in enumerate([1.0, 1.5, 3.0, 1.1]))]
    (tmp_path / "t.csv.partial").write_text("".join(json.dumps(line) + "\n" for line in logged))
    _run(script, *args)
    assert float(table.read_text().splitlines()[1].rsplit(",", 1)[1]) == 2.0 * 1.3
    (tmp_path / "t.csv.partial").write_text(json.dumps({"archs": ["other"], "protocols": ["paired"]}) + "\n")
    assert "delete it" in _refused(script, *args)


def test_timing_pairing_times_the_kit_networks_frozen_by_torchscript():
    """--runtime torchscript: a kit network rebuilt from its arch string, traced and frozen (the
    timing protocol is the one the ONNX Runtime test above runs)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("timing_pairing", BENCH / "timing_pairing.py")
    pairing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pairing)
    network = {"arch": "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|",
               "input_shape": [1, 3, 16, 16]}
    run = pairing._runner(BENCH, network, "torchscript")
    run()  # the frozen graph runs on the kit's input shape
    assert "--runtime is onnxruntime or torchscript, not 'tvm'" in _refused(str(BENCH / "timing_pairing.py"),
                                                                            "--runtime", "tvm")


def test_latency_auto_choice_prints_every_rule_against_the_oracle():
    out = _run(str(BENCH / "latency_auto_choice.py"), "--tables", str(BENCH / "data" / "nb201-here-ort1.csv"),
               "--sizes", "10", "--seeds", "1", "--models", "linear,gbm")
    row = next(line for line in out.splitlines() if line.startswith("| nb201-here-ort1.csv | 10 |"))
    shares = [float(c.strip().rstrip("%")) for c in row.split("|")[3:15]]
    assert len(shares) == 12 and all(0 <= v <= 100 for v in shares)
    assert shares[9] == max(shares[10:])  # the oracle is the better of the two models
    assert shares[9] >= max(shares[:5])  # and no rule that picks one model beats it
    assert "unknown models" in _refused(str(BENCH / "latency_auto_choice.py"), "--tables", "nb201-pi5-onnx",
                                        "--models", "linear,nope")


def test_search_benchmark_searches_a_reward_with_its_cost_known():
    out = _run(str(BENCH / "search_nb201.py"), "--tables", "nb201-cifar10", "--reward-cost",
               "nb201-pi5-onnx:latency_ms", "--reward-target", "4", "--seeds", "1", "--budgets", "15",
               "--strategies", "guided", "--no-optuna")
    assert "metric test_accuracy x (latency_ms / 4) ** (-0.07 below, -0.07 above)" in out
    assert out.count("| guided |") == 1
    for bad, says in (("nope.csv:ms", "table 'nope.csv' not found"), ("nb201-pi5-onnx:ms", "missing column(s) ms")):
        assert says in _refused(str(BENCH / "search_nb201.py"), "--reward-cost", bad, "--no-optuna")


def test_the_macs_reward_table_is_the_profiled_macs_reward():
    """The committed MACs cost table holds each cell's profiled MACs (cached per op multiset
    when it was written), and the reward table the soft-limit reward of them."""
    import csv
    import statistics

    from edgenas.estimate import TabularBenchmark
    from edgenas.hardware.cost import ProfileCost
    from edgenas.spaces import NB201Space

    space = NB201Space()
    macs = list(csv.DictReader((BENCH / "data" / "nb201-macs.csv").open()))
    reward = list(csv.DictReader((BENCH / "data" / "nb201-reward-macs.csv").open()))
    target = statistics.median(float(r["macs"]) for r in macs)
    accuracy, profiler = TabularBenchmark("nb201-cifar10", space), ProfileCost(space)
    for i in (0, 1, 7777):
        arch = space.parse(macs[i]["arch"])
        assert float(macs[i]["macs"]) == profiler.evaluate(arch)["macs"]
        ratio = float(macs[i]["macs"]) / target
        expected = accuracy.evaluate(arch)["test_accuracy"] * (1.0 if ratio <= 1 else ratio ** -0.5)
        assert abs(float(reward[i]["score"]) - expected) < 1e-4 * expected


def test_noise_draws_benchmark_prints_regret_over_draws_with_the_oracle_floor(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(BENCH))
    import numpy as np
    import pytest
    from search_noise_draws import oracle_regret, task_shift, top_k_regret

    # asked best-first by clean accuracy: the third class (clean 3.0, noisy 2.5), then the second (2.6)
    regret = oracle_regret(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.6, 2.5]), budgets=[1, 2, 3])
    assert regret == pytest.approx([0.1, 0.0, 0.0])
    # the graded reference: once every class of the top K is asked, the noisy best among them is found
    rng = np.random.default_rng(0)
    clean = rng.normal(size=200)
    noisy = clean + rng.normal(scale=0.5, size=200)
    in_top = noisy[np.argsort(-clean)[:20]].max()
    tops = {k: top_k_regret(clean, noisy, [12, 30, 200], k, initial=10, repeats=50) for k in (1, 20, 200)}
    assert 0 <= tops[20][1] <= noisy.max() - in_top + 1e-12  # by 30 queries all 20 are asked
    assert tops[200][2] == 0.0  # every class asked
    assert all(r[0] >= r[1] >= r[2] for r in tops.values())
    out = _run(str(BENCH / "search_noise_draws.py"), "--draws", "2", "--seeds", "1", "--budgets", "5,10",
               "--strategies", "guided,local", "--no-optuna", "--std", "0.5", "--references", "5,4930",
               "--shift", "0.5")
    assert out.count("draw 10") == 2 and "| oracle |" in out and "| guided |" in out
    assert "task shift std 0.5" in out
    assert "| top-5 |" in out and "| top-4930 |" in out
    assert "positive class counts" in _refused(str(BENCH / "search_noise_draws.py"), "--references", "10,x")
    assert "local: @5" in out  # the paired difference to the first strategy
    assert "must be >= 2" in _refused(str(BENCH / "search_noise_draws.py"), "--draws", "1")
    assert "--shift >= 0" in _refused(str(BENCH / "search_noise_draws.py"), "--shift", "-1")
    # another task's shift: seeded, of the asked spread, a linear function of the cells' features
    from nb201_landscape import SPACE

    archs = SPACE.sample_distinct(300, seed=0)
    keys = [SPACE.format(a) for a in archs]
    shift = task_shift(keys, dict(zip(keys, archs)), 2.0, seed=5)
    assert shift.std() == pytest.approx(2.0) and np.array_equal(shift, task_shift(keys, dict(zip(keys, archs)), 2.0, 5))
    x = np.array([np.concatenate([SPACE.encode(a), SPACE.structure_features(a), [1.0]]) for a in archs])
    residual = shift - x @ np.linalg.lstsq(x, shift, rcond=None)[0]
    assert np.abs(residual).max() < 1e-8
    # the same pairing from the logs, as a strategy measured later pairs with an earlier run
    log = tmp_path / "draws.txt"
    log.write_text(out)
    paired = _run(str(BENCH / "pair_noise_draws.py"), str(log), "guided", str(log), "local")
    assert paired.split("): ")[1].strip() == out.split("local: ")[1].splitlines()[0].strip()
    assert "no per-draw figures of 'nope'" in _refused(str(BENCH / "pair_noise_draws.py"), str(log), "nope", str(log), "local")
    assert "no log missing.txt" in _refused(str(BENCH / "pair_noise_draws.py"), "missing.txt", "guided", str(log), "local")


def test_guided_replay_scores_encodings_on_the_candidates_guided_weighed():
    out = _run(str(BENCH / "guided_replay.py"), "--draws", "1", "--seeds", "1", "--encodings", "raw,structure,live")
    shares = {line.split(":")[0]: [float(v) for v in line.split(":")[1].split("/")]
              for line in out.splitlines() if line.startswith(("GP on", "best candidate", "random candidate"))}
    assert set(shares) == {"random candidate", "best candidate", "GP on raw", "GP on structure", "GP on live"}
    assert all(0 <= v <= 1 for row in shares.values() for v in row)
    assert all(best >= raw for best, raw in zip(shares["best candidate"], shares["GP on raw"]))  # nothing beats it
    assert "guided's asks in the noise-free top 300" in out
    assert "unknown encoding 'nope'" in _refused(str(BENCH / "guided_replay.py"), "--encodings", "raw,nope")
    assert "replays guided only" in _refused(str(BENCH / "guided_replay.py"), "--runs", "local")


def test_warm_start_simulation_runs_guided_warm_over_draws():
    out = _run(str(BENCH / "guided_warm_start_sim.py"), "--draws", "2", "--seeds", "1", "--budgets", "5,10",
               "--strategies", "guided,guided-warm:warm=3", "--no-optuna", "--std", "0.5")
    assert "| guided-warm:warm=3 |" in out and "guided-warm:warm=3: @5" in out
    assert "no proxy table" in _refused(str(BENCH / "guided_warm_start_sim.py"), "--proxy-table", "missing.csv")
    # on a fixed table that is the proxy itself, the warm cells are the best of their pool: ahead at 5 queries
    fixed = _run(str(BENCH / "guided_warm_start_sim.py"), "--fixed-tables", "--tables",
                 str(BENCH / "data" / "nb201-synflow.csv"), "--seeds", "2", "--budgets", "5,10",
                 "--strategies", "guided,guided-warm", "--no-optuna")
    at5 = {line.split("|")[1].strip(): float(line.split("|")[2]) for line in fixed.splitlines()
           if line.startswith("| guided")}
    assert at5["guided-warm"] < at5["guided"]


@pytest.mark.slow
def test_latency_transfer_prints_the_kernel_column_on_a_small_table(tmp_path, counted_kernels):
    rows = (BENCH / "data" / "nb201-here-ort1-48px.csv").read_text().splitlines()
    target = tmp_path / "board.csv"
    target.write_text("\n".join(rows[:62]) + "\n")  # 61 networks: N = 10 leaves 51 to score
    source = str(BENCH / "data" / "nb201-here-ort1-64px.csv")
    out = _run(str(BENCH / "latency_transfer.py"), "--tables", str(target), "--from", source, "--sizes", "10,20",
               "--seeds", "1", "--kernels", "onnxruntime", "--test-max", "5")
    header, _, row = out.strip().splitlines()
    assert header.endswith("auto + onnxruntime kernels (chose) |")
    assert row.startswith("| board | nb201-here-ort1-64px | 10 |") and row.count("%") == 8  # N = 20 > 61 - 50: skipped
    assert "error: --test-max must be at least 1" in _refused(
        str(BENCH / "latency_transfer.py"), "--tables", str(target), "--test-max", "0")


def test_latency_transfer_scores_one_table_without_sources(tmp_path):
    """One table and no --from: `auto` alone, the columns with sources left empty (it used to fail)."""
    rows = (BENCH / "data" / "nb201-here-ort1-48px.csv").read_text().splitlines()
    board = tmp_path / "board.csv"
    board.write_text("\n".join(rows[:62]) + "\n")
    out = _run(str(BENCH / "latency_transfer.py"), "--tables", str(board), "--sizes", "10", "--seeds", "1",
               "--test-max", "10")
    row = out.strip().splitlines()[-1]
    assert row.startswith("| board | — | 10 |") and row.endswith("| — | — |") and row.count("%") == 2


@pytest.mark.slow
def test_latency_transfer_takes_the_scored_networks_out_of_the_sources(tmp_path):
    """A source that is the target's own table predicts it exactly, but only for networks it
    measured: --unseen-by-sources scores networks it has not (its fallback predictor's values)."""
    rows = (BENCH / "data" / "nb201-here-ort1-48px.csv").read_text().splitlines()
    board = tmp_path / "board.csv"
    board.write_text("\n".join(rows[:62]) + "\n")
    args = (str(BENCH / "latency_transfer.py"), "--tables", str(board), "--from", str(board), "--sizes", "10",
            "--seeds", "1", "--test-max", "20")

    def alone(out: str) -> float:  # the last column: `transfer` alone, its share within 5%
        return float(out.strip().splitlines()[-1].split("|")[-2].split("(")[1].split("%")[0])

    assert alone(_run(*args)) == 100.0
    assert alone(_run(*args, "--unseen-by-sources")) < 100.0


def test_stacked_fit_time_compares_both_ways_of_training_the_folds():
    out = _run(str(BENCH / "stacked_fit_time.py"), "--networks", "12", "--folds", "2", "--repeats", "1", "--epochs", "2")
    rows = [line for line in out.splitlines() if line.startswith(("| mlp", "| graph", "| paths"))]
    assert len(rows) == 3 and all(len(r.split("|")) == 7 for r in rows)
    assert all(float(r.split("|")[5]) < 1e-4 for r in rows)  # the two ways predict alike
    assert "--folds must be >= 2" in _refused(str(BENCH / "stacked_fit_time.py"), "--folds", "1")


def test_space_cost_speed_checks_the_layered_counts_against_the_whole_network():
    out = _run(str(BENCH / "space_cost_speed.py"), "--archs", "2", "--spaces", "mbconv,vit")
    assert "| mbconv |" in out and "| vit |" in out and out.count("| 4 of 4 |") == 2
    assert "--archs must be at least 1" in _refused(str(BENCH / "space_cost_speed.py"), "--archs", "0")
    assert "does not describe its networks as layers" in _refused(str(BENCH / "space_cost_speed.py"), "--spaces", "nasnet")
    assert "nope" in _refused(str(BENCH / "space_cost_speed.py"), "--spaces", "nope")
