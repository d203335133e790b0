"""The shipped conformance suite over the registries: every strategy x every resume case."""

from __future__ import annotations

import pytest

from edgenas.strategies import list_strategies
from edgenas.testing import RESUME_CASES, check_resume


@pytest.mark.parametrize("case", RESUME_CASES.names())
@pytest.mark.parametrize("strategy", list_strategies())
def test_interrupted_and_resumed_run_has_the_uninterrupted_history(strategy, case, tmp_path):
    check_resume(strategy, RESUME_CASES.create(case), tmp_path)


def test_the_check_catches_a_run_that_diverges(tmp_path):
    """An evaluator whose score depends on how many candidates this process saw fails it."""
    from edgenas.estimate import TabularBenchmark
    from edgenas.testing import ResumeCase

    class Drifting(TabularBenchmark):
        def evaluate(self, arch):
            out = super().evaluate(arch)
            out["test_accuracy"] += len(self.queried)  # state that a resume does not rebuild
            return out

    base = RESUME_CASES.create("table")
    case = ResumeCase(base.space, lambda s: Drifting("nb201-cifar10", s), "test_accuracy")
    with pytest.raises(AssertionError, match="differs"):
        check_resume("random", case, tmp_path)
