"""Devices that give a latency: measured (PyTorch, ONNX Runtime), tabulated, or estimated.

Every device answers ``latency(space, arch)``; devices that run models also answer
``measure(model, input_shape) -> Measurement``: the latency kit's protocol
(`kit_runner.measure`): warm up, time rounds until the lowest round medians agree, keep the
lowest; one that stays noisy past the time budget is returned flagged ``reliable=False``.
`DriftCalibration` times each network paired with a reference network instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from edgenas.evaluator import Evaluator, register_evaluator
from edgenas.registry import Registry
from edgenas.spaces import Arch, SearchSpace
from edgenas.threads import torch_threads

__all__ = ["Measurement", "Device", "LatencyEvaluator", "DeviceLatency", "TorchCPU", "OnnxRuntimeCPU", "TableDevice",
           "Microcontroller", "DEVICES", "create_device", "DriftCalibration"]


@dataclass(frozen=True)
class Measurement:
    median_ms: float  # the lowest round median (paired: the ratio to the reference, see _measure)
    spread: float  # (highest - lowest) / lowest among the ``rounds`` lowest round medians
    runs: int
    rounds: int
    reliable: bool


class Device:
    name = "device"

    def latency(self, space: SearchSpace, arch: Arch, **build: Any) -> float:
        """Milliseconds of ``space.build(arch, **build)`` (``build``: the head's classes, ...)."""
        raise NotImplementedError

    def get_params(self) -> dict[str, Any]:
        return {"device": self.name}


class _Timed(Device):
    """Shared timing loop for devices that execute a model: the latency kit's protocol
    (`kit_runner.measure`, one implementation here and on the user's board): warm up for
    ``warmup_s``, time rounds of at least ``round_s``, keep the lowest round median once the
    ``rounds`` lowest agree within ``target_spread`` (or after ``max_s``, flagged unreliable).
    A busy machine only ever adds time, so the lowest median is the repeatable number."""

    LAYER_PROTOCOL = {"warmup_s": 0.02, "round_s": 0.005, "max_s": 0.5}  # one layer of a lookup table

    def __init__(self, threads: int = 1, warmup_s: float = 0.1, round_s: float = 0.05, rounds: int = 3,
                 target_spread: float = 0.02, max_s: float = 2.0) -> None:
        self.threads, self.warmup_s, self.round_s, self.rounds = threads, warmup_s, round_s, rounds
        self.target_spread, self.max_s = target_spread, max_s

    def get_params(self) -> dict[str, Any]:
        return {"device": self.name, "threads": self.threads, "warmup_s": self.warmup_s, "round_s": self.round_s,
                "rounds": self.rounds, "target_spread": self.target_spread, "max_s": self.max_s}

    def for_layers(self) -> _Timed:
        """The same device timing single layers (a lookup table's thousands of entries): shorter
        warm-up, rounds and budget."""
        params = self.get_params() | self.LAYER_PROTOCOL
        params.pop("device")
        return type(self)(**params)

    def _runner(self, model: nn.Module, x: torch.Tensor) -> Any:
        raise NotImplementedError

    def measure(self, model: nn.Module, input_shape: tuple[int, ...]) -> Measurement:
        return self._measure(model, input_shape)

    def _measure(self, model: nn.Module, input_shape: tuple[int, ...],
                 reference: tuple[nn.Module, tuple[int, ...]] | None = None) -> Measurement:
        """Alone, or paired with ``reference`` (then ``median_ms`` is the ratio to it)."""
        from edgenas.hardware.kit_runner import measure

        def runner(net: nn.Module, shape: tuple[int, ...]) -> Any:
            return self._runner(net.eval(), torch.randn(*shape, generator=torch.Generator().manual_seed(0)))

        with torch_threads(self.threads):
            run = runner(model, input_shape)
            paired = runner(*reference) if reference is not None else None
            m = measure(run, self.warmup_s, self.round_s, self.rounds, self.target_spread, self.max_s, paired)
        value = m["latency_ms"] if reference is None else m["ratio"]
        return Measurement(value, m["spread"], m["runs"], m["rounds"], bool(m["reliable"]))

    def latency(self, space: SearchSpace, arch: Arch, **build: Any) -> float:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = space.build(arch, **build)
        return self.measure(model, space.input_shape(arch)).median_ms


class DriftCalibration:
    """Latency in the units of the machine as it was when calibration began.

    A shared host changes speed: here the same ViTs ran 2.4x faster half an hour after they were
    first measured, and by different factors within one table. Every network is timed paired
    with a fixed reference network (rounds alternate the two; `kit_runner.measure`), and its
    latency is the ratio times ``reference_ms``, the reference's latency when the table began:
    a table measured across speed changes (or over several sessions, with the same
    ``reference_ms``) is on one scale. Two passes over the same networks here agreed within 10%
    for 93% of them paired, 47% timed alone."""

    def __init__(self, device: _Timed, reference: nn.Module, input_shape: tuple[int, ...],
                 reference_ms: float | None = None) -> None:
        self.device, self.reference, self.input_shape = device, reference, input_shape
        self.reference_ms = reference_ms if reference_ms is not None else self.now()

    def now(self) -> float:
        """The reference network's latency at this moment."""
        return self.device.measure(self.reference, self.input_shape).median_ms

    def measure(self, model: nn.Module, input_shape: tuple[int, ...]) -> Measurement:
        m = self.device._measure(model, input_shape, (self.reference, self.input_shape))
        return replace(m, median_ms=m.median_ms * self.reference_ms)


class TorchCPU(_Timed):
    """Eager PyTorch on the CPU, inference mode, a fixed number of threads."""

    name = "torch-cpu"

    def _runner(self, model: nn.Module, x: torch.Tensor) -> Any:
        def run() -> None:
            with torch.inference_mode():
                model(x)

        return run


class OnnxRuntimeCPU(_Timed):
    """Exported to ONNX (in memory) and run by ONNX Runtime's CPU provider."""

    name = "onnxruntime-cpu"

    def _runner(self, model: nn.Module, x: torch.Tensor) -> Any:
        from edgenas.hardware.export import onnx_bytes, ort_session

        session = ort_session(onnx_bytes(model, x), self.threads)
        feed = {"x": x.numpy()}
        return lambda: session.run(None, feed)


class TableDevice(Device):
    """Latencies measured elsewhere (a phone, a board), read from a CSV (arch, latency_ms)."""

    name = "table"

    def __init__(self, path: str, space: SearchSpace) -> None:
        from edgenas.estimate import TabularBenchmark

        self.table = TabularBenchmark(path, space, metrics=["latency_ms"], cheap=True)

    def get_params(self) -> dict[str, Any]:
        return {"device": self.name, "table": self.table.source}

    def latency(self, space: SearchSpace, arch: Arch, **build: Any) -> float:
        return self.table.evaluate(arch)["latency_ms"]  # the networks the table's device ran


class Microcontroller(Device):
    """An MCU profile: SRAM and flash limits, latency estimated from MACs.

    ``cycles_per_mac`` is a stated assumption (int8 CMSIS-NN / TinyEngine kernels on a
    Cortex-M7 spend roughly 1-3 cycles per MAC); calibrate it with one measured model.
    """

    name = "microcontroller"

    def __init__(self, sram_kb: float = 320, flash_kb: float = 1024, clock_mhz: float = 216,
                 cycles_per_mac: float = 2.0) -> None:
        self.sram_kb, self.flash_kb = sram_kb, flash_kb
        self.clock_mhz, self.cycles_per_mac = clock_mhz, cycles_per_mac

    def get_params(self) -> dict[str, Any]:
        return {"device": self.name, "sram_kb": self.sram_kb, "flash_kb": self.flash_kb,
                "clock_mhz": self.clock_mhz, "cycles_per_mac": self.cycles_per_mac}

    def costs(self, space: SearchSpace, arch: Arch, **build: Any) -> dict[str, float]:
        """Peak SRAM, flash (int8) and latency of ``space.build(arch, **build)``."""
        from edgenas.hardware.cost import ProfileCost

        metrics = ProfileCost(space, bytes_per_element=1, build_kwargs=build).evaluate(arch)
        metrics["latency_ms"] = metrics["macs"] * self.cycles_per_mac / (self.clock_mhz * 1e3)
        return metrics

    def fits(self, metrics: dict[str, float]) -> bool:
        return (metrics["peak_memory_bytes"] <= self.sram_kb * 1024
                and metrics["weight_bytes"] <= self.flash_kb * 1024)

    def latency(self, space: SearchSpace, arch: Arch, **build: Any) -> float:
        return self.costs(space, arch, **build)["latency_ms"]


DEVICES: Registry[Device] = Registry("device")
DEVICES.register("torch-cpu")(TorchCPU)
DEVICES.register("onnxruntime-cpu")(OnnxRuntimeCPU)
DEVICES.register("microcontroller")(Microcontroller)
DEVICES.register("mcu")(Microcontroller)


def create_device(name: str, **kwargs: Any) -> Device:
    """``torch-cpu``, ``onnxruntime-cpu``, ``microcontroller`` (alias ``mcu``), or
    ``table:PATH`` (needs ``space=``)."""
    if name.startswith("table:"):
        return TableDevice(name[len("table:"):], kwargs["space"])
    kwargs.pop("space", None)
    return DEVICES.create(name, **kwargs)


class LatencyEvaluator(Evaluator):
    """A cheap ``latency_ms`` evaluator that works each architecture out once (``_latency``)."""

    metrics = ("latency_ms",)
    cheap = True

    def __init__(self) -> None:
        self._cache: dict[Arch, float] = {}

    def _latency(self, arch: Arch) -> float:
        raise NotImplementedError

    def evaluate(self, arch: Arch) -> dict[str, float]:
        if arch not in self._cache:
            self._cache[arch] = float(self._latency(arch))
        return {"latency_ms": self._cache[arch]}


@register_evaluator
class DeviceLatency(LatencyEvaluator):
    """A device as a cheap evaluator: ``latency_ms`` of each architecture, measured once."""

    def __init__(self, device: Device, space: SearchSpace) -> None:
        super().__init__()
        self.device, self.space = device, space

    def get_params(self) -> dict[str, Any]:
        return {"type": "DeviceLatency", **self.device.get_params()}

    @classmethod
    def from_params(cls, space: SearchSpace, params: dict[str, Any]) -> DeviceLatency:
        params = dict(params)
        name = params.pop("device")
        if name == "table":
            return cls(create_device(f"table:{params['table']}", space=space), space)
        for legacy in ("warmup", "repeats", "max_spread", "attempts"):  # the timing loop before the kit's
            params.pop(legacy, None)
        return cls(create_device(name, **params), space)

    def _latency(self, arch: Arch) -> float:
        return self.device.latency(self.space, arch)
