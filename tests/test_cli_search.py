"""`edgenas search` / `runs` end to end, and their one-line errors."""

from __future__ import annotations

import json

import pytest
from _factories import small_table

from edgenas.experiment import load_experiment


def test_search_json_plot_and_runs(cli, tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    code, out, err = cli("search", "--space", "nb201", "--strategy", "evolution", "--budget", "60",
                         "--latency-table", "nb201-pi5-onnx", "--max-latency-ms", "4", "--seed", "0",
                         "--storage", url, "--name", "lat4", "--plot", str(tmp_path / "p.png"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"best", "evaluated", "pareto"}
    assert data["evaluated"] == 60
    assert data["best"]["arch"].startswith("|") and data["best"]["metrics"]["latency_ms"] <= 4
    assert all(p["metrics"]["latency_ms"] <= 4 for p in data["pareto"])
    assert (tmp_path / "p.png").stat().st_size > 10_000
    code, out, _ = cli("runs", "list", "--storage", url, "--json")
    assert json.loads(out)[0]["evaluated"] == 60
    code, out, _ = cli("runs", "show", "lat4", "--storage", url, "--json")
    assert json.loads(out)["best"] == data["best"]
    code, out, _ = cli("runs", "show", "lat4", "--storage", url)
    assert "Pareto front" in out


def test_search_with_profiled_constraints(cli, tmp_path):
    code, out, err = cli("search", "--strategy", "random", "--budget", "15", "--max-macs", "40e6",
                         "--storage", f"sqlite:///{tmp_path}/m.db", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert all(p["metrics"]["macs"] <= 40e6 for p in data["pareto"])


@pytest.mark.parametrize("args, message", [
    (["search", "--space", "bogus"], "unknown search space 'bogus'"),
    (["search", "--strategy", "bogus"], "unknown strategy 'bogus'"),
    (["search", "--latency-table", "nb201-pi5-onnx", "--max-latency-ms", "0.3"], "no architecture satisfies latency_ms <= 0.3"),
    (["search", "--max-latency-ms", "3"], "needs --latency-table"),
    (["search", "--benchmark", "missing.csv"], "table 'missing.csv' not found"),
    (["search", "--strategy-params", "{bad"], "not JSON"),
    (["search", "--strategy-params", '{"topp": 3}'], "strategy 'guided' has no parameter 'topp'"),
    (["search", "--objective", "latency_ms", "--latency-table", "nb201-pi5-onnx"],
     "--objective latency_ms is a cost, and a search maximises its objective; limit it (--max-latency-ms"),
    (["search", "--objective", "macs", "--max-macs", "1e9"], "limit it (--max-macs,"),
    (["search", "--storage", "sqlite:///"], "storage URL 'sqlite:///' is not supported"),  # no file: nothing kept
    (["search", "--strategy-params", '{"top": "3"}'], "top takes int, got '3'"),
    (["search", "--strategy", "guided:top=3,prior=none"],
     """--strategy guided --strategy-params '{"top": 3, "prior": "none"}'"""),
    (["search", "--prior", "missing.csv"], "table 'missing.csv' not found"),
    (["search", "--prior", "nb201-pi5-onnx:top1"], "missing column(s) top1"),
    (["search", "--prior", "nb201-cifar10", "--strategy", "local"], "--prior works with --strategy guided"),
    (["search", "--prior", "nb201-cifar10"], "--prior nb201-cifar10 is the searched table itself"),
    (["search", "--prior", "nb201-cifar10", "--strategy-params", '{"prior": "x.csv"}'], "give the prior once"),
    (["runs", "show", "nothing", "--storage", "sqlite:///nowhere/x.db"], "no store at nowhere/x.db"),
])
def test_search_bad_input_is_one_line(cli, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(*args)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_search_with_a_related_tables_prior_resumes_with_it(cli, tmp_path):
    """`--prior` reaches guided's parameters, is stored with the run, and a resumed run (no
    --prior given) keeps leaning on it."""
    target = tmp_path / "task.csv"
    small_table("nb201-cifar10", target, slice(0, 400))  # a task whose table holds 400 cells
    url = f"sqlite:///{tmp_path}/p.db"
    code, out, err = cli("search", "--benchmark", str(target), "--prior", "nb201-cifar10", "--budget", "14",
                         "--storage", url, "--name", "p", "--json")
    assert code == 0, err
    code, out, err = cli("search", "--benchmark", str(target), "--budget", "16", "--storage", url, "--name", "p",
                         "--json")
    assert code == 0, err
    assert json.loads(out)["evaluated"] == 16
    assert load_experiment("p", storage=url).strategy_params["prior"] == "nb201-cifar10"


def test_search_leans_on_synflow_unless_told_none(cli, tmp_path):
    """Without --prior a guided run on NB201 stores the shipped synflow scores as its prior;
    `--prior none` stores none."""
    url = f"sqlite:///{tmp_path}/d.db"
    for name, extra, stored in (("auto", [], "nb201-synflow"), ("off", ["--prior", "none"], None)):
        code, _, err = cli("search", "--budget", "12", "--storage", url, "--name", name, *extra)
        assert code == 0, err
        assert load_experiment(name, storage=url).strategy_params["prior"] == stored
        code, out, _ = cli("runs", "show", name, "--storage", url)
        assert code == 0 and ("(prior nb201-synflow)" in out) == (stored is not None)


def test_malformed_table_and_corrupted_store(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("arch,test_accuracy\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,abc\n")
    code, _, err = cli("search", "--benchmark", str(bad), "--storage", f"sqlite:///{tmp_path}/a.db")
    assert code != 0 and "bad.csv:2: test_accuracy='abc' is not a number" in err
    bad.write_text("arch,test_accuracy\n|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|,50\n")
    code, _, err = cli("search", "--benchmark", str(bad), "--storage", f"sqlite:///{tmp_path}/a.db")
    assert code != 0 and "bad.csv:2: nb201: unknown op 'conv'" in err
    store = tmp_path / "corrupt.db"
    store.write_bytes(b"garbage" * 500)
    code, _, err = cli("search", "--budget", "5", "--storage", f"sqlite:///{store}")
    assert code != 0 and "not a readable edgenas store" in err
    assert store.read_bytes() == b"garbage" * 500  # nothing overwritten
