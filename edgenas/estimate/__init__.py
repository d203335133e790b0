"""Estimating how good an architecture is: tables, training, inheritance, proxies, predictors."""

from edgenas.estimate._base import Combined, Evaluator
from edgenas.estimate.tabular import SHIPPED_TABLES, TabularBenchmark, resolve_table, shipped_table

__all__ = ["Combined", "Evaluator", "TabularBenchmark", "SHIPPED_TABLES", "resolve_table", "shipped_table"]
