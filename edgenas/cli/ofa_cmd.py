"""`edgenas ofa train | search | specialize | export`: Once-for-All from the command line."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Any

import typer

from edgenas.cli._common import (
    app,
    check_output,
    console,
    interrupt_hint,
    load_space_data,
    parse_json_object,
    plot_suffixes,
    print_json,
    progress,
)
from edgenas.errors import ConfigError

__all__ = ["ofa_app"]

ofa_app = typer.Typer(help="Once-for-All: train one elastic supernet, then specialise a network per device.",
                      no_args_is_help=True)
app.add_typer(ofa_app, name="ofa")

DATASET_HELP = "fashion-mnist[:DIR], digits, cifar10:PATH, imagefolder:PATH, npz:PATH"
DEVICES_HELP = ("torch-cpu[:THREADS], onnxruntime-cpu[:THREADS], lut:PATH, predictor:PATH, "
                "microcontroller[:SRAM_KB[:FLASH_KB]], macs:MAX")


def _check_torch_device(device: str, option: str = "--device") -> str:
    import torch

    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ConfigError(f"{option} {device!r}: use cpu or cuda")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"{option} cuda: no CUDA device is available here; use {option} cpu")
    return device


@ofa_app.command("train")
def train(
    dataset: str = typer.Option("fashion-mnist", help=DATASET_HELP),
    output: Path = typer.Option(Path("runs/ofa.pt"), "-o", "--output",
                                help="the supernet checkpoint (written every epoch; an existing one is resumed)"),
    space_config: str = typer.Option(None, help="mbconv options as JSON (default: edgenas.oneshot SMALL_IMAGES, "
                                     "sized for 28-32 px images)"),
    schedule: str = typer.Option("progressive", help="progressive (shrinking) or joint (every sub-network from "
                                 "the start: the ablation)"),
    full_epochs: int = typer.Option(4, min=1),
    kernel_epochs: int = typer.Option(2, min=0),
    depth_epochs: int = typer.Option(2, min=0),
    expand_epochs: int = typer.Option(2, min=0),
    width_epochs: int = typer.Option(2, min=0),
    batch_size: int = typer.Option(128, min=1),
    lr: float = typer.Option(0.05),
    teacher: str = typer.Option("inplace", help="what the elastic phases distil from: inplace (the largest "
                                "sub-network of each step, BigNAS) or full (the full network frozen after "
                                "the first phase, OFA)"),
    train_size: int = typer.Option(0, min=0, help="use the first N training images (0: all)"),
    device: str = typer.Option("cpu", help="cpu or cuda"),
    seed: int = typer.Option(0, min=0),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """Train an elastic supernet by progressive shrinking; checkpointed every epoch, resumable."""
    from edgenas.oneshot.progressive import SMALL_IMAGES, OFAConfig, train_supernet
    from edgenas.spaces import create_space

    space = create_space("mbconv", **parse_json_object(space_config or jsonlib.dumps(SMALL_IMAGES), "--space-config"))
    config = OFAConfig(full_epochs=full_epochs, kernel_epochs=kernel_epochs, depth_epochs=depth_epochs,
                       expand_epochs=expand_epochs, width_epochs=width_epochs, schedule=schedule,
                       batch_size=batch_size, lr=lr, teacher=teacher, seed=seed)
    check_output(output, "--output")
    _check_torch_device(device)
    data = load_space_data(dataset, space, seed, train_size)
    interrupt_hint.append(f"interrupted; the same command resumes from {output}")
    with progress("supernet", json, "phase", "loss") as bar:
        task = bar.add_task("t", total=None, phase="", loss="")

        def show(row: dict) -> None:
            if row.get("end_of_epoch"):
                line = (f"{row['phase']:>6} epoch {row['epoch']}/{row['epochs']}: loss {row['loss']:.4f}  "
                        f"largest {row['acc_largest']:.2f}%  smallest {row['acc_smallest']:.2f}%  ({row['seconds']:.0f} s)")
                (console.print if not json else lambda *_: None)(line)
            else:
                bar.update(task, completed=row["step"], total=row["steps"], phase=f"{row['phase']} {row['epoch']}",
                           loss=f"{row['loss']:.3f}")

        _, history = train_supernet(space, data, config, checkpoint=output, progress=show, device=device)
    if json:
        print_json({"checkpoint": str(output), "history": history})
    else:
        console.print(f"supernet saved to {output}")


def _predictor(supernet: Any, checkpoint: Path, predictor: Path | None, data: Any, samples: int, seed: int,
               quiet: bool) -> Any:
    """The accuracy predictor of a supernet: loaded, or fitted on ``samples`` sub-networks
    (their accuracies kept in a CSV beside it, so an interrupted fit continues)."""
    from edgenas.oneshot.specialize import SubnetAccuracyPredictor, accuracy_dataset

    path = predictor or checkpoint.with_suffix(".predictor.pt")
    if path.exists():
        return SubnetAccuracyPredictor.load(path, supernet.space)
    check_output(path, "--predictor")
    table = path.with_suffix(".csv")
    interrupt_hint.append(f"interrupted; the same command continues the accuracy table {table}")
    with progress("sub-network accuracies", quiet) as bar:
        task = bar.add_task("t", total=samples)
        archs, acc = accuracy_dataset(supernet, data, table, samples=samples, seed=seed,
                                      progress=lambda i, t: bar.update(task, completed=i, total=t))
    fitted = SubnetAccuracyPredictor(supernet.space, seed=seed).fit(archs, acc)
    fitted.save(path)
    return fitted


def _specialize(checkpoint: Path, predictor: Path | None, dataset: str, devices: list[str],
                max_latency_ms: float | None, samples: int, population: int, generations: int, seed: int,
                workdir: Path, quiet: bool, min_accuracy: float | None = None) -> list[dict]:
    """One measured pick per device, with its test accuracy after BN recalibration."""
    from edgenas.data import check_dataset
    from edgenas.oneshot.finder import layer_profile_costs
    from edgenas.oneshot.progressive import load_supernet, subnet_accuracy
    from edgenas.oneshot.specialize import parse_target, specialize

    if max_latency_ms is not None and not max_latency_ms > 0:
        raise ConfigError(f"--max-latency-ms must be positive, got {max_latency_ms}")
    if min_accuracy is not None and not 0 < min_accuracy < 100:
        raise ConfigError(f"--min-accuracy is a percentage above 0 and below 100, got {min_accuracy:g}")
    check_dataset(dataset)
    check_output(workdir / "lut.json", "--workdir")
    supernet, _ = load_supernet(checkpoint)
    space, classes = supernet.space, supernet.num_classes
    costs = layer_profile_costs(space, classes)
    targets = []
    for spec in devices:
        with progress(f"layer table {spec}", quiet) as bar:
            task = bar.add_task("t", total=None)
            targets.append(parse_target(spec, space, classes, max_latency_ms, workdir, costs,
                                        progress=lambda i, t, k=task: bar.update(k, completed=i, total=t)))
    data = load_space_data(dataset, space, seed)  # fits the predictor when needed, then tests the picks
    fitted = _predictor(supernet, checkpoint, predictor, data, samples, seed, quiet)
    out = []
    for target in targets:
        with progress(f"search {target.name}", quiet) as bar:
            task = bar.add_task("t", total=generations)
            pick = specialize(space, fitted, target, population=population, generations=generations, seed=seed,
                              min_accuracy=min_accuracy, progress=lambda g, t, best, k=task: bar.update(k, completed=g))
        pick.accuracy = subnet_accuracy(supernet, pick.arch, data, split="test")
        row = pick.to_dict()
        row["macs"] = float(costs["macs"](costs["macs"].codec.encode([pick.arch]))[0])
        out.append(row)
    return out


def _describe(arch: dict) -> str:
    from edgenas.oneshot.elastic import describe
    from edgenas.spaces import Arch

    return describe(Arch(arch))


def _print_picks(rows: list[dict]) -> None:
    from rich.table import Table

    table = Table("device", "limit", "pred. acc", "test acc", "pred. latency", "measured", "MACs", "network")
    for r in rows:
        limit = ", ".join(f"{k} <= {v:g}" for k, v in r["limits"].items())
        pred_lat = r["predicted"].get("latency_ms")
        meas_lat = r["measured"].get("latency_ms")
        table.add_row(r["device"], limit, f"{r['predicted_accuracy']:.2f}%",
                      "-" if r["accuracy"] is None else f"{r['accuracy']:.2f}%",
                      "-" if pred_lat is None else f"{pred_lat:.3f} ms",
                      ("-" if meas_lat is None else f"{meas_lat:.3f} ms") + ("" if r["meets_limits"] else " (over)"),
                      f"{r['macs'] / 1e6:.2f} M", _describe(r["arch"]))
    console.print(table)


COMMON = {
    "checkpoint": typer.Option(Path("runs/ofa.pt"), help="a supernet trained by edgenas ofa train"),
    "predictor": typer.Option(None, help="accuracy predictor file (default: beside the checkpoint; fitted when missing)"),
    "dataset": typer.Option("fashion-mnist", help=DATASET_HELP + " (the supernet's)"),
    "samples": typer.Option(200, min=5, help="sub-networks measured to fit the accuracy predictor"),
    "population": typer.Option(100, min=2),
    "generations": typer.Option(500, min=1),
    "workdir": typer.Option(Path("runs"), help="where measured layer tables are cached"),
    "min_accuracy": typer.Option(None, help="instead of the most accurate network that fits, the fastest one "
                                 "predicted at least this accurate (%)"),
}


@ofa_app.command("search")
def search(
    device: str = typer.Option("torch-cpu", help=DEVICES_HELP),
    max_latency_ms: float = typer.Option(None, help="latency limit on the device"),
    checkpoint: Path = COMMON["checkpoint"], predictor: Path = COMMON["predictor"], dataset: str = COMMON["dataset"],
    samples: int = COMMON["samples"], population: int = COMMON["population"], generations: int = COMMON["generations"],
    workdir: Path = COMMON["workdir"], seed: int = typer.Option(0, min=0), json: bool = typer.Option(False, "--json"),
    min_accuracy: float = COMMON["min_accuracy"],
) -> None:
    """The most accurate sub-network for one device under its limits, without training."""
    rows = _specialize(checkpoint, predictor, dataset, [device], max_latency_ms, samples, population, generations,
                       seed, workdir, json, min_accuracy)
    if json:
        print_json(rows[0])
        return
    _print_picks(rows)
    console.print(jsonlib.dumps(rows[0]["arch"]))


@ofa_app.command("specialize")
def specialize_cmd(
    devices: str = typer.Option("torch-cpu,onnxruntime-cpu,microcontroller:320:1024", help="comma-separated: "
                                + DEVICES_HELP),
    max_latency_ms: float = typer.Option(None, help="latency limit on every device"),
    plot: Path = typer.Option(None, help="accuracy vs measured latency of the picks (PNG/PDF/SVG)"),
    checkpoint: Path = COMMON["checkpoint"], predictor: Path = COMMON["predictor"], dataset: str = COMMON["dataset"],
    samples: int = COMMON["samples"], population: int = COMMON["population"], generations: int = COMMON["generations"],
    workdir: Path = COMMON["workdir"], seed: int = typer.Option(0, min=0), json: bool = typer.Option(False, "--json"),
    min_accuracy: float = COMMON["min_accuracy"],
) -> None:
    """One network per device, each the most accurate that meets that device's limits (with
    --min-accuracy: each the fastest there at that predicted accuracy)."""
    specs = [d.strip() for d in devices.split(",") if d.strip()]
    if not specs:
        raise ConfigError("--devices is empty; give comma-separated devices, e.g. torch-cpu,microcontroller:320:1024")
    if plot is not None:
        check_output(plot, "--plot", plot_suffixes())
    rows = _specialize(checkpoint, predictor, dataset, specs, max_latency_ms, samples, population, generations,
                       seed, workdir, json, min_accuracy)
    if plot is not None:
        _plot(rows, plot)
    if json:
        print_json(rows)
        return
    _print_picks(rows)
    if plot is not None:
        console.print(f"plot written to {plot}")


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from edgenas.atomic import atomic_path

    fig, ax = plt.subplots(figsize=(6, 4))
    for r in rows:
        x = r["measured"].get("latency_ms", r["predicted"].get("latency_ms", r["macs"] / 1e6))
        ax.scatter([x], [r["accuracy"] if r["accuracy"] is not None else r["predicted_accuracy"]], label=r["device"])
    ax.set_xlabel("measured latency on its device (ms; MMACs where none)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("specialised sub-networks, one per device")
    ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip("."))
    plt.close(fig)


@ofa_app.command("export")
def export(
    arch: str = typer.Argument(..., help="the sub-network as mbconv JSON (as search prints it)"),
    output: Path = typer.Option(..., "-o", "--output", help="the ONNX file"),
    checkpoint: Path = COMMON["checkpoint"], dataset: str = COMMON["dataset"],
    bn_images: int = typer.Option(2000, min=1, help="training images for BatchNorm recalibration"),
    opset: int = typer.Option(17, min=7, help="ONNX opset"),
    seed: int = typer.Option(0, min=0), json: bool = typer.Option(False, "--json"),
) -> None:
    """Write a sub-network as ONNX; its outputs are checked equal to PyTorch's through ONNX Runtime."""
    from edgenas.hardware.export import export_onnx
    from edgenas.oneshot.progressive import load_supernet

    check_output(output, "output", (".onnx",))
    supernet, _ = load_supernet(checkpoint)
    a = supernet.space.parse(arch)
    data = load_space_data(dataset, supernet.space, seed)
    net = supernet.extract(a, calibrate=data.batch(bn_images, seed=seed)[0])
    report = export_onnx(net, supernet.space.input_shape(a), output, opset=opset)
    if json:
        print_json(report)
    else:
        console.print(f"wrote {output}: ONNX Runtime vs PyTorch max |difference| {report['max_abs_diff']:.2e} "
                      f"on {report['checked']} inputs")
