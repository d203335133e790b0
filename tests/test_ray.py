"""The Ray executor on a local 2-CPU instance: parallel evaluation, dead workers retried."""

from __future__ import annotations

from pathlib import Path

import pytest
from _factories import DiesOnce, ToySpace

from edgenas.experiment import Experiment, Objective
from edgenas.experiment._executors import local_ray_options

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.xdist_group("ray")  # one worker: one local Ray instance


@pytest.fixture(scope="session")  # one start per worker, however xdist orders the tests
def local_ray():
    tests = str(Path(__file__).parent)
    ray.init(**local_ray_options(2), runtime_env={"env_vars": {"PYTHONPATH": tests}})  # as the executor starts it
    yield
    ray.shutdown()


def test_the_ray_tests_run_on_one_worker(request):
    """`make test` runs xdist's --dist loadgroup; where a pytest release breaks its grouping,
    each worker would start a Ray instance of its own, twice the cost on a 2-core machine."""
    if getattr(request.config.option, "loadgroup", False):  # set on xdist workers under loadgroup
        assert request.node.nodeid.endswith("@ray"), "xdist_group is ignored: see pyproject.toml's pytest pin"


@pytest.mark.slow
def test_ray_executor_evaluates_in_parallel_and_retries_dead_workers(local_ray, tmp_path):
    exp = Experiment(name="ray", space=ToySpace(), evaluator=DiesOnce(str(tmp_path)),
                     objective=Objective("score"), strategy="evolution",
                     strategy_params={"population_size": 8, "sample_size": 3}, seed=0,
                     storage=f"sqlite:///{tmp_path}/ray.db", executor="ray", workers=2)
    result = exp.run(8)  # each first sight of c0 == 2 kills a worker: a quarter of the candidates
    assert result.evaluated == 8
    assert all(t.state == "complete" for t in result.trials)  # no candidate lost
    retried = [t for t in result.trials if t.attempts > 1]
    assert retried and all(int(t.metrics["score"]) >= 8 for t in retried)  # c0 == 2 ones
    assert len(list(tmp_path.glob("*c0_2*"))) == len(retried)
    # resuming the finished run evaluates nothing more
    again = Experiment(name="ray", space=ToySpace(), evaluator=DiesOnce(str(tmp_path)),
                       objective=Objective("score"), strategy="evolution",
                       strategy_params={"population_size": 8, "sample_size": 3}, seed=0,
                       storage=f"sqlite:///{tmp_path}/ray.db", executor="ray", workers=2).run(8)
    assert [t.arch for t in again.trials] == [t.arch for t in result.trials]


def _niceness() -> int:
    import os

    return os.nice(0)


def test_local_workers_run_at_normal_priority(local_ray):
    """Ray nices its workers by default; the executor's local instance does not (a niced
    evaluation beside any busy process waited for the CPU)."""
    assert ray.get(ray.remote(num_cpus=1)(_niceness).remote()) == 0


def test_arch_survives_pickling_into_a_process_with_another_hash_seed():
    """Ray ships architectures to workers whose string hashing differs from the driver's."""
    import os
    import pickle
    import subprocess
    import sys

    from edgenas.spaces import NB201Space

    space = NB201Space()
    arch = space.parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|")
    code = ("import pickle, sys; from edgenas.spaces import Arch, NB201Space; a = pickle.loads(sys.stdin.buffer.read()); "
            "b = NB201Space().parse('|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|'); "
            "print(a == b, hash(a) == hash(b), b in {a: 1})")
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(arch), capture_output=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout.decode()
        assert out.split() == ["True", "True", "True"]


@pytest.mark.slow
def test_search_cli_on_a_local_ray_instance(local_ray, tmp_path):
    """End to end: `edgenas search --executor ray --address` in a fresh process (random hash
    seeds in driver and workers) joins the running instance (a second start of Ray would cost
    ~10 s; the local start's options are the fixture's) and evaluates every candidate against
    the shipped tables."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    cmd = [sys.executable, "-m", "edgenas.cli", "search", "--executor", "ray", "--workers", "2", "--budget", "4",
           "--address", ray.get_runtime_context().gcs_address,
           "--latency-table", "nb201-pi5-onnx", "--max-latency-ms", "4", "--name", "ray-cli",
           "--storage", f"sqlite:///{tmp_path}/r.db", "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["evaluated"] == 4 and result["best"] is not None
    assert result["best"]["metrics"]["latency_ms"] <= 4
    from edgenas.experiment import Store

    trials = Store(f"sqlite:///{tmp_path}/r.db").trials("ray-cli")
    assert [t.state for t in trials] == ["complete"] * 4
