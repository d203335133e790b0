"""The experiment API: create / load, ask / tell from Python, the same history as the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from edgenas.errors import ConfigError
from edgenas.experiment import Store, create_experiment, load_experiment


def _history(url, name):
    return [(t.arch, t.state, t.metrics, t.fitness) for t in Store(url).trials(name)]


def test_ask_tell_from_python_gives_the_history_of_the_cli(cli, tmp_path):
    cli_url, py_url = f"sqlite:///{tmp_path}/cli.db", f"sqlite:///{tmp_path}/py.db"
    code, _, err = cli("search", "--strategy", "evolution", "--budget", "25", "--seed", "3",
                       "--latency-table", "nb201-pi5-onnx", "--max-latency-ms", "4", "--name", "run",
                       "--storage", cli_url, "--json")
    assert code == 0, err
    exp = create_experiment(name="run", space="nb201", evaluator="table", costs=["latency-table:nb201-pi5-onnx"],
                            constraints=["latency_ms<=4.0"], strategy="evolution", seed=3, storage=py_url)
    for _ in range(25):
        trial = exp.ask()
        exp.tell(trial, exp.evaluate(trial.arch))
    exp.close()
    assert _history(py_url, "run") == _history(cli_url, "run")
    # the stored settings name the shipped tables by id: the run continues on any install
    config = Store(py_url).experiment_config("run")
    assert config["evaluator"]["path"] == "nb201-cifar10" and "/" not in json.dumps(config["costs"])
    # load_experiment rebuilds everything from the store and continues like the CLI would
    load_experiment("run", py_url).run(30)
    code, _, err = cli("search", "--strategy", "evolution", "--budget", "30", "--seed", "3",
                       "--latency-table", "nb201-pi5-onnx", "--max-latency-ms", "4", "--name", "run",
                       "--storage", cli_url, "--json")
    assert code == 0, err
    assert _history(py_url, "run") == _history(cli_url, "run")


def test_tell_refuses_a_trial_that_is_not_waiting(tmp_path):
    exp = create_experiment(name="t", storage=f"sqlite:///{tmp_path}/t.db")
    trial = exp.ask()
    exp.tell(trial, exp.evaluate(trial.arch))
    with pytest.raises(ConfigError, match="not waiting"):
        exp.tell(trial, {"test_accuracy": 1.0})
    exp.close()


def test_tell_refuses_a_result_without_the_objective_in_numbers(tmp_path):
    """A misspelt metric or a string would be stored as a failed candidate and a whole search
    would run blind; numpy scalars are numbers, stored as floats; NaN stays a failed value."""
    url = f"sqlite:///{tmp_path}/t.db"
    exp = create_experiment(name="t", storage=url)
    trial = exp.ask()
    with pytest.raises(ConfigError, match="lacks 'test_accuracy', the objective \\(it holds: acc\\)"):
        exp.tell(trial, {"acc": 90.0})
    for bad in ("90", True, None):
        with pytest.raises(ConfigError, match="metric 'test_accuracy' must be a number"):
            exp.tell(trial, {"test_accuracy": bad})
    assert exp.tell(trial, {"test_accuracy": np.float32(90.5)}).fitness == 90.5  # the trial still waited
    nan = exp.tell(exp.ask(), {"test_accuracy": float("nan")})
    assert nan.fitness == -math.inf and nan.state == "complete"
    assert exp.tell(exp.ask(), error="out of memory").state == "failed"
    exp.close()
    assert [t.metrics for t in load_experiment("t", url).result().trials][0] == {"test_accuracy": 90.5}


def test_load_experiment_names_what_is_stored(tmp_path):
    create_experiment(name="a", storage=f"sqlite:///{tmp_path}/s.db").run(2)
    with pytest.raises(ConfigError, match=r"no experiment 'b' .* \(stored: a\)"):
        load_experiment("b", f"sqlite:///{tmp_path}/s.db")


def test_every_registered_evaluator_is_rebuilt_from_its_stored_params():
    from edgenas.estimate import TabularBenchmark
    from edgenas.estimate.inherit import InheritingEvaluator
    from edgenas.estimate.proxies import ProxyEvaluator
    from edgenas.estimate.train import TrainConfig, TrainEvaluator
    from edgenas.evaluator import EVALUATORS, Combined, evaluator_from_params
    from edgenas.hardware import ProfileCost
    from edgenas.hardware.devices import DeviceLatency, create_device
    from edgenas.spaces import MBConvSpace, NB201Space

    nb201, mbconv = NB201Space(), MBConvSpace(resolutions=(32,))
    made = [
        (nb201, TabularBenchmark("nb201-pi5-onnx", nb201, metrics=["latency_ms"], cheap=True)),
        (nb201, ProfileCost(nb201, build_kwargs={"num_classes": 100})),
        (nb201, ProxyEvaluator(nb201, ["params", "synflow", "ensemble"], ensemble=("params", "synflow"),
                               num_classes=100, reference_size=4)),
        (mbconv, TrainEvaluator(mbconv, "digits", TrainConfig(epochs=2, lr=0.1))),
        (mbconv, InheritingEvaluator(mbconv, "digits", TrainConfig(epochs=3), finetune_epochs=1)),
        (mbconv, DeviceLatency(create_device("microcontroller", sram_kb=256), mbconv)),
        (nb201, DeviceLatency(create_device("table:nb201-pi5-onnx", space=nb201), nb201)),
        (nb201, Combined([ProfileCost(nb201), TabularBenchmark("nb201-cifar10", nb201)])),
    ]
    for space, evaluator in made:
        params = json.loads(json.dumps(evaluator.get_params()))  # what the store keeps
        assert evaluator_from_params(params, space).get_params() == evaluator.get_params()
    rebuilt = {type(e).__name__ for _, e in made}
    # these need a fitted or trained file: test_hardware, test_vit
    assert set(EVALUATORS.names()) - rebuilt <= {"PredictedLatency", "SupernetEvaluator"}
