"""The latency kit end to end: kit -> run.py in an environment with only numpy and onnxruntime
-> `edgenas latency fit` -> `edgenas latency eval`; resume; one-line errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from edgenas.hardware.kit import runner_only_environment

pytest.importorskip("onnxruntime")

FAST = ["--warmup-s", "0.01", "--round-s", "0.005", "--max-s", "0.2"]


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    return runner_only_environment(tmp_path_factory.mktemp("site"))


def _runner(kit, env, *args):
    return subprocess.run([sys.executable, "-S", str(kit / "run.py"), *FAST, *args], env=env, capture_output=True,
                          text=True, timeout=300)


def _rows(path):
    return list(csv.DictReader(path.open()))


def test_bare_environment_has_no_torch(bare):
    probe = "import numpy, onnxruntime\ntry:\n    import torch\nexcept ImportError:\n    print('bare')"
    out = subprocess.run([sys.executable, "-S", "-c", probe], env=bare, capture_output=True, text=True)
    assert out.stdout.strip() == "bare", out.stderr
    out = subprocess.run([sys.executable, "-S", "-c", "import edgenas"], env=bare, capture_output=True, text=True,
                         cwd="/")
    assert out.returncode != 0


@pytest.mark.slow
def test_kit_runner_fit_eval(cli, tmp_path, bare):
    kit = tmp_path / "kit"
    code, _, err = cli("latency", "kit", "--space", "nb201", "--n", "9", "-o", str(kit))
    assert code == 0, err
    manifest = json.loads((kit / "manifest.json").read_text())
    assert len(manifest["networks"]) == 9 and (kit / "run.py").exists()
    assert (kit / manifest["reference"]["file"]).exists()  # every network is timed paired with it
    # stopped after 6 networks and a half-written row, then resumed: every network once
    out = _runner(kit, bare, "--limit", "6")
    assert out.returncode == 0, out.stderr
    table = kit / "latency.csv"
    first = _rows(table)
    assert len(first) == 6
    with table.open("a") as f:
        f.write(first[0]["arch"][:20])  # a crash mid-row
    out = _runner(kit, bare)
    assert out.returncode == 0, out.stderr
    rows = _rows(table)
    assert [r["arch"] for r in rows[:6]] == [r["arch"] for r in first]
    assert sorted(r["arch"] for r in rows) == sorted(n["arch"] for n in manifest["networks"])
    assert all(float(r["latency_ms"]) > 0 for r in rows)
    board = json.loads((kit / "latency.csv.board.json").read_text())
    assert board["threads"] == 1 and board["onnxruntime"] and board["cpu"] and board["reference_ms"] > 0
    for r in rows:  # on the scale of the reference's latency, kept for the resumed part too
        assert float(r["latency_ms"]) == pytest.approx(float(r["ratio"]) * board["reference_ms"], rel=1e-4)
    out = _runner(kit, bare, "--no-reference")
    assert out.returncode == 2 and "drop --no-reference" in out.stderr
    # what `latency fit` reads directly
    predictor = tmp_path / "board.npz"
    code, out, err = cli("latency", "fit", "--space", "nb201", "--table", str(table), "--model", "linear",
                         "-o", str(predictor))
    assert code == 0, err
    code, out, err = cli("latency", "eval", "--predictor", str(predictor), "--table", str(table), "--json")
    assert code == 0, err
    assert json.loads(out)["spearman"] > 0.5


def test_kit_bad_inputs(cli, tmp_path, bare):
    kit = tmp_path / "kit"
    assert cli("latency", "kit", "--space", "nb201", "--n", "2", "-o", str(kit))[0] == 0
    code, _, err = cli("latency", "kit", "--space", "nb201", "--n", "2", "-o", str(kit))
    assert code == 1 and "not empty" in err and len(err.strip().splitlines()) == 1
    (kit / "models" / "notes.txt").write_text("mine")
    (kit / "models" / "0001.onnx").write_text("not a model")
    out = _runner(kit, bare)
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "ignoring models/notes.txt" in out.stderr
    assert lines[-1].startswith("error: models/0001.onnx is not an ONNX model")
    (kit / "manifest.json").write_text("{")
    out = _runner(kit, bare)
    assert out.returncode == 2 and out.stderr.strip().startswith("error: ") and "manifest.json" in out.stderr
    archs = tmp_path / "archs.txt"
    archs.write_text("|nor_conv_3x3~0|+|bogus~0|\n")
    code, _, err = cli("latency", "kit", "--archs", str(archs), "-o", str(tmp_path / "k2"))
    assert code == 1 and f"{archs}:1" in err


def test_kit_runner_passes_keep_each_networks_median_and_resume(cli, tmp_path, bare):
    """--passes: every timing logged with its pass, OUT the per-network median, rewritten after
    each pass; a 1-pass OUT run again counts as the first pass; a stop mid-pass resumes there."""
    kit = tmp_path / "kit"
    assert cli("latency", "kit", "--space", "nb201", "--n", "3", "-o", str(kit))[0] == 0
    assert _runner(kit, bare).returncode == 0  # one plain pass first
    table, log = kit / "latency.csv", kit / "latency.csv.passes"
    first = {r["arch"]: r for r in _rows(table)}
    out = _runner(kit, bare, "--passes", "3", "--limit", "4")  # pass 2, and one network of pass 3
    assert out.returncode == 0, out.stderr
    assert [int(r["pass"]) for r in _rows(log)] == [1, 1, 1, 2, 2, 2, 3]
    out = _runner(kit, bare, "--passes", "3")
    assert out.returncode == 0, out.stderr
    assert "passes 1 and 2 agree within 10% for" in out.stderr  # how steady this board is
    timings = _rows(log)
    assert [int(r["pass"]) for r in timings] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert {r["arch"]: r["latency_ms"] for r in timings if r["pass"] == "1"} == \
        {a: r["latency_ms"] for a, r in first.items()}
    rows = _rows(table)
    assert sorted(r["arch"] for r in rows) == sorted(first)
    for row in rows:
        mine = [r for r in timings if r["arch"] == row["arch"]]
        assert float(row["latency_ms"]) == pytest.approx(sorted(float(r["latency_ms"]) for r in mine)[1], rel=1e-5)
        assert int(row["runs"]) == sum(int(r["runs"]) for r in mine)
    assert json.loads((kit / "latency.csv.board.json").read_text())["passes"] == 3
    out = _runner(kit, bare, "--passes", "0")
    assert out.returncode == 2 and "--passes must be at least 1" in out.stderr
