"""The Ray executor on a local 2-CPU instance: parallel evaluation, dead workers retried."""

from __future__ import annotations

from pathlib import Path

import pytest
from _factories import DiesOnce, ToySpace

from edgenas.experiment import Experiment, Objective

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    tests = str(Path(__file__).parent)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"PYTHONPATH": tests}})
    yield
    ray.shutdown()


def test_ray_executor_evaluates_in_parallel_and_retries_dead_workers(local_ray, tmp_path):
    exp = Experiment(name="ray", space=ToySpace(), evaluator=DiesOnce(str(tmp_path)),
                     objective=Objective("score"), strategy="evolution",
                     strategy_params={"population_size": 8, "sample_size": 3}, seed=0,
                     storage=f"sqlite:///{tmp_path}/ray.db", executor="ray", workers=2)
    result = exp.run(40)
    assert result.evaluated == 40
    assert all(t.state == "complete" for t in result.trials)  # no candidate lost
    retried = [t for t in result.trials if t.attempts > 1]
    assert retried and all(int(t.metrics["score"]) >= 8 for t in retried)  # c0 == 2 ones
    assert len(list(tmp_path.glob("*c0_2*"))) == len(retried)
    # resuming the finished run evaluates nothing more
    again = Experiment(name="ray", space=ToySpace(), evaluator=DiesOnce(str(tmp_path)),
                       objective=Objective("score"), strategy="evolution",
                       strategy_params={"population_size": 8, "sample_size": 3}, seed=0,
                       storage=f"sqlite:///{tmp_path}/ray.db", executor="ray", workers=2).run(40)
    assert [t.arch for t in again.trials] == [t.arch for t in result.trials]
