"""Analyses behind the lecture's hardware claims: MACs vs latency, width vs depth scaling, and
MCUNet's design-space comparison by the MACs CDF of the models that fit the memory."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from edgenas.errors import InfeasibleError
from edgenas.hardware.cost import ProfileCost
from edgenas.hardware.devices import Device
from edgenas.spaces import Arch, MBConvSpace, SearchSpace

__all__ = ["rank_correlations", "scaling_families", "design_space"]


def rank_correlations(latency: np.ndarray, predictors: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Spearman / Kendall of each proxy of latency (MACs, params, a predictor) with latency."""
    from scipy import stats  # here, not at the top: it cost every command ~0.6 s to start

    return {
        name: {"spearman": float(stats.spearmanr(values, latency).statistic),
               "kendall": float(stats.kendalltau(values, latency).statistic)}
        for name, values in predictors.items()
    }


def _uniform(space: MBConvSpace, width: float, depths: Sequence[int]) -> Arch:
    return space.uniform(width, space.resolutions[0], depths, space.kernels[0], space.expands[0])


def scaling_families(device: Device, widths: Sequence[float] = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0),
                     resolution: int = 160, progress: Callable[[int, int], None] | None = None
                     ) -> dict[str, Any]:
    """Grow one MBConv network in width (multiplier) and in depth (blocks per stage, one stage
    at a time), measure each member, and fit latency per MAC for each family."""
    space = MBConvSpace(depths=(1, 2, 3, 4), kernels=(3,), expands=(3,), widths=widths,
                        resolutions=(resolution,))
    stages = len(space.stages)
    width_family = [_uniform(space, w, [1] * stages) for w in widths]
    depth_family, depths = [], [1] * stages
    depth_family.append(_uniform(space, 1.0, depths))
    for d in (2, 3, 4):
        for s in range(stages):
            depths = list(depths)
            depths[s] = d
            depth_family.append(_uniform(space, 1.0, depths))
    costs = ProfileCost(space)
    total = len(width_family) + len(depth_family)
    out: dict[str, Any] = {}
    done = 0
    for name, family in (("width", width_family), ("depth", depth_family)):
        macs, latency = [], []
        for arch in family:
            macs.append(costs.evaluate(arch)["macs"])
            latency.append(device.latency(space, arch))
            done += 1
            if progress:
                progress(done, total)
        slope, intercept = np.polyfit(np.array(macs) / 1e9, latency, 1)
        out[name] = {"macs": macs, "latency_ms": latency, "ms_per_gmac": float(slope),
                     "intercept_ms": float(intercept)}
    return out


def design_space(space_factory: Callable[[float, int], SearchSpace], widths: Sequence[float],
                 resolutions: Sequence[int], sram_kb: float, flash_kb: float, samples: int = 200,
                 seed: int = 0, quantile: float = 0.8, num_classes: int = 1000,
                 progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
    """For each width x resolution sub-space: sample networks, keep those whose int8 peak
    activation fits SRAM and int8 weights fit flash, and summarise the MACs they reach. Raises
    `InfeasibleError` (with the smallest memory any sample needed) where no sample fits at all."""
    rows = []
    total, done = len(widths) * len(resolutions), 0
    least_sram = least_flash = math.inf
    for w in widths:
        for r in resolutions:
            space = space_factory(w, r)
            costs = ProfileCost(space, build_kwargs={"num_classes": num_classes})
            rng = np.random.default_rng(seed)
            fitting = []
            for _ in range(samples):
                m = costs.evaluate(space.sample(rng))
                least_sram, least_flash = min(least_sram, m["peak_memory_bytes"]), min(least_flash, m["weight_bytes"])
                if m["peak_memory_bytes"] <= sram_kb * 1024 and m["weight_bytes"] <= flash_kb * 1024:
                    fitting.append(m["macs"])
            fitting.sort()
            rows.append({
                "width": w, "resolution": r, "samples": samples, "fit": len(fitting),
                "fit_fraction": len(fitting) / samples,
                f"p{int(quantile * 100)}_macs": float(np.quantile(fitting, quantile)) if fitting else 0.0,
                "median_macs": float(np.median(fitting)) if fitting else 0.0,
                "macs": fitting,
            })
            done += 1
            if progress:
                progress(done, total)
    if not any(row["fit"] for row in rows):
        raise InfeasibleError(
            f"no sampled network fits {sram_kb:g} kB SRAM and {flash_kb:g} kB flash: the smallest peak activation "
            f"seen is {least_sram / 1024:.1f} kB, the smallest weights {least_flash / 1024:.1f} kB (int8); give more "
            f"memory or smaller widths / resolutions")
    key = f"p{int(quantile * 100)}_macs"
    rows.sort(key=lambda row: -row[key])
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows
