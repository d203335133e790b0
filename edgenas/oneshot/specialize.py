"""From a trained supernet to one network per device, without training.

1. `accuracy_dataset`: (arch, accuracy after BN recalibration) for sampled sub-networks,
   appended to a CSV one row at a time (a rerun continues; nothing measured is lost).
2. `SubnetAccuracyPredictor`: the shared predictor API (fit / predict / score, weights-only
   file) on the one-hot of the canonical architecture, with ``predict_rows`` for the
   finder's whole-array calls.
3. `Target`: a device's constraints as `LayerCost` tables (a layer LUT measured on that device,
   MACs, peak SRAM, flash) and its end-to-end measurement of the pick.
4. `specialize`: the finder per target; the pick is measured and, when a lookup table's sum
   underestimates the measured latency, searched again under the limit scaled by
   limit / measured (at most ``calibrations`` times).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgenas.data import Dataset
from edgenas.errors import ConfigError, DataError
from edgenas.estimate.accuracy_predictor import AccuracyPredictor
from edgenas.learn import MLP
from edgenas.oneshot.elastic import ElasticSupernet, largest, sample_subnet, smallest
from edgenas.oneshot.finder import ChoiceCodec, Constraint, EvolutionFinder, LayerCost, layer_profile_costs
from edgenas.oneshot.progressive import subnet_accuracy
from edgenas.spaces import Arch, MBConvSpace

__all__ = ["SubnetAccuracyPredictor", "accuracy_dataset", "Target", "parse_target", "specialize", "Pick"]

PROJECTION_SAMPLES = 1500  # random networks a latency predictor is projected on (a few ms of profiling each)


class SubnetAccuracyPredictor(AccuracyPredictor):
    """An MLP on the one-hot of the canonical architecture (OFA's encoding: inactive blocks
    carry no information), so that whole populations are predicted in one call."""

    MODELS = ("mlp",)
    FORMAT = "edgenas-subnet-accuracy-predictor"

    def __init__(self, space: MBConvSpace, model: str = "mlp", seed: int = 0, hidden: int = 400,
                 epochs: int = 300) -> None:
        super().__init__(space, model, seed)
        self.hidden, self.epochs = hidden, epochs
        self.codec = ChoiceCodec(space)

    def features(self, archs: list[Arch], one_hot_only: bool = False) -> np.ndarray:
        return self.codec.one_hot(self.codec.encode([self.space.validate(a) for a in archs])).astype(np.float64)

    def _fit_kind(self, kind: str, archs: list[Arch], y: np.ndarray) -> dict[str, Any]:
        return {"mlp": MLP(hidden=self.hidden, epochs=self.epochs, seed=self.seed).fit(self.features(archs), y)}

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """Predictions for `ChoiceCodec` rows (the finder's populations), in one call."""
        self._check_fitted()
        return self.parts_["mlp"].predict(self.codec.one_hot(rows).astype(np.float64))


def accuracy_dataset(supernet: ElasticSupernet, data: Dataset, path: str | Path, samples: int = 200,
                     seed: int = 0, bn_images: int = 2000, limit: int | None = 2000,
                     progress: Callable[[int, int], None] | None = None) -> tuple[list[Arch], np.ndarray]:
    """``samples`` sub-networks (the smallest, the largest, then random ones) with their
    validation accuracy inherited from ``supernet``; rows already in the CSV at ``path`` are
    reused, each new row is written before the next network is evaluated."""
    space = supernet.space
    path = Path(path)
    done: dict[Arch, float] = {}
    if path.exists():
        try:
            with path.open(newline="") as f:
                for row in csv.DictReader(f):
                    done[space.validate(Arch.from_json(row["arch"]))] = float(row["accuracy"])
        except (KeyError, ValueError, csv.Error) as exc:
            raise DataError(f"{path} is not an accuracy dataset of this supernet ({exc}); delete it to start over") from None
    rng = np.random.default_rng(seed)
    archs = [smallest(space), largest(space)]
    seen = set(archs)
    for _ in range(samples * 50):
        if len(archs) >= samples:
            break
        arch = sample_subnet(space, rng)
        if arch not in seen:
            seen.add(arch)
            archs.append(arch)
    archs = archs[:samples]
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["arch", "accuracy"])
        for i, arch in enumerate(archs):
            if arch not in done:
                done[arch] = subnet_accuracy(supernet, arch, data, bn_images=bn_images, limit=limit, seed=seed)
                writer.writerow([arch.to_json(), f"{done[arch]:.4f}"])
                f.flush()
            if progress:
                progress(i + 1, len(archs))
    return archs, np.array([done[a] for a in archs])


@dataclass
class Target:
    """A device: the constraints its limits give, and how to measure a network on it."""

    name: str
    constraints: list[Constraint]
    measure: Callable[[Arch], dict[str, float]]
    latency: LayerCost | None = None  # the additive latency model, calibrated against measurement


def _lut_cost(space: MBConvSpace, lut: Any, num_classes: int) -> LayerCost:
    return LayerCost.build("latency_ms", space, lut.get, num_classes=num_classes)


def parse_target(spec: str, space: MBConvSpace, num_classes: int, max_latency_ms: float | None,
                 workdir: str | Path, profile_costs: dict[str, LayerCost] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Target:
    """``torch-cpu[:THREADS]``, ``onnxruntime-cpu[:THREADS]`` (a layer LUT measured here once and
    cached in ``workdir``), ``lut:PATH`` (a LUT measured elsewhere), ``predictor:PATH`` (a fitted latency
    predictor: the finder and E[latency] use its additive projection, `LayerCost.project`, on
    ``PROJECTION_SAMPLES`` random networks; a pick is "measured" by the predictor itself, so the
    projection's error is corrected like a LUT's), ``microcontroller[:SRAM_KB[:FLASH_KB]]``
    (peak SRAM and flash at int8; latency from MACs at the profile's clock) or ``macs``."""
    from edgenas.hardware.devices import DEVICES, Microcontroller, create_device
    from edgenas.hardware.lut import LatencyLUT, build_lut

    name, _, rest = spec.partition(":")
    args = [a for a in rest.split(":") if a] if rest else []
    limit = [] if max_latency_ms is None else [max_latency_ms]

    def number(text: str, what: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ConfigError(f"device {spec!r}: {what} must be a number, got {text!r}") from None
        if not value > 0:
            raise ConfigError(f"device {spec!r}: {what} must be positive, got {text!r}")
        return value

    if name in ("microcontroller", "mcu", "macs"):
        costs = profile_costs or layer_profile_costs(space, num_classes)
    if name in ("microcontroller", "mcu"):
        if len(args) > 2:
            raise ConfigError(f"device {spec!r}: write microcontroller[:SRAM_KB[:FLASH_KB]]")
        mcu = Microcontroller(*(number(a, w) for a, w in zip(args, ("SRAM kB", "flash kB"))))
        scale = mcu.cycles_per_mac / (mcu.clock_mhz * 1e3)
        latency = LayerCost("latency_ms", costs["macs"].fixed * scale, costs["macs"].blocks * scale, "sum",
                            costs["macs"].codec)
        constraints = [Constraint(costs["peak_memory_bytes"], mcu.sram_kb * 1024, "peak_memory_bytes"),
                       Constraint(costs["weight_bytes"], mcu.flash_kb * 1024, "weight_bytes")]
        constraints += [Constraint(latency, m, "latency_ms") for m in limit]
        return Target(spec, constraints, lambda a: mcu.costs(space, a, num_classes=num_classes), latency)
    if name == "macs":
        if not args:
            raise ConfigError("device 'macs' needs a limit: macs:MAX_MACS (for example macs:5e6)")
        return Target(spec, [Constraint(costs["macs"], number(args[0], "the MACs limit"), "macs")],
                      lambda a: {"macs": float(costs["macs"](costs["macs"].codec.encode([a]))[0])})
    if name == "lut":
        if not args:
            raise ConfigError("device 'lut' needs a file: lut:PATH")
        lut = LatencyLUT.load(rest, space, {"num_classes": num_classes})
        latency = _lut_cost(space, lut, num_classes)
        return Target(spec, [Constraint(latency, m, "latency_ms") for m in limit],
                      lambda a: {"latency_ms": float(latency(latency.codec.encode([a]))[0])}, latency)
    if name == "predictor":
        if not args:
            raise ConfigError("device 'predictor' needs a fitted latency predictor: predictor:PATH "
                              "(edgenas latency fit)")
        from edgenas.hardware.latency_predictor import LatencyPredictor

        model = LatencyPredictor.load(rest, space)
        codec = ChoiceCodec(space)
        rows = codec.sample(np.random.default_rng(0), PROJECTION_SAMPLES)
        values = []
        for start in range(0, len(rows), 100):
            values.extend(model.predict([codec.decode(row) for row in rows[start:start + 100]]))
            if progress:
                progress(min(start + 100, len(rows)), len(rows))
        latency = LayerCost.project("latency_ms", codec, rows, np.array(values))
        return Target(spec, [Constraint(latency, m, "latency_ms") for m in limit],
                      lambda a: {"latency_ms": float(model.predict([a])[0])}, latency)
    if name not in DEVICES.names() or name in ("microcontroller", "mcu"):
        raise ConfigError(f"unknown device {spec!r}; use torch-cpu[:THREADS], onnxruntime-cpu[:THREADS], "
                          "lut:PATH, predictor:PATH, microcontroller[:SRAM_KB[:FLASH_KB]] or macs:MAX")
    threads = int(number(args[0], "the thread count")) if args else 1
    device = create_device(name, threads=threads)
    cache = Path(workdir) / f"lut-{name}-{threads}t-{_space_tag(space, num_classes)}.json"
    if cache.exists():
        lut = LatencyLUT.load(cache, space, {"num_classes": num_classes})
    else:
        lut = build_lut(space, device, progress=progress, layer_args={"num_classes": num_classes})
        lut.save(cache)
    latency = _lut_cost(space, lut, num_classes)

    def measure(arch: Arch) -> dict[str, float]:
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = space.build(arch, num_classes=num_classes)
        return {"latency_ms": device.measure(model, space.input_shape(arch)).median_ms}

    return Target(spec, [Constraint(latency, m, "latency_ms") for m in limit], measure, latency)


def _space_tag(space: MBConvSpace, num_classes: int) -> str:
    import hashlib

    return hashlib.sha1(json.dumps([space.get_params(), num_classes], sort_keys=True).encode()).hexdigest()[:10]


@dataclass
class Pick:
    device: str
    arch: Arch
    predicted_accuracy: float
    predicted: dict[str, float]
    measured: dict[str, float]
    limits: dict[str, float]
    calibrations: int = 0
    accuracy: float | None = None

    def meets(self) -> bool:
        return all(self.measured.get(k, self.predicted[k]) <= v * (1 + 1e-9) for k, v in self.limits.items())

    def to_dict(self) -> dict[str, Any]:
        return {"device": self.device, "arch": dict(self.arch), "predicted_accuracy": self.predicted_accuracy,
                "accuracy": self.accuracy, "predicted": self.predicted, "measured": self.measured,
                "limits": self.limits, "meets_limits": self.meets(), "calibrations": self.calibrations}


def specialize(space: MBConvSpace, predictor: SubnetAccuracyPredictor, target: Target, *, population: int = 100,
               generations: int = 500, seed: int = 0, calibrations: int = 3, min_accuracy: float | None = None,
               progress: Callable[[int, int, float], None] | None = None) -> Pick:
    """The most accurate (predicted) sub-network meeting ``target``'s limits, measured; with
    ``min_accuracy``, the fastest one on ``target`` (by its latency table) predicted at least that
    accurate -- the lecture's table of specialised models: at one accuracy, each device's own
    network is the fastest there."""
    constraints = list(target.constraints)
    limits = {c.name: c.limit for c in constraints}
    for c in constraints:
        c.check()  # an impossible limit: one line, before any search
    objective, start = predictor.predict_rows, []
    if min_accuracy is not None:
        if target.latency is None:
            raise ConfigError(f"device {target.name!r} has no latency model to minimise; drop --min-accuracy or use "
                              "torch-cpu, onnxruntime-cpu, lut:PATH, predictor:PATH or microcontroller")
        best = EvolutionFinder(space, predictor.predict_rows, constraints, population, generations, seed=seed).run()
        if best.predicted < min_accuracy:
            raise ConfigError(f"no sub-network that fits {target.name} is predicted {min_accuracy:g}% accurate: the "
                              f"best is {best.predicted:.2f}%; lower --min-accuracy to at most {best.predicted:.2f}")
        latency = target.latency
        objective, start = (lambda rows: -latency(rows)), [ChoiceCodec(space).encode([best.arch])[0]]
    rounds = 0
    result, measured = None, {}
    floor = [] if min_accuracy is None else [Constraint(lambda r: -predictor.predict_rows(r), -min_accuracy,
                                                        "-accuracy")]
    while True:
        finder = EvolutionFinder(space, objective, constraints + floor, population, generations, seed=seed)
        try:
            result = finder.run(progress, start)
        except ConfigError:
            if result is None:
                raise
            break  # the tightened limit is below every network: keep the closest pick, reported as over
        measured = target.measure(result.arch)
        over = {k: measured[k] / v for k, v in limits.items() if k in measured and measured[k] > v}
        if "latency_ms" not in over or rounds >= calibrations:
            break
        rounds += 1  # the additive model underestimated this device: tighten its latency limit
        constraints = [Constraint(c.cost, c.limit / over["latency_ms"], c.name) if c.name == "latency_ms" else c
                       for c in constraints]
    assert result is not None
    costs = {k: v for k, v in result.costs.items() if k != "-accuracy"}
    accuracy = float(predictor.predict([result.arch])[0])
    return Pick(target.name, result.arch, accuracy, costs, measured, limits, rounds)
