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

__all__ = ["onnx_bytes", "ort_session", "export_onnx", "ONNX_OPSET", "QUANTIZE_MODES", "quantize_onnx", "onnx_predict"]

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


QUANTIZE_MODES = ("dynamic", "static")


def quantize_onnx(source: str | Path, output: str | Path, mode: str, calibration: np.ndarray | None = None) -> None:
    """int8 weights through ONNX Runtime's quantiser. ``dynamic``: activations quantised at run
    time (no data needed). ``static``: activation ranges calibrated on ``calibration`` (N, C, H,
    W images from the training split), QDQ format, per-channel weights."""
    import logging
    import tempfile

    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if mode not in QUANTIZE_MODES:
        raise ConfigError(f"unknown quantisation {mode!r}; use one of {', '.join(QUANTIZE_MODES)}")
    if mode == "static" and (calibration is None or not len(calibration)):
        raise ConfigError("static quantisation calibrates activation ranges on images: give --dataset")

    class Images(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter({"x": image[None].astype(np.float32)} for image in calibration)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.batches, None)

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs advice per tensor on the root logger
    try:
        with tempfile.TemporaryDirectory() as tmp:
            prepared = Path(tmp) / "prepared.onnx"
            quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
            written = Path(tmp) / "int8.onnx"
            if mode == "dynamic":
                quantize_dynamic(str(prepared), str(written), weight_type=QuantType.QInt8)
            else:
                quantize_static(str(prepared), str(written), Images(), quant_format=QuantFormat.QDQ,
                                per_channel=True, weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8)
            atomic_write(output, lambda tmp_path: Path(tmp_path).write_bytes(written.read_bytes()))
    finally:
        root.setLevel(level)


def onnx_predict(path: str | Path, images: np.ndarray, threads: int = 1) -> np.ndarray:
    """Outputs of the ONNX file at ``path`` on ``images`` (N, C, H, W), one image at a time (the
    exported input shape is fixed at batch 1)."""
    session = ort_session(Path(path).read_bytes(), threads)
    return np.concatenate([session.run(None, {"x": image[None].astype(np.float32)})[0] for image in images])
