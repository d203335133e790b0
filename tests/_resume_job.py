"""A search run in a subprocess so a test can kill -9 it mid-run and resume it.

usage: python _resume_job.py STORAGE NAME STRATEGY BUDGET SLEEP_SECONDS
"""

from __future__ import annotations

import sys
import time

from edgenas.estimate import Evaluator, TabularBenchmark
from edgenas.experiment import Constraint, Experiment, Objective
from edgenas.spaces import NB201Space


class Slow(Evaluator):
    """The shipped table, slowed down so a kill lands mid-run."""

    def __init__(self, table: TabularBenchmark, sleep: float) -> None:
        self.table, self.sleep = table, sleep
        self.metrics = table.metrics

    def get_params(self) -> dict:
        return self.table.get_params()

    def evaluate(self, arch):
        time.sleep(self.sleep)
        return self.table.evaluate(arch)


def run(storage: str, name: str, strategy: str, budget: str, sleep: str) -> None:
    """The search; the uninterrupted reference runs it in the test's own process."""
    space = NB201Space()
    evaluator = Slow(TabularBenchmark("nb201-cifar10", space), float(sleep))
    latency = TabularBenchmark("nb201-pi5-onnx", space, metrics=["latency_ms"], cheap=True)
    Experiment(name=name, space=space, evaluator=evaluator, objective=Objective("test_accuracy"),
               strategy=strategy, seed=7, costs=[latency], constraints=[Constraint.parse("latency_ms<=5")],
               storage=storage).run(int(budget))


if __name__ == "__main__":
    run(*sys.argv[1:6])
