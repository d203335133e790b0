"""ONNX export with a check: ONNX Runtime must compute what PyTorch computes before a file is written."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from edgenas.atomic import atomic_write
from edgenas.errors import ConfigError

__all__ = ["onnx_bytes", "ort_session", "export_onnx", "ONNX_OPSET"]

ONNX_OPSET = 17


def onnx_bytes(model: nn.Module, x: torch.Tensor, opset: int = ONNX_OPSET) -> bytes:
    """The model traced on ``x`` (fixed shape, input named ``x``) as an ONNX file's bytes."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (x,), buffer, dynamo=False, input_names=["x"], output_names=["y"],
                          opset_version=opset)
    return buffer.getvalue()


def ort_session(data: bytes, threads: int = 1) -> Any:
    try:
        import onnxruntime as ort
    except ImportError:
        raise ConfigError("ONNX Runtime is not installed: pip install 'edgenas[onnx]'") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def export_onnx(model: nn.Module, input_shape: tuple[int, ...], path: str | Path, opset: int = ONNX_OPSET,
                checks: int = 4, atol: float = 1e-4) -> dict[str, Any]:
    """Export ``model`` (batch 1, ``input_shape``) to ``path`` after checking ONNX Runtime's
    outputs equal PyTorch's (max absolute difference <= ``atol``, relative to the output scale)
    on ``checks`` random inputs; the file is written only when they do."""
    gen = torch.Generator().manual_seed(0)
    inputs = [torch.randn(*input_shape, generator=gen) for _ in range(checks)]
    data = onnx_bytes(model, inputs[0], opset)
    session = ort_session(data)
    worst = 0.0
    with torch.no_grad():
        for x in inputs:
            want = model(x).numpy()
            got = session.run(None, {"x": x.numpy()})[0]
            worst = max(worst, float(np.abs(want - got).max() / max(1.0, float(np.abs(want).max()))))
    if worst > atol:
        raise ConfigError(f"ONNX Runtime's output differs from PyTorch's by {worst:.2e} (> {atol:g}); "
                          f"not written. Try another --opset")
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))
    return {"path": str(path), "opset": opset, "input_shape": list(input_shape), "max_abs_diff": worst,
            "checked": checks, "bytes": len(data)}
