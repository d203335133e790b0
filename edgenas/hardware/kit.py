"""A latency kit: sampled (or given) networks of a space as ONNX files, a manifest and the
standalone runner (`kit_runner.py`, numpy + onnxruntime only) that times them on the user's own
board into a CSV that `edgenas latency fit` reads."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

import torch

from edgenas.atomic import atomic_write
from edgenas.errors import ConfigError
from edgenas.hardware.export import ONNX_OPSET, export_onnx
from edgenas.spaces import Arch, SearchSpace

__all__ = ["write_kit", "reference_arch", "RUNNER", "RUNNER_PACKAGES", "runner_only_environment"]

RUNNER = Path(__file__).with_name("kit_runner.py")
RUNNER_PACKAGES = ("numpy", "onnxruntime")  # what run.py may import besides the standard library

_README = """edgenas latency kit: {n} networks of the {space} space as ONNX (opset {opset}).

On the board (Python 3.9+):
    pip install numpy onnxruntime
    python3 run.py                 # -> latency.csv (+ latency.csv.board.json); rerun to resume
    python3 run.py --threads 4 --out latency-4t.csv
    python3 run.py --passes 4      # every network 4 times, the median kept: steadier on a busy board

Back with edgenas:
    edgenas latency fit --space {space} --table latency.csv -o board.npz
"""


def reference_arch(space: SearchSpace) -> Arch:
    """The fixed network every measurement is paired with (the same for every kit of a space)."""
    import numpy as np

    return space.sample(np.random.default_rng(2**31 - 1))


def write_kit(space: SearchSpace, archs: list[Arch], folder: Path, opset: int = ONNX_OPSET,
              progress: Any = None) -> dict[str, Any]:
    """Write ``archs`` (seed-0 weights; latency does not depend on their values) into ``folder``:
    ``models/NNNN.onnx`` (each checked against PyTorch through ONNX Runtime), ``manifest.json``
    (space, arch strings, input shapes, checksums, the reference network that every measurement is
    paired with), ``run.py`` and ``README.txt``."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ConfigError(f"{folder} exists and is not empty; give a new folder to -o")
    (folder / "models").mkdir(parents=True, exist_ok=True)

    def write(arch: Arch, file: str) -> dict[str, Any]:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = space.build(arch)
        shape = space.input_shape(arch)
        export_onnx(model, shape, folder / file, opset=opset, checks=1)
        return {"file": file, "arch": space.format(arch), "input_shape": list(shape),
                "sha256": hashlib.sha256((folder / file).read_bytes()).hexdigest()}

    networks = []
    for i, arch in enumerate(archs):
        networks.append(write(arch, f"models/{i:04d}.onnx"))
        if progress is not None:
            progress(i + 1)
    manifest = {"space": space.name, "space_config": space.get_params(), "opset": opset,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "networks": networks,
                "reference": write(reference_arch(space), "models/reference.onnx")}
    shutil.copyfile(RUNNER, folder / "run.py")
    (folder / "README.txt").write_text(_README.format(n=len(archs), space=space.name, opset=opset))
    atomic_write(folder / "manifest.json", lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=1)))
    return manifest


def runner_only_environment(folder: Path) -> dict[str, str]:
    """Environment variables under which ``python -S`` sees the standard library and only the
    runner's packages (and what they require), linked into ``folder`` from this installation:
    the board's bare environment, built offline (no PyTorch, no edgenas)."""
    import importlib.metadata as metadata
    import os
    import re

    folder.mkdir(parents=True, exist_ok=True)
    wanted, seen = list(RUNNER_PACKAGES), set()
    while wanted:
        name = wanted.pop()
        if name in seen:
            continue
        seen.add(name)
        dist = metadata.distribution(name)
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                wanted.append(re.split(r"[ ;<>=!~\[]", requirement, maxsplit=1)[0])
        for top in {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}:
            link, source = folder / top, Path(dist.locate_file(top))
            if top.endswith(".dist-info") or top == "__pycache__" or link.exists() or not source.exists():
                continue
            link.symlink_to(source)
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(folder), "PYTHONNOUSERSITE": "1"}
