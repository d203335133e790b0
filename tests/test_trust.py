"""What a hostile or careless user tries: planted pickles, bad data, lost work, races."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _factories import Additive, ToySpace, fashion_mnist_folder, small_table

from edgenas.data import load_dataset
from edgenas.errors import ConfigError, DataError, StoreError
from edgenas.estimate import shipped_table
from edgenas.experiment import Experiment, Objective, Store
from edgenas.spaces import Arch, NB201Space

TESTS = Path(__file__).parent


class _Exploit:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_cifar_batch_cannot_run_code(tmp_path, cli):
    marker = tmp_path / "pwned"
    folder = tmp_path / "cifar"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / name).write_bytes(pickle.dumps({b"data": _Exploit(str(marker)), b"labels": [0]}))
    code, _, err = cli("train", "--arch", "random:0", "--dataset", f"cifar10:{folder}", "--epochs", "1")
    assert code != 0 and "refusing posix.system" in err and len(err.strip().splitlines()) == 1
    assert not marker.exists()
    with pytest.raises(DataError, match="refusing"):
        load_dataset(str(folder))  # a bare path recognised as CIFAR-10 goes through the same reader


def test_real_cifar_batches_still_load(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"batch_label": b"x", b"labels": rng.integers(0, 10, 12).tolist(),
                 b"data": rng.integers(0, 255, (12, 3072), dtype=np.uint8), b"filenames": [b"a.png"] * 12}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    data = load_dataset(f"cifar10:{folder}", seed=0)
    assert data.x_train.shape[1:] == (3, 32, 32) and len(data.x_test) == 12


@pytest.mark.parametrize("labels, message", [
    (np.array([0.5, 1.0] * 20), "integer class indices"),
    (np.array([-1, 1] * 20), "is negative"),
])
def test_npz_labels_are_checked_up_front(tmp_path, labels, message):
    np.savez(tmp_path / "d.npz", x=np.zeros((40, 8, 8), np.float32), y=labels)
    with pytest.raises(DataError, match=message):
        load_dataset(str(tmp_path / "d.npz"))


def test_npz_nan_pixels_and_too_few_samples(tmp_path):
    x = np.zeros((40, 8, 8), np.float32)
    x[3, 2, 2] = np.nan
    np.savez(tmp_path / "n.npz", x=x, y=np.arange(40) % 2)
    with pytest.raises(DataError, match="NaN"):
        load_dataset(str(tmp_path / "n.npz"))
    np.savez(tmp_path / "s.npz", x=np.zeros((3, 8, 8), np.float32), y=np.arange(3) % 2)
    with pytest.raises(DataError, match="too few"):
        load_dataset(str(tmp_path / "s.npz"))


def test_fashion_mnist_files_are_read_and_checked(tmp_path):
    fashion_mnist_folder(tmp_path)
    data = load_dataset(f"fashion-mnist:{tmp_path}", resolution=28, channels=1)
    assert data.num_classes == 10 and len(data.x_test) == 20 and data.x_train.shape[1:] == (1, 28, 28)
    raw = (tmp_path / "t10k-images-idx3-ubyte.gz").read_bytes()
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="t10k-images"):
        load_dataset(f"fashion-mnist:{tmp_path}")
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match="missing"):
        load_dataset(f"fashion-mnist:{tmp_path}")


def test_minimised_objective_is_penalised_above_the_cost_target():
    objective = Objective("error", maximize=False, cost_metric="latency_ms", cost_target=4.0)
    under = objective.fitness({"error": 10.0, "latency_ms": 4.0})
    over = objective.fitness({"error": 10.0, "latency_ms": 8.0})
    assert over < under == -10.0
    maximised = Objective("acc", cost_metric="latency_ms", cost_target=4.0)
    assert maximised.fitness({"acc": 90.0, "latency_ms": 8.0}) < maximised.fitness({"acc": 90.0, "latency_ms": 4.0})


@pytest.mark.parametrize("name", ["../x", "", "a/b", ".hidden", "x" * 200])
def test_names_that_are_not_plain_are_refused(name, tmp_path):
    with pytest.raises(ConfigError, match="not plain"):
        Experiment(name=name, space=ToySpace(), evaluator=Additive(), objective=Objective("score"))


class Broken(Additive):
    def evaluate(self, arch):
        raise RuntimeError(f"cannot evaluate {arch['c0']}")


def test_a_search_where_every_trial_fails_exits_non_zero(cli, tmp_path, monkeypatch):
    code, _, err = cli("search", "--benchmark", str(TESTS / "no-such.csv"), "--storage", f"sqlite:///{tmp_path}/a.db")
    assert code != 0
    from edgenas.estimate import TabularBenchmark

    def gone(self, arch):
        raise RuntimeError("the table's disk went away")

    monkeypatch.setattr(TabularBenchmark, "evaluate", gone)
    code, _, err = cli("search", "--strategy", "random", "--budget", "3", "--seed", "5",
                       "--storage", f"sqlite:///{tmp_path}/b.db")
    assert code != 0 and "all 3 evaluated candidates failed; the first error was: RuntimeError: the table's disk" in err


def test_a_table_of_part_of_the_space_keeps_the_search_to_its_cells(cli, tmp_path):
    """A user's table of 29 cells (26 networks): every strategy asks those, none of the cells no
    table scores (each was a failed trial, a wasted query), and reaches all 26 (random draws
    come from the table, not the space); the run says so."""
    from edgenas.estimate import TabularBenchmark
    from edgenas.experiment import load_experiment

    space = NB201Space()
    small = small_table("nb201-cifar10", tmp_path / "small.csv", slice(0, 29))
    table = TabularBenchmark(small, space)
    classes: dict[str, list] = {}
    for a in table.archs():
        classes.setdefault(space.equivalence_key(a), []).append(table.evaluate(a))
    assert len(classes) == 26  # 29 cells, three pairs of them isomorphic
    for strategy in ("guided", "local", "evolution", "random"):
        url = f"sqlite:///{tmp_path}/{strategy}.db"
        code, out, err = cli("search", "--strategy", strategy, "--budget", "30", "--benchmark", str(small),
                             "--storage", url, "--name", strategy)
        assert code == 0, err
        assert "the tables given score 26 distinct networks of the space's 15,625 architectures" in out
        assert "(strategy exhausted the feasible space)" in out  # all 26 asked, then no more
        trials = load_experiment(strategy, url).result().trials
        assert len(trials) == 26 and all(t.state == "complete" for t in trials)
        for t in trials:  # a cell the table lacks is scored by a listed cell of its class
            assert t.metrics in classes[space.equivalence_key(space.validate(Arch.from_json(t.arch)))]


def test_a_search_kept_to_a_partial_table_resumes_to_the_same_history(tmp_path):
    """The draws from the listed networks (`Strategy.keep_to`) replay like the space's own."""
    from edgenas.experiment import create_experiment

    small = small_table("nb201-cifar10", tmp_path / "task.csv", slice(0, 400))

    def run(name: str, strategy: str, budget: int) -> list[str]:
        exp = create_experiment(name=name, space=NB201Space(), evaluator=f"table:{small}", strategy=strategy,
                                storage=f"sqlite:///{tmp_path}/{name}.db")
        return [t.arch for t in exp.run(budget).trials]

    for strategy in ("guided", "random"):
        straight = run(f"s-{strategy}", strategy, 30)
        run(f"r-{strategy}", strategy, 11)
        assert run(f"r-{strategy}", strategy, 30) == straight


def test_a_configuration_error_stops_the_run_and_keeps_the_candidate(tmp_path):
    class Misconfigured(Additive):
        broken = True

        def evaluate(self, arch):
            if self.broken:
                raise DataError("dataset folder vanished")
            return super().evaluate(arch)

    exp = Experiment(name="m", space=ToySpace(), evaluator=Misconfigured(), objective=Objective("score"),
                     storage=f"sqlite:///{tmp_path}/m.db")
    with pytest.raises(DataError, match="vanished"):
        exp.run(5)
    trials = Store(f"sqlite:///{tmp_path}/m.db").trials("m")
    assert [t.state for t in trials] == ["running"]  # evaluated again on resume, not stored as failed
    Misconfigured.broken = False  # the user fixed the data
    result = Experiment(name="m", space=ToySpace(), evaluator=Misconfigured(), objective=Objective("score"),
                        storage=f"sqlite:///{tmp_path}/m.db").run(5)
    assert result.trials[0].arch == trials[0].arch and all(t.state == "complete" for t in result.trials)


def test_two_processes_cannot_run_one_experiment(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    first = Experiment(name="l", space=ToySpace(), evaluator=Additive(), objective=Objective("score"), storage=url)
    first.ask()  # holds the experiment open
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from _factories import Additive, ToySpace, fashion_mnist_folder, small_table; "
            "from edgenas.experiment import Experiment, Objective; "
            "Experiment(name='l', space=ToySpace(), evaluator=Additive(), objective=Objective('score'), "
            "storage=sys.argv[2]).run(3)")
    done = subprocess.run([sys.executable, "-c", code, str(TESTS), url], capture_output=True, text=True)
    assert done.returncode != 0 and "is being run by process" in done.stderr
    first.close()
    subprocess.run([sys.executable, "-c", code, str(TESTS), url], check=True)


def test_one_corrupt_store_does_not_hide_the_others(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Experiment(name="good", space=ToySpace(), evaluator=Additive(), objective=Objective("score"),
               storage="sqlite:///runs/good.db").run(2)
    (tmp_path / "runs" / "bad.db").write_bytes(b"not sqlite" * 100)
    code, out, err = cli("runs", "list", "--json")
    assert code == 0 and [r["name"] for r in json.loads(out)] == ["good"] and "skipped" in err


def test_store_refuses_a_file_that_fails_the_integrity_check(tmp_path):
    url = f"sqlite:///{tmp_path}/c.db"
    Experiment(name="c", space=ToySpace(), evaluator=Additive(), objective=Objective("score"), storage=url).run(30)
    raw = bytearray((tmp_path / "c.db").read_bytes())
    raw[len(raw) // 2: len(raw) // 2 + 2000] = os.urandom(2000)
    (tmp_path / "c.db").write_bytes(bytes(raw))
    with pytest.raises(StoreError):
        Store(url).trials("c")


def test_truncated_table_and_broken_user_module_are_one_line(cli, tmp_path, monkeypatch):
    raw = shipped_table("nb201-pi5-onnx").read_bytes()
    (tmp_path / "cut.csv.gz").write_bytes(raw[: len(raw) // 3])
    code, _, err = cli("search", "--latency-table", str(tmp_path / "cut.csv.gz"), "--budget", "2",
                       "--storage", f"sqlite:///{tmp_path}/t.db")
    assert code != 0 and "truncated or corrupt" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "badmod.py").write_text("def build(:\n")
    (tmp_path / "raising.py").write_text("raise RuntimeError('no weights here')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for spec, words in (("badmod:build", "SyntaxError"), ("raising:build", "no weights here")):
        code, _, err = cli("profile", spec, "--input", "1,3,8,8")
        assert code != 0 and words in err and len(err.strip().splitlines()) == 1


def test_latency_measure_repairs_a_cut_off_last_row(cli, tmp_path):
    out = tmp_path / "m.csv"
    args = ("latency", "measure", "--space", "nb201", "--device", "table:nb201-pi5-onnx", "--n", "5", "-o", str(out))
    assert cli(*args)[0] == 0
    whole = out.read_text()
    out.write_text(whole[: len(whole) - 25])  # the process died while writing the last row
    code, _, err = cli(*args)
    assert code == 0, err
    assert out.read_text() == whole


def test_outputs_are_checked_before_the_work(cli, tmp_path):
    code, _, err = cli("latency", "fit", "--table", "nb201-pi5-onnx", "--model", "linear", "-o", "/proc/nope/a.pt")
    assert code != 0 and "cannot write -o" in err
    code, _, err = cli("search", "--budget", "3", "--plot", str(tmp_path / "p.png"), "--storage", f"sqlite:///{tmp_path}/p.db")
    assert code != 0 and "--plot needs a cost" in err
    assert Store(f"sqlite:///{tmp_path}/p.db").experiments() == []  # refused before any trial ran


def test_ctrl_c_prints_the_command_that_resumes(tmp_path):
    import signal
    import time

    url = f"sqlite:///{tmp_path}/i.db"
    cmd = [sys.executable, "-m", "edgenas.cli", "search", "--evaluator", "proxy:params", "--strategy", "random",
           "--budget", "5000", "--name", "ctrl-c", "--storage", url]
    # a child of a background job inherits SIGINT ignored; Ctrl-C in a terminal is what is tested
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 60
    while time.time() < deadline:
        if (tmp_path / "i.db").exists() and len(Store(url).trials("ctrl-c")) >= 5:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err  # a failure shows what the child said
    last = err.strip().splitlines()[-1]
    assert last.startswith("interrupted; every finished candidate is stored") and "Traceback" not in err
    assert last.endswith("Resume with: edgenas search --evaluator proxy:params --strategy random --budget 5000 "
                         f"--name ctrl-c --storage {url}")
    assert len(Store(url).trials("ctrl-c")) >= 5
