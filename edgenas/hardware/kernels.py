"""The kernels a runtime really runs: a network's graph after the runtime's own optimisation
(operator fusion, layout changes), its node types counted.

Latency is a sum over kernels, not over the operators a search space names. A runtime fuses some
operators into one kernel and wraps others in layout conversions, and which it does depends on
the neighbours: on x86, ONNX Runtime runs convolutions, pooling, ReLU and additions in a blocked
layout (NCHWc) and fuses the additions and activations into the convolutions, but must convert
the layout around an operator it has no blocked kernel for (the `none` edge's multiply by zero).
So a cell's cost is not the sum of its edges' costs, and per-op models stall (docs/benchmarks.md:
about 84% of networks within 10% however many are measured). nn-Meter detects kernels with
fusion rules learnt per device; where the device runs a runtime that this machine has, asking
the runtime is exact and needs no rules. The counts describe the device only if it runs the same
runtime on the same kind of CPU (ONNX Runtime's optimisations depend on the instruction set).

Counts cost ~0.2 s per network, so they are kept on disk (``EDGENAS_CACHE_DIR``, default
``~/.cache/edgenas``; ``off`` keeps them in memory only), one JSON line per network in a file
named for what decides them: the runtime and its version, PyTorch's version (the export), the
CPU and the space's configuration. A line cut short by a crash is skipped and computed again.
A file stops growing at 64 MiB (~200,000 networks; past it counts stay in memory), so a search of
a large space does not fill the disk.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from edgenas.errors import ConfigError
from edgenas.spaces import Arch, SearchSpace

__all__ = ["KERNEL_RUNTIMES", "check_runtime", "kernel_counts", "kernel_matrix"]

KERNEL_RUNTIMES = ("onnxruntime",)
_CACHE: dict[tuple[str, str, str], Counter] = {}  # (runtime, space config, arch): one export per process
_CACHE_LIMIT = 100_000
_DISK_LIMIT = 64 * 2**20  # bytes per cache file


def check_runtime(runtime: str) -> None:
    if runtime not in KERNEL_RUNTIMES:
        raise ConfigError(f"unknown kernel runtime {runtime!r}; choose {', '.join(KERNEL_RUNTIMES)}")


def kernel_counts(space: SearchSpace, arch: Arch, runtime: str = "onnxruntime") -> Counter:
    """Node types of ``arch``'s graph (built and shaped as the latency kit exports it) after
    ``runtime``'s full optimisation on this machine, with their counts."""
    return _counts(space, [arch], runtime)[0]


def kernel_matrix(space: SearchSpace, archs: list[Arch], vocabulary: list[str], runtime: str = "onnxruntime"
                  ) -> np.ndarray:
    """Counts of the ``vocabulary``'s node types per architecture (types outside it are left out)."""
    counts = _counts(space, archs, runtime)
    return np.array([[c[name] for name in vocabulary] for c in counts], dtype=np.float64).reshape(len(archs), -1)


def _counts(space: SearchSpace, archs: list[Arch], runtime: str) -> list[Counter]:
    check_runtime(runtime)
    config = space_config(space)  # once per call, not per network
    disk = _disk_file(runtime, config, _cache_folder())
    out = []
    for arch in archs:
        key = (runtime, config, space.format(arch))
        if key not in _CACHE and disk is not None and disk not in _LOADED:
            _load(disk, runtime, config)
        if key not in _CACHE:
            if len(_CACHE) >= _CACHE_LIMIT:
                _CACHE.clear()  # the files stay marked read: one larger than the limit is not re-read per network
            _CACHE[key] = _onnxruntime_counts(space, arch)
            if disk is not None:
                _store(disk, key[2], _CACHE[key])
        out.append(_CACHE[key])
    return out


def space_config(space: SearchSpace) -> str:
    """The space and its settings, as the counts are kept under (a network's graph depends on both)."""
    return f"{space.name}{sorted(space.get_params().items())}"


_LOADED: set[Path] = set()  # disk files read into _CACHE in this process
_UNTERMINATED: set[Path] = set()  # disk files whose last line a crash cut short


def _cache_folder() -> str:
    return os.environ.get("EDGENAS_CACHE_DIR", str(Path.home() / ".cache" / "edgenas"))


@functools.lru_cache(maxsize=64)  # asked on every predict: the CPU and the versions are read once
def _disk_file(runtime: str, config: str, folder: str) -> Path | None:
    """Where counts of this runtime, PyTorch, CPU and space configuration are kept in ``folder``
    (None: off)."""
    if folder.strip().lower() in ("", "off", "0", "none"):
        return None
    try:
        import onnxruntime

        version = onnxruntime.__version__
    except ImportError:
        return None  # nothing to cache: _onnxruntime_counts says what to install
    what = "|".join([runtime, version, torch.__version__, platform.machine(), _cpu_model(), config])
    return Path(folder) / "kernels" / f"{runtime}-{hashlib.sha256(what.encode()).hexdigest()[:16]}.jsonl"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model", "Hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _load(disk: Path, runtime: str, config: str) -> None:
    _LOADED.add(disk)
    try:
        text = disk.read_text()
    except OSError:
        return
    if text and not text.endswith("\n"):
        _UNTERMINATED.add(disk)  # the next line must not run on from it
    for line in text.splitlines():
        try:
            row = json.loads(line)
            _CACHE[(runtime, config, row["arch"])] = Counter({str(k): int(v) for k, v in row["counts"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # a line cut short: computed again when asked


def _store(disk: Path, arch: str, counts: Counter) -> None:
    """Append one line; a folder that cannot be written, or a file at ``_DISK_LIMIT``, leaves
    the counts in memory only."""
    try:
        if disk.is_file() and disk.stat().st_size >= _DISK_LIMIT:
            return
        disk.parent.mkdir(parents=True, exist_ok=True)
        with disk.open("a") as f:
            f.write("\n" * (disk in _UNTERMINATED) + json.dumps({"arch": arch, "counts": dict(counts)}) + "\n")
        _UNTERMINATED.discard(disk)
    except OSError:
        pass


def _onnxruntime_counts(space: SearchSpace, arch: Arch) -> Counter:
    try:
        import onnx
        import onnxruntime as ort
    except ImportError:
        raise ConfigError("kernel features need ONNX Runtime: pip install 'edgenas[onnx]'") from None
    from edgenas.hardware.export import onnx_bytes

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = space.build(arch)
    data = onnx_bytes(model, torch.zeros(space.input_shape(arch)))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3  # the optimised file is written to be read here, not shipped
    with tempfile.TemporaryDirectory() as folder:
        options.optimized_model_filepath = os.path.join(folder, "optimized.onnx")
        ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        graph = onnx.load(options.optimized_model_filepath).graph
    return Counter(_kernel_name(node, onnx.helper.get_attribute_value) for node in graph.node)


def _kernel_name(node, value) -> str:  # noqa: ANN001 - an onnx NodeProto and its attribute reader
    """The node type with what sets its cost per call beyond the tensor sizes: the window, the
    inputs (a convolution that adds a residual takes one more) and a fused activation, e.g.
    ``Conv 3x3 in4 Relu``. Without them a 1x1 and a 3x3 convolution would count as one kernel."""
    attrs = {a.name: value(a) for a in node.attribute}
    window = "x".join(str(k) for k in attrs.get("kernel_shape", []))
    activation = attrs.get("activation", b"")
    activation = activation.decode() if isinstance(activation, bytes) else str(activation)
    return " ".join(part for part in (node.op_type, window, f"in{len(node.input)}", activation) if part)
