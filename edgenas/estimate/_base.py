"""The evaluator protocol lives in `edgenas.evaluator` (below hardware and estimate)."""

from edgenas.evaluator import Combined, Evaluator

__all__ = ["Evaluator", "Combined"]
