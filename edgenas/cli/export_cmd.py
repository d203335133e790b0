"""`edgenas export`: a network of a space, of the zoo or of a stored run as a checked ONNX file."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Any

import numpy as np
import typer

from edgenas.cli._common import app, check_output, console, parse_arch, parse_json_object, print_json
from edgenas.errors import ConfigError, DataError
from edgenas.hardware.export import ONNX_OPSET, QUANTIZE_MODES

__all__ = ["export", "load_weights", "WEIGHT_KEYS"]

WEIGHT_KEYS = ("space", "space_config", "arch", "num_classes", "state_dict")


def load_weights(path: Path) -> dict[str, Any]:
    """A weights file of `edgenas train --save-weights`: tensors and plain values only (read with
    ``weights_only``, so a file cannot run code)."""
    import torch

    if not path.is_file():
        raise DataError(f"no weights file {path}; write one with `edgenas train --save-weights {path}`")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file
        raise DataError(f"{path} is not an edgenas weights file ({type(exc).__name__}); "
                        "write one with `edgenas train --save-weights`") from None
    if not isinstance(saved, dict) or any(k not in saved for k in WEIGHT_KEYS):
        raise DataError(f"{path} is not an edgenas weights file (needs {', '.join(WEIGHT_KEYS)}); "
                        "write one with `edgenas train --save-weights`")
    return saved


def _network(space: str | None, arch: str | None, space_config: str | None, model: str | None,
             run: str | None, best: bool, storage: str | None, weights: dict[str, Any] | None,
             resolution: int | None) -> tuple[Any, tuple[int, ...], dict[str, Any]]:
    """The module to export, its input shape and what it is."""
    import torch

    sources = [name for name, given in (("--space/--arch", arch is not None), ("--model", model is not None),
                                        ("--run", run is not None)) if given]
    if weights is not None and not sources:
        space, arch, sources = weights["space"], weights["arch"], ["--weights"]
        space_config = space_config or jsonlib.dumps(weights["space_config"])
    if len(sources) != 1:
        raise ConfigError("give exactly one network: --space S --arch A, --model NAME (the zoo) or --run NAME --best"
                          + (f" (got {' and '.join(sources)})" if sources else ""))
    if model is not None:
        from edgenas.zoo import create_model

        size = resolution or 224
        kwargs = {"image_size": size} if model.startswith("deit") else {}
        torch.manual_seed(0)
        return create_model(model, **kwargs), (1, 3, size, size), {"model": model}
    if run is not None:
        from edgenas.experiment import load_result
        from edgenas.spaces import Arch

        if not best:
            raise ConfigError("--run exports the run's best architecture: add --best")
        result, config = load_result(run, storage)
        if result.best is None:
            raise ConfigError(f"run {run!r} has no complete, feasible trial to export yet")
        sp = result.space
        a = sp.validate(Arch.from_json(result.best.arch))
        what = {"run": run, "space": sp.name, "arch": sp.format(a), "metrics": result.best.metrics}
    else:
        from edgenas.spaces import create_space

        if space is None or arch is None:
            raise ConfigError("--space and --arch go together: give both (e.g. --space nb201 --arch '|nor_conv_3x3~0|+...')")
        sp = create_space(space, **parse_json_object(space_config or "{}", "--space-config"))
        a = parse_arch(sp, arch)
        what = {"space": sp.name, "arch": sp.format(a)}
    kwargs: dict[str, Any] = {}
    if weights is not None:
        if weights["space"] != sp.name or weights["arch"] != sp.format(a):
            raise ConfigError(f"the weights are of {weights['space']} {weights['arch']}, not {sp.name} {sp.format(a)}; "
                              "export the network they were trained for")
        kwargs["num_classes"] = weights["num_classes"]
    torch.manual_seed(0)
    net = sp.build(a, **kwargs)
    if weights is not None:
        net.load_state_dict(weights["state_dict"])
    return net, sp.input_shape(a), what


def _accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 (classification) or pixel (segmentation) accuracy, in %."""
    return float(100 * (outputs.argmax(axis=1) == labels).mean())


@app.command("export")
def export(
    output: Path = typer.Option(..., "-o", "--output", help="the ONNX file"),
    space: str = typer.Option(None, help="a search space (with --arch)"),
    arch: str = typer.Option(None, help="the architecture in the space's string form, random:SEED or default"),
    space_config: str = typer.Option(None, help="space options as JSON"),
    model: str = typer.Option(None, help="a zoo network by name (resnet18, mobilenet_v2, deit_tiny, ...)"),
    run: str = typer.Option(None, help="a stored search (with --best)"),
    best: bool = typer.Option(False, "--best", help="with --run: the run's best architecture"),
    storage: str = typer.Option(None, help="store URL of --run (default runs/NAME.db)"),
    weights: Path = typer.Option(None, help="trained weights (`edgenas train --save-weights`); default: "
                                 "the seed-0 initialisation"),
    resolution: int = typer.Option(None, min=8, help="--model: input resolution (default 224)"),
    opset: int = typer.Option(ONNX_OPSET, min=7, help="ONNX opset"),
    quantize: str = typer.Option(None, help=f"also write int8 weights as OUTPUT's stem + .int8.onnx: "
                                 f"{' or '.join(QUANTIZE_MODES)}"),
    dataset: str = typer.Option(None, help="images to calibrate static quantisation and to score float vs int8 "
                                "(digits, fashion-mnist[:DIR], scenes[:SOURCE], ...); default with --weights: "
                                "the images it was trained on"),
    eval_images: int = typer.Option(1000, min=1, help="test images scored float vs int8"),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """Write a network as ONNX (fixed opset, the arch's input shape), after checking ONNX Runtime's
    output equals PyTorch's; optionally an int8 copy with the accuracy it loses."""
    from edgenas.hardware.export import export_onnx, onnx_predict, quantize_onnx

    check_output(output, "-o", (".onnx",))
    if storage is not None and run is None:
        raise ConfigError("--storage goes with --run: it names the store of the run to export")
    if quantize is not None and quantize not in QUANTIZE_MODES:
        raise ConfigError(f"--quantize {quantize!r}: use {' or '.join(QUANTIZE_MODES)}")
    saved = load_weights(weights) if weights is not None else None
    net, shape, what = _network(space, arch, space_config, model, run, best, storage, saved, resolution)
    data = None
    trained_on = saved.get("dataset") if saved else None
    if quantize == "static" and dataset is None:
        dataset = trained_on  # the trained network's own images, where its file names them
    if dataset is not None:
        from edgenas.data import check_dataset, dataset_kind, load_dataset

        check_dataset(dataset)
        if trained_on and dataset_kind(trained_on) not in (None, dataset_kind(dataset)):
            raise ConfigError(f"{weights} was trained on {trained_on}: calibrate and score it on the same kind of "
                              f"images (--dataset {trained_on}, or another folder of them), not {dataset}")
        data = load_dataset(dataset, resolution=shape[-1], channels=shape[1], seed=0)
    if quantize == "static" and data is None:
        raise ConfigError("--quantize static calibrates activation ranges on images: give --dataset")
    report = what | export_onnx(net, shape, output, opset=opset) | {"trained": saved is not None}
    if quantize is not None:
        int8 = output.with_name(output.stem + ".int8.onnx")
        calibration = data.x_train[:256].numpy() if data is not None else None
        quantize_onnx(output, int8, quantize, calibration)
        images = (data.x_test[:eval_images].numpy() if data is not None
                  else np.random.default_rng(0).standard_normal((min(eval_images, 64), *shape[1:])).astype(np.float32))
        full, low = onnx_predict(output, images), onnx_predict(int8, images)
        report["int8"] = {"path": str(int8), "mode": quantize, "bytes": int8.stat().st_size, "images": len(images),
                          "agreement": _accuracy(low, full.argmax(axis=1)),
                          "max_abs_diff": float(np.abs(full - low).max())}
        if data is not None:
            labels = data.y_test[:eval_images].numpy()
            report["int8"] |= {"dataset": dataset, "float_accuracy": _accuracy(full, labels),
                               "int8_accuracy": _accuracy(low, labels)}
    if json:
        print_json(report)
        return
    console.print(f"wrote {output} ({report['bytes']:,} bytes, opset {opset}, input {tuple(shape)}): ONNX Runtime "
                  f"vs PyTorch max |difference| {report['max_abs_diff']:.2e} on {report['checked']} inputs")
    if "int8" in report:
        q = report["int8"]
        console.print(f"wrote {q['path']} ({q['bytes']:,} bytes, {quantize} int8): top-1 agrees with float on "
                      f"{q['agreement']:.1f}% of {q['images']} images")
        if "float_accuracy" in q:
            console.print(f"accuracy on {dataset}: float {q['float_accuracy']:.2f}% -> int8 {q['int8_accuracy']:.2f}% "
                          f"({q['int8_accuracy'] - q['float_accuracy']:+.2f} points)")
    if saved is None:
        console.print("note: untrained weights (seed-0 initialisation); train with `edgenas train --save-weights W` "
                      "and pass --weights W for a deployable model")
