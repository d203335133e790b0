"""`edgenas oneshot search`: one-shot (weight-sharing) architecture search."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable
from pathlib import Path
from statistics import median
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
from edgenas.cli.ofa_cmd import DATASET_HELP, _check_torch_device
from edgenas.errors import ConfigError

__all__ = ["oneshot_app"]

oneshot_app = typer.Typer(help="One-shot search: one over-parameterised network, trained once.", no_args_is_help=True)
app.add_typer(oneshot_app, name="oneshot")

METHODS = ("proxyless", "darts", "darts2", "beta-darts", "drnas", "gdas", "rsps", "autodeeplab")


@oneshot_app.command("search")
def search(
    method: str = typer.Option("proxyless", help="proxyless (latency-aware path-level search, mbconv); darts, "
                               "darts2 (second order), beta-darts, drnas (Dirichlet), gdas or rsps (random search with weight sharing) "
                               "on a cell space; autodeeplab (the network-level trellis, segmentation)"),
    space: str = typer.Option(None, help="the space (proxyless: mbconv; the cell methods: nb201, or nasnet with darts, "
                              "darts2, beta-darts; autodeeplab: autodeeplab)"),
    dataset: str = typer.Option(None, help=f"{DATASET_HELP}, scenes[:SOURCE] (default: fashion-mnist; autodeeplab: "
                                "scenes:fashion-mnist, a segmentation task)"),
    epochs: int = typer.Option(None, min=1, help="search epochs (default: proxyless 8, the cell methods 10)"),
    batch_size: int = typer.Option(64, min=1),
    train_size: int = typer.Option(0, min=0, help="use the first N training images (0: all)"),
    checkpoint: Path = typer.Option(None, help="written every epoch; an existing one is resumed (default: "
                                    "runs/METHOD.pt)"),
    seed: int = typer.Option(0, min=0),
    json: bool = typer.Option(False, "--json"),
    device: str = typer.Option(None, help="proxyless: the latency device, torch-cpu[:THREADS] (default), "
                               "onnxruntime-cpu[:THREADS], lut:PATH or predictor:PATH (a fitted latency predictor)"),
    target_ms: float = typer.Option(None, help="proxyless: the latency target on the device"),
    space_config: str = typer.Option(None, help="proxyless: mbconv options as JSON (default: edgenas.oneshot "
                                     "SMALL_IMAGES; the search runs at its largest width and resolution); "
                                     'autodeeplab: e.g. \'{"layers": 8}\''),
    warmup_epochs: int = typer.Option(None, min=0, help="proxyless: epochs of weights only (default 2)"),
    loss: str = typer.Option(None, help="proxyless: target (default: E[latency] to T from both sides), or the "
                             "published mul-log, add-linear, hard (pull it down)"),
    estimator: str = typer.Option(None, help="proxyless: two-path (default: binarised gates) or reinforce"),
    workdir: Path = typer.Option(Path("runs"), help="proxyless: where measured layer tables are cached"),
    train_device: str = typer.Option("cpu", help="where the supernet trains, cpu or cuda"),
    benchmark: str = typer.Option(None, help="cell methods: a table (shipped name or CSV) to look the derived cell up "
                                  "in, e.g. nb201-cifar10"),
    channels: int = typer.Option(8, min=1, help="cell methods: channels of the first stage (autodeeplab: F, the "
                                 "channels at rate 4)"),
    cells: int = typer.Option(1, min=1, help="cell methods: cells per stage"),
    resolution: int = typer.Option(None, min=8, help="cell methods: input resolution of the search (default 16; "
                                   "autodeeplab 64, a multiple of 32)"),
    plot: Path = typer.Option(None, help="cell methods: operation weights per edge over the epochs (PNG/PDF/SVG)"),
) -> None:
    """One-shot search: ProxylessNAS for a latency target, or differentiable search on a cell space."""
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; choose {', '.join(METHODS)}")
    checkpoint = checkpoint or Path(f"runs/{method}.pt")
    trellis = method == "autodeeplab"
    dataset = dataset or ("scenes:fashion-mnist" if trellis else "fashion-mnist")
    _check_torch_device(train_device, "--train-device")
    if method == "proxyless":
        for name, value in (("--benchmark", benchmark), ("--plot", plot)):
            if value is not None:
                raise ConfigError(f"{name} applies to the cell methods ({', '.join(METHODS[1:])}), not proxyless")
        _proxyless(space or "mbconv", dataset, epochs or 8, batch_size, train_size, checkpoint, seed, json,
                   device or "torch-cpu", target_ms, space_config, warmup_epochs, loss, estimator, workdir, train_device)
    else:
        for name, value in (("--device", device), ("--target-ms", target_ms), ("--warmup-epochs", warmup_epochs),
                            ("--loss", loss), ("--estimator", estimator)):
            if value is not None:
                hint = "; to train on a GPU use --train-device cuda" if name == "--device" and value in ("cuda", "cpu") else ""
                raise ConfigError(f"{name} applies to proxyless (the latency search), not {method}{hint}")
        if space_config is not None and not trellis:
            raise ConfigError(f"--space-config applies to proxyless and autodeeplab, not {method}")
        _cell(method, space or ("autodeeplab" if trellis else "nb201"), dataset, epochs or 10, batch_size, train_size,
              checkpoint, seed, json, benchmark, channels, cells, resolution, plot,
              train_device, space_config)


def _proxyless(space: str, dataset: str, epochs: int, batch_size: int, train_size: int, checkpoint: Path, seed: int,
               json: bool, device: str, target_ms: float | None, space_config: str | None, warmup_epochs: int | None,
               loss: str | None, estimator: str | None, workdir: Path, train_device: str) -> None:
    from edgenas.oneshot._search import weight_half
    from edgenas.oneshot.elastic import describe
    from edgenas.oneshot.progressive import SMALL_IMAGES
    from edgenas.oneshot.proxyless import ProxylessConfig, place_on_target, proxyless_search
    from edgenas.oneshot.specialize import parse_target
    from edgenas.spaces import create_space

    if space != "mbconv":
        raise ConfigError(f"--method proxyless searches the mbconv space, not {space!r}")
    given = {"warmup_epochs": warmup_epochs, "loss": loss, "estimator": estimator}  # the rest: the config's defaults
    config = ProxylessConfig(epochs=epochs, batch_size=batch_size, seed=seed,
                             **{k: v for k, v in given.items() if v is not None})
    sp = create_space("mbconv", **parse_json_object(space_config or jsonlib.dumps(SMALL_IMAGES), "--space-config"))
    if target_ms is None or not target_ms > 0:
        raise ConfigError(f"--method proxyless needs a positive --target-ms (the latency target), got {target_ms}")
    check_output(checkpoint, "--checkpoint")
    check_output(workdir / "lut.json", "--workdir")
    data = load_space_data(dataset, sp, seed, train_size)
    weight_half(data, config.batch_size)  # a batch the data cannot fill fails now, not after timing the layer table
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

        argmax, net, history = proxyless_search(sp, data, target.latency, target_ms, config, checkpoint, show,
                                                train_device)
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


def _cell(method: str, space: str, dataset: str, epochs: int, batch_size: int, train_size: int, checkpoint: Path,
          seed: int, json: bool, benchmark: str | None, channels: int, cells: int, resolution: int | None,
          plot: Path | None, train_device: str, space_config: str | None) -> None:
    from edgenas.oneshot.darts import DartsConfig, cell_search
    from edgenas.spaces import create_space

    options = parse_json_object(space_config or "{}", "--space-config")
    if space == "autodeeplab" and resolution is not None:
        options["resolution"] = resolution
    sp = create_space(space, **options)
    resolution = getattr(sp, "resolution", None) or resolution or 16
    config = DartsConfig(method=method, epochs=epochs, batch_size=batch_size, channels=channels, cells=cells,
                         seed=seed)
    check_output(checkpoint, "--checkpoint")
    if plot is not None:
        check_output(plot, "--plot", plot_suffixes())
    table = None
    if benchmark is not None:
        from edgenas.estimate import TabularBenchmark

        table = TabularBenchmark(benchmark, sp)
    data = load_space_data(dataset, sp, seed, train_size, resolution)
    interrupt_hint.append(f"interrupted; the same command resumes from {checkpoint}")
    show_cell = getattr(sp, "format", None) or (lambda a: a.to_json())
    with progress(method, json, "loss") as bar:
        show = _epochs(bar, json, lambda row: f"epoch {row['epoch']}/{epochs}: loss {row['loss']:.4f}  architecture "
                       f"loss {row['arch_loss']:.4f}  {show_cell(sp.parse(row['arch']))}")
        arch, _, history = cell_search(sp, data, config, checkpoint, show, train_device)
    out: dict = {"arch": show_cell(arch), "method": method, "checkpoint": str(checkpoint), "history": history}
    if table is not None:
        out["benchmark"] = table.evaluate(arch)
    if plot is not None:
        _plot_alpha(history, sp, plot)
    if json:
        print_json(out)
        return
    console.print(out["arch"])
    if table is not None:
        console.print(", ".join(f"{k} {v:.4g}" for k, v in out["benchmark"].items()) + f" ({benchmark})")
    if plot is not None:
        console.print(f"plot written to {plot}")


def _epochs(bar: Any, json: bool, line: Callable[[dict], str]) -> Callable[[dict], None]:
    """A progress callback: the bar follows the steps and the running loss, and each epoch's end
    prints ``line(row)`` (not with --json)."""
    task = bar.add_task("t", total=None, loss="")

    def show(row: dict) -> None:
        if row.get("end_of_epoch"):
            if not json:
                console.print(line(row))
        else:
            bar.update(task, completed=row["step"], total=row["steps"], loss=f"{row['loss']:.3f}")

    return show


def _plot_alpha(history: list[dict], space, path: Path) -> None:
    """softmax(alpha) of every edge over the epochs, one panel per edge."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    alpha = np.array([row["alpha"] for row in history])  # (epochs, edges, ops)
    keys = [k for k in space.choices if "<-" in k]  # the cell's edges (not autodeeplab's rates)
    ops = list(space.choices[keys[0]])
    fig, axes = plt.subplots(1, len(keys), figsize=(2.4 * len(keys), 2.6), sharey=True, squeeze=False)
    epochs = [row["epoch"] for row in history]
    for e, ax in enumerate(axes[0]):
        for o, op in enumerate(ops):
            ax.plot(epochs, alpha[:, e, o], marker="o", ms=3, label=op)
        ax.set_title(keys[e], fontsize=8)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel("softmax(alpha)")
    axes[0][-1].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


@oneshot_app.command("train")
def train(
    space: str = typer.Option("vit", help="the space of the weight-entangled supernet (vit)"),
    output: Path = typer.Option(Path("runs/vit.pt"), "-o", "--output", help="checkpoint, written every epoch; an "
                                "existing one is resumed"),
    dataset: str = typer.Option("fashion-mnist", help=DATASET_HELP),
    space_config: str = typer.Option(None, help='vit options as JSON, e.g. \'{"embeds": [64, 96], "depths": [2, 4]}\''),
    epochs: int = typer.Option(10, min=1),
    batch_size: int = typer.Option(64, min=1),
    lr: float = typer.Option(1e-3),
    train_size: int = typer.Option(0, min=0, help="use the first N training images (0: all)"),
    seed: int = typer.Option(0, min=0),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """Train a weight-entangled supernet (AutoFormer): one random sub-network per step; then
    `edgenas search --space vit --evaluator supernet:OUTPUT` ranks ViTs by inherited accuracy."""
    from edgenas.oneshot.entangled import EntangledConfig, train_entangled
    from edgenas.spaces import create_space

    if space != "vit":
        raise ConfigError(f"weight-entangled supernets are built for the vit space, not {space!r}")
    sp = create_space(space, **parse_json_object(space_config or "{}", "--space-config"))
    config = EntangledConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    check_output(output, "-o")
    data = load_space_data(dataset, sp, 0, train_size, sp.resolution)  # split seed 0: the evaluator's split
    interrupt_hint.append(f"interrupted; the same command resumes from {output}")
    with progress("supernet", json, "loss") as bar:
        show = _epochs(bar, json, lambda row: f"epoch {row['epoch']}/{epochs}: loss {row['loss']:.4f}  largest ViT "
                       f"{row['largest_accuracy']:.2f}% (validation, inherited)")
        _, history = train_entangled(sp, data, config, output, show)
    if json:
        print_json({"checkpoint": str(output), "history": history})
        return
    console.print(f"supernet saved to {output}; search it with: edgenas search --space vit --evaluator "
                  f"supernet:{output}")
