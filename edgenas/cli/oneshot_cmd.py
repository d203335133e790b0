"""`edgenas oneshot search`: one-shot (weight-sharing) architecture search."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from statistics import median

import typer

from edgenas.cli._common import (
    app,
    check_output,
    console,
    interrupt_hint,
    load_space_data,
    parse_json_object,
    print_json,
    progress,
)
from edgenas.cli.ofa_cmd import DATASET_HELP
from edgenas.errors import ConfigError

__all__ = ["oneshot_app"]

oneshot_app = typer.Typer(help="One-shot search: one over-parameterised network, trained once.", no_args_is_help=True)
app.add_typer(oneshot_app, name="oneshot")

METHODS = ("proxyless",)


@oneshot_app.command("search")
def search(
    method: str = typer.Option("proxyless", help="proxyless (latency-aware path-level search)"),
    space: str = typer.Option("mbconv", help="the space (proxyless: mbconv)"),
    device: str = typer.Option("torch-cpu", help="torch-cpu[:THREADS], onnxruntime-cpu[:THREADS], lut:PATH or "
                               "predictor:PATH (a fitted latency predictor)"),
    target_ms: float = typer.Option(..., help="latency target on the device"),
    dataset: str = typer.Option("fashion-mnist", help=DATASET_HELP),
    space_config: str = typer.Option(None, help="mbconv options as JSON (default: edgenas.oneshot SMALL_IMAGES; the "
                                     "search runs at its largest width and resolution)"),
    epochs: int = typer.Option(8, min=1),
    warmup_epochs: int = typer.Option(2, min=0),
    batch_size: int = typer.Option(64, min=1),
    loss: str = typer.Option("mul-log", help="mul-log, add-linear or hard"),
    estimator: str = typer.Option("two-path", help="two-path (binarised gates) or reinforce"),
    train_size: int = typer.Option(0, min=0, help="use the first N training images (0: all)"),
    checkpoint: Path = typer.Option(Path("runs/proxyless.pt"), help="written every epoch; an existing one is resumed"),
    workdir: Path = typer.Option(Path("runs"), help="where measured layer tables are cached"),
    seed: int = typer.Option(0, min=0),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """Search for the most accurate network that meets a latency target (ProxylessNAS)."""
    from edgenas.oneshot.elastic import describe
    from edgenas.oneshot.progressive import SMALL_IMAGES
    from edgenas.oneshot.proxyless import ProxylessConfig, place_on_target, proxyless_search
    from edgenas.oneshot.specialize import parse_target
    from edgenas.spaces import create_space

    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; choose {', '.join(METHODS)}")
    if space != "mbconv":
        raise ConfigError(f"--method proxyless searches the mbconv space, not {space!r}")
    config = ProxylessConfig(epochs=epochs, warmup_epochs=warmup_epochs, batch_size=batch_size, loss=loss,
                             estimator=estimator, seed=seed)
    sp = create_space("mbconv", **parse_json_object(space_config or jsonlib.dumps(SMALL_IMAGES), "--space-config"))
    if not target_ms > 0:
        raise ConfigError(f"--target-ms must be positive, got {target_ms}")
    check_output(checkpoint, "--checkpoint")
    check_output(workdir / "lut.json", "--workdir")
    data = load_space_data(dataset, sp, seed, train_size)
    with progress(f"layer table {device}", json) as bar:
        task = bar.add_task("t", total=None)
        target = parse_target(device, sp, data.num_classes, target_ms, workdir,
                              progress=lambda i, t: bar.update(task, completed=i, total=t))
    if target.latency is None:
        raise ConfigError(f"device {device!r} has no latency table; use torch-cpu, onnxruntime-cpu, lut:PATH or "
                          "predictor:PATH")
    interrupt_hint.append(f"interrupted; the same command resumes from {checkpoint}")
    with progress("proxyless", json, "loss", "latency") as bar:
        task = bar.add_task("t", total=None, loss="", latency="")

        def show(row: dict) -> None:
            if row.get("end_of_epoch"):
                if not json:
                    console.print(f"epoch {row['epoch']}/{epochs}{' (warm-up)' if row['warmup'] else ''}: loss "
                                  f"{row['loss']:.4f}  E\\[latency] {row['expected_ms']:.3f} ms  argmax "
                                  f"{row['argmax_ms']:.3f} ms  {describe(sp.parse(row['arch']))}")
                bar.update(task, latency=f"{row['expected_ms']:.3f}/{row['argmax_ms']:.3f} ms")
            else:
                bar.update(task, completed=row["step"], total=row["steps"], loss=f"{row['loss']:.3f}")

        argmax, net, history = proxyless_search(sp, data, target.latency, target_ms, config, checkpoint, show)
    timed = not device.startswith("lut:")  # a table measured elsewhere is all there is of that device
    if timed and not json:
        console.print(f"placing the network on {target_ms:g} ms: measuring on {device}")
    placed = place_on_target(net, target.latency, target_ms,
                             (lambda a: median([target.measure(a)["latency_ms"] for _ in range(3)])) if timed else None)
    out = {"arch": dict(placed.arch), "table_ms": placed.table_ms, "measured_ms": placed.measured_ms,
           "target_ms": target_ms, "rederived": placed.rounds, "argmax": dict(argmax),
           "argmax_table_ms": history[-1]["argmax_ms"], "checkpoint": str(checkpoint), "history": history}
    if json:
        print_json(out)
        return
    on_device = f", {placed.measured_ms:.3f} ms measured on {device}" if timed else ""
    console.print(f"{describe(placed.arch)}\nlatency: {placed.table_ms:.3f} ms by the layer table{on_device} (target "
                  f"{target_ms:g} ms; the argmax path, {describe(argmax)}, is {out['argmax_table_ms']:.3f} ms by the "
                  f"table)\n{jsonlib.dumps(dict(placed.arch))}")
