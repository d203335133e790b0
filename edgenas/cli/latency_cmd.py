"""`edgenas latency fit|eval|measure|lut|correlate` and `edgenas design-space`."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from edgenas.atomic import atomic_write
from edgenas.cli._common import (
    app,
    check_output,
    console,
    parse_floats,
    parse_ints,
    parse_json_object,
    plot_suffixes,
    print_json,
    progress,
)
from edgenas.errors import ArchError, ConfigError, DataError

__all__ = ["latency_app"]

latency_app = typer.Typer(help="Measure, tabulate and predict latency.", no_args_is_help=True)
app.add_typer(latency_app, name="latency")


def _table_data(space_name: str, path: str) -> tuple[Any, list, np.ndarray]:
    from edgenas.estimate import TabularBenchmark
    from edgenas.hardware import measured_networks
    from edgenas.spaces import create_space

    space = create_space(space_name)
    table = TabularBenchmark(path, space, metrics=["latency_ms"])
    archs, y = measured_networks(table)
    return space, archs, y


def _show_scores(scores: dict[str, float], json: bool) -> None:
    if json:
        print_json(scores)
        return
    for key in ("within_10pct", "within_5pct", "mape", "rmse_ms", "spearman", "kendall"):
        value = scores[key]
        shown = f"{100 * value:.1f}%" if key in ("within_10pct", "within_5pct", "mape") else f"{value:.4f}"
        console.print(f"{key:>13}: {shown}")


# below this many networks a source of the board's runtime gains most (docs/benchmarks.md: TorchScript
# at 48 px from 32 px, 84.7 -> 97.9% within 10% at 20 networks, 97.2 -> 98.5% at 100)
SOURCE_HELPS_BELOW = 100


@latency_app.command("fit")
def fit(space: str = typer.Option("nb201"), table: str = typer.Option(..., help="CSV with arch, latency_ms"),
        model: str = typer.Option("auto", help="auto (most accurate on held-out data), linear, gbm, mlp, hybrid, "
                                  "graph, paths (cell spaces), counts (nb201); with --from also transfer, transfer-ops, transfer-gbm; "
                                  "several joined by + for their geometric mean (hybrid+paths)"),
        source: str = typer.Option(None, "--from", help="other devices' latency, comma-separated: shipped table ids "
                                   "(nb201-pi5-onnx; nb201-x86-onnx, nb201-x86-torch, nb201-x86-torchscript), latency CSVs or "
                                   "saved predictors; a new board then needs fewer measured networks: give one of its runtime"),
        kernels: str = typer.Option(None, "--kernels", help="onnxruntime: count the kernels ONNX Runtime runs after "
                                    "optimising each network on this machine and use them as features (for a "
                                    "board that runs ONNX Runtime on the same kind of CPU; ~0.2 s per network, kept in "
                                    "$EDGENAS_CACHE_DIR, default ~/.cache/edgenas)"),
        seed: int = typer.Option(0, min=0), output: Path = typer.Option(..., "-o", "--output")) -> None:
    """Fit a latency predictor on the networks of TABLE that ran (measured_arch)."""
    from edgenas.estimate.tabular import LATENCY_SOURCES
    from edgenas.hardware import LatencyPredictor
    from edgenas.hardware.latency_predictor import FEW, LatencySource, check_sources_are_others, reads_sources

    check_output(output, "-o")
    sp, archs, y = _table_data(space, table)
    sources = [LatencySource.from_spec(spec.strip(), sp) for spec in (source or "").split(",") if spec.strip()]
    check_sources_are_others(sources, archs, y)
    predictor = LatencyPredictor(sp, model, seed=seed, sources=sources, kernels=kernels).fit(archs, y)
    predictor.save(output)
    via = f" (sources: {', '.join(s.name for s in sources)})" if sources else ""
    if kernels:
        via += f" (features: {len(predictor.kernel_vocabulary_)} {kernels} kernel types)"
    console.print(f"fitted {predictor.kind_} on {len(archs):,} measured networks{via} -> {output}")
    for kind, (within_10pct, neg_mape) in getattr(predictor, "validation_", {}).items():
        console.print(f"  held out {kind:>20}: {100 * within_10pct:.1f}% within 10%, MAPE {-100 * neg_mape:.2f}%")
    best = max(predictor.validation_, key=predictor.validation_.get, default=predictor.kind_)
    if best != predictor.kind_ and reads_sources(best) and not reads_sources(predictor.kind_):
        console.print(f"  {predictor.kind_} kept: {best} reads the sources and has no more networks within 10%")
    elif best != predictor.kind_:
        console.print(f"  {predictor.kind_} kept: {best}, which extends it, is not ahead by one standard error")
    if model == "auto" and not predictor.validation_:
        within_10pct, neg_mape = predictor.held_out_figures(archs, y)
        share = (within_10pct * len(y) + 1) / (len(y) + 2)  # two standard errors, kept off 0 at 0% and 100%
        console.print(f"  held out {predictor.kind_:>20}: {100 * within_10pct:.1f}% within 10%, MAPE "
                      f"{-100 * neg_mape:.2f}% (5 folds of its networks: a rough guide, "
                      f"+-{200 * math.sqrt(share * (1 - share) / len(y)):.0f} points)")
        console.print(f"  fewer than {FEW} networks: {predictor.kind_}, the model few networks fit best, kept without "
                      f"a choice (measure {FEW} or more to let auto choose among every model)")
    shipped = LATENCY_SOURCES.get(sp.name, ())
    if not sources and shipped and len(y) < SOURCE_HELPS_BELOW:
        console.print(f"  fewer than {SOURCE_HELPS_BELOW} networks and no --from: a table of the board's runtime as a "
                      f"source usually helps most here (shipped: {', '.join(shipped)})")


@latency_app.command("eval")
def evaluate(predictor: Path = typer.Option(...), table: str = typer.Option(...),
             json: bool = typer.Option(False, "--json")) -> None:
    """Score a saved predictor on the measured networks of TABLE."""
    from edgenas.hardware import LatencyPredictor

    pred = LatencyPredictor.load(predictor)
    _, archs, y = _table_data(pred.space.name, table)
    _show_scores(pred.score(archs, y), json)


def _device(name: str, space: Any, threads: int, budget_s: float | None = None) -> Any:
    from edgenas.hardware.devices import create_device

    if name.startswith("table:"):
        return create_device(name, space=space)
    kwargs = {"threads": threads} if name in ("torch-cpu", "onnxruntime-cpu") else {}
    if kwargs and budget_s is not None:
        kwargs["max_s"] = budget_s
    return create_device(name, **kwargs)


def _space(name: str, resolution: int | None, config: dict[str, Any] | None = None) -> Any:
    """The space to measure; for mbconv, ``resolution`` unless ``config`` names its resolutions."""
    from edgenas.spaces import create_space

    if name == "mbconv" and resolution:
        return create_space("mbconv", **({"resolutions": (resolution,)} | (config or {})))
    space = create_space(name, **(config or {}))
    if resolution:
        raise ConfigError(f"--resolution sets mbconv's input size; {name}'s networks have a fixed input")
    return space


def _same_settings(output: Path, settings: dict[str, Any]) -> None:
    """A measurement file resumes only with the device, threads and space it was begun with
    (kept in OUTPUT.settings.json): other settings would add other timings to it, or count
    its timings as theirs."""
    import json as jsonlib

    path = output.with_name(output.name + ".settings.json")
    if path.exists():
        try:
            stored = jsonlib.loads(path.read_text())
        except ValueError:
            raise DataError(f"{path} is not readable JSON; restore it, or measure into another -o") from None
        if stored != settings:
            changed = "; ".join(f"{k}: {stored.get(k)} -> {settings.get(k)}" for k in sorted(set(stored) | set(settings))
                                if stored.get(k) != settings.get(k))
            raise ConfigError(f"{output} was measured with other settings ({changed}); give another -o, or the "
                              "same settings to continue it")
    else:  # a new file, or one begun before the settings were kept: from now on they are
        atomic_write(path, lambda tmp: Path(tmp).write_text(jsonlib.dumps(settings, sort_keys=True)))


@latency_app.command("measure")
def measure(space: str = typer.Option("mbconv"), device: str = typer.Option("torch-cpu"),
            n: int = typer.Option(50, min=1), seed: int = typer.Option(0, min=0), threads: int = typer.Option(1, min=1),
            resolution: int = typer.Option(None, min=1, help="mbconv input resolution"),
            calibrate: bool = typer.Option(False, "--calibrate", help="measure a fixed reference network before "
                                           "each one and rescale to the machine's speed when the file began "
                                           "(a shared or throttling machine); the reference is kept in "
                                           "OUTPUT.reference.json"),
            passes: int = typer.Option(1, min=1, help="time every network this many times, one pass after "
                                       "another, and keep the median (each timing logged in OUTPUT.passes)"),
            output: Path = typer.Option(..., "-o", "--output")) -> None:
    """Measure N distinct random architectures on DEVICE into a CSV (arch, latency_ms); resumes a file."""
    import torch

    from edgenas.hardware.kit_runner import KitError, ends_pass, open_log, pass_agreement, plan, write_medians

    check_output(output, "-o", (".csv",))
    sp = _space(space, resolution)
    dev = _device(device, sp, threads)
    try:
        name, done = open_log(str(output), passes, _MEASURE_HEADER, option="-o")
    except KitError as exc:  # a file of another command or a broken row: one line
        raise DataError(str(exc)) from None
    _same_settings(output, {"space": sp.name, **sp.get_params(), "device": device, "threads": threads,
                            "calibrate": calibrate})
    if calibrate:
        dev = _calibration(dev, sp, output, device)
    archs = sp.sample_distinct(n, seed)
    log = Path(name)
    todo = plan(archs, done, passes, sp.format)
    total = len(archs) * passes
    with progress(f"measuring on {device}") as bar, log.open("a", newline="") as f:
        task = bar.add_task("m", total=total, completed=total - len(todo))
        writer = csv.writer(f)
        for i, (p, arch) in enumerate(todo, 1):
            if hasattr(dev, "measure"):
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(0)
                    model = sp.build(arch)
                m = dev.measure(model, sp.input_shape(arch))
                row = [f"{m.median_ms:.6f}", f"{m.spread:.4f}", int(m.reliable)]
            else:  # a table or an estimate: nothing to time
                row = [f"{dev.latency(sp, arch):.6f}", "0", 1]
            writer.writerow([sp.format(arch), *row] + ([p] if log != output else []))
            f.flush()  # every measurement is on disk before the next starts
            bar.update(task, advance=1)
            if log != output and ends_pass(todo, i):
                write_medians(str(log), str(output), _MEASURE_HEADER)  # a pass is complete
    if log != output and not todo and not output.exists():
        write_medians(str(log), str(output), _MEASURE_HEADER)
    median = f", the median of {passes} passes" if passes > 1 else ""
    console.print(f"{len(archs)} measurements in {output}{median} ({total - len(todo)} of {total} timings were "
                  "already there)")
    if passes > 1 and (line := pass_agreement(str(log))):
        console.print(line)


@latency_app.command("kit")
def kit(space: str = typer.Option("nb201"), n: int = typer.Option(100, min=1, help="distinct sampled networks"),
        seed: int = typer.Option(0, min=0),
        archs: Path = typer.Option(None, help="a text file of architectures (one per line) instead of sampling"),
        resolution: int = typer.Option(None, min=1, help="mbconv input resolution"),
        opset: int = typer.Option(17, min=7, help="ONNX opset"),
        output: Path = typer.Option(..., "-o", "--output", help="a new folder for the kit")) -> None:
    """Write a measurement kit for your own board: N networks as ONNX, a manifest and run.py
    (needs only Python, numpy and onnxruntime), whose CSV `edgenas latency fit` reads."""
    from edgenas.hardware.kit import write_kit

    sp = _space(space, resolution)
    if not (output.is_dir() and any(output.iterdir())):  # a non-empty one is refused by write_kit
        check_output(output / "manifest.json", "-o")
    if archs is not None:
        if not archs.is_file():
            raise DataError(f"no architecture file {archs}; give a text file with one architecture per line")
        lines = [line.strip() for line in archs.read_text().splitlines() if line.strip()]
        chosen = []
        for number, line in enumerate(lines, 1):
            try:
                chosen.append(sp.parse(line))
            except ArchError as exc:
                raise DataError(f"{archs}:{number}: {exc}") from None
        if not chosen:
            raise DataError(f"{archs} lists no architectures")
    else:
        chosen = sp.sample_distinct(n, seed)
    with progress("exporting") as bar:
        task = bar.add_task("k", total=len(chosen))
        write_kit(sp, chosen, output, opset, progress=lambda done: bar.update(task, completed=done))
    console.print(f"wrote {len(chosen)} networks to {output}/; on the board: python3 run.py (numpy + onnxruntime), "
                  f"then edgenas latency fit --space {space} --table {output}/latency.csv -o board.npz")


def _calibration(dev: Any, space: Any, output: Path, name: str) -> Any:
    """The device behind a drift calibration whose reference (a fixed network of the space, and
    its latency when the file began) lives beside ``output``; a resumed file keeps its scale."""
    import json as jsonlib

    import torch

    from edgenas.hardware.devices import DriftCalibration
    from edgenas.hardware.kit import reference_arch

    if not hasattr(dev, "measure"):
        raise ConfigError(f"--calibrate times a reference network; {name} does not run networks")
    sidecar = output.with_name(output.name + ".reference.json")
    state = jsonlib.loads(sidecar.read_text()) if sidecar.exists() else {}
    arch = space.parse(state["arch"]) if state else reference_arch(space)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        reference = space.build(arch)
    calibration = DriftCalibration(dev, reference, space.input_shape(arch), state.get("reference_ms"))
    if not state:
        text = jsonlib.dumps({"arch": space.format(arch), "reference_ms": calibration.reference_ms, "device": name})
        atomic_write(sidecar, lambda tmp: Path(tmp).write_text(text))
    return calibration


_MEASURE_HEADER = ["arch", "latency_ms", "spread", "reliable"]


@latency_app.command("lut")
def lut(device: str = typer.Option("torch-cpu"), resolution: int = typer.Option(160, min=1),
        space_config: str = typer.Option(None, help="mbconv options as JSON, for a table of that configuration "
                                         "(`oneshot search` / `ofa` read it as --device lut:PATH with the same "
                                         "--space-config); its resolutions replace --resolution"),
        num_classes: int = typer.Option(1000, min=1, help="the classifier's outputs (10 for Fashion-MNIST)"),
        n: int = typer.Option(100, min=2, help="random networks measured end to end"), seed: int = typer.Option(0, min=0),
        threads: int = typer.Option(1, min=1), output: Path = typer.Option(Path("runs/lut_mbconv.json"), "-o"),
        json: bool = typer.Option(False, "--json")) -> None:
    """Build the layer-wise lookup table for mbconv on DEVICE and report how additive latency is."""
    from edgenas.hardware.lut import LatencyLUT, additivity, build_lut

    check_output(output, "-o", (".json",))
    sp = _space("mbconv", resolution, parse_json_object(space_config or "{}", "--space-config"))
    dev = _device(device, sp, threads)
    if not hasattr(dev, "measure"):
        raise ConfigError(f"latency lut times single layers: use a device that runs them (torch-cpu, "
                          f"onnxruntime-cpu), not {device}")
    rng = np.random.default_rng(seed)
    archs = [sp.sample(rng) for _ in range(n)]
    if output.exists():
        table = LatencyLUT.load(output, sp, {"num_classes": num_classes})
    else:
        with progress("measuring layers", json) as bar:
            task = bar.add_task("l", total=None)
            table = build_lut(sp, dev, seed=seed, progress=lambda i, t: bar.update(task, completed=i, total=t),
                              layer_args={"num_classes": num_classes})
        table.save(output)
    with progress("end-to-end", json) as bar:
        task = bar.add_task("e", total=n)
        report = additivity(table, dev, archs, progress=lambda i, t: bar.update(task, completed=i))
    report["entries"] = len(table.entries)
    if json:
        print_json(report)
        return
    console.print(f"lookup table: {len(table.entries)} layer configurations ({output})")
    console.print(f"LUT sum vs end-to-end on {n} random mbconv networks at {resolution}x{resolution}:")
    _show_scores(report, False)
    console.print(f"mean LUT / measured: {report['mean_ratio_lut_over_measured']:.3f}")


@latency_app.command("correlate")
def correlate(space: str = typer.Option("nb201"), device: str = typer.Option(None),
              table: str = typer.Option(None, help="a latency CSV instead of measuring"),
              predictor: Path = typer.Option(None, help="also rank a saved latency predictor"),
              n: int = typer.Option(300, min=2), seed: int = typer.Option(0, min=0), threads: int = typer.Option(1, min=1),
              resolution: int = typer.Option(None, min=1, help="mbconv input resolution: of the sampled networks "
                                             "(--space mbconv) and of the width/depth families (default 160)"),
              plot: Path = typer.Option(Path("runs/macs_vs_latency.png")),
              budget_s: float = typer.Option(2.0, min=0.1, help="seconds at most to time one network (it stops "
                                             "earlier once its rounds agree); lower it on a busy machine"),
              json: bool = typer.Option(False, "--json")) -> None:
    """How MACs, params (and a predictor) rank against measured latency; width vs depth scaling."""
    from edgenas.hardware import LatencyPredictor, ProfileCost
    from edgenas.hardware.analysis import rank_correlations, scaling_families

    if (device is None) == (table is None):
        raise ConfigError("give either --device (measure) or --table (measured latencies)")
    if device:
        check_output(plot, "--plot", plot_suffixes())
    if predictor is not None and not predictor.is_file():
        raise DataError(f"predictor file {predictor} not found")
    rng = np.random.default_rng(seed)
    if table:
        sp, archs, y = _table_data(space, table)
        pick = rng.permutation(len(archs))[:n]
        archs, y = [archs[i] for i in pick], y[pick]
    else:
        sp = _space(space, (resolution or 160) if space == "mbconv" else None)  # also the families' input
        dev = _device(device, sp, threads, budget_s)
        archs = [sp.sample(rng) for _ in range(n)]
        with progress("measuring", json) as bar:
            task = bar.add_task("m", total=n)
            y = []
            for arch in archs:
                y.append(dev.latency(sp, arch))
                bar.update(task, advance=1)
            y = np.array(y)
    costs = ProfileCost(sp)
    metrics = [costs.evaluate(a) for a in archs]
    proxies = {"macs": np.array([m["macs"] for m in metrics]), "params": np.array([m["params"] for m in metrics])}
    if predictor:
        proxies["predictor"] = LatencyPredictor.load(predictor, sp).predict(archs)
    report: dict[str, Any] = {"n": len(archs), "correlations": rank_correlations(y, proxies)}
    if device:
        with progress("width/depth families", json) as bar:
            task = bar.add_task("s", total=None)
            report["scaling"] = scaling_families(_device(device, sp, threads, budget_s), resolution=resolution or 160,
                                                 progress=lambda i, t: bar.update(task, completed=i, total=t))
        _plot_scaling(report["scaling"], plot, device)
    if json:
        print_json(report)
        return
    table_out = Table(title=f"rank correlation with measured latency ({len(archs)} {sp.name} networks)")
    for col in ("proxy", "Spearman", "Kendall"):
        table_out.add_column(col)
    for name, c in report["correlations"].items():
        table_out.add_row(name, f"{c['spearman']:.3f}", f"{c['kendall']:.3f}")
    console.print(table_out)
    if "scaling" in report:
        for name in ("width", "depth"):
            fam = report["scaling"][name]
            console.print(f"{name}-scaled family: {fam['ms_per_gmac']:.1f} ms per GMAC "
                          f"({min(fam['macs']) / 1e6:.0f}-{max(fam['macs']) / 1e6:.0f} MMACs, "
                          f"{min(fam['latency_ms']):.2f}-{max(fam['latency_ms']):.2f} ms)")
        console.print(f"plot: {plot}")


def _plot_scaling(scaling: dict[str, Any], path: Path, device: str) -> None:
    from matplotlib.figure import Figure  # no pyplot: the caller's backend is left alone

    fig = Figure(figsize=(6.4, 4.4), dpi=120)
    ax = fig.subplots()
    for name, color in (("width", "tab:blue"), ("depth", "tab:red")):
        fam = scaling[name]
        macs = np.array(fam["macs"]) / 1e6
        ax.plot(macs, fam["latency_ms"], "o-", color=color,
                label=f"{name}-scaled ({fam['ms_per_gmac']:.1f} ms/GMAC)")
    ax.set_xlabel("MMACs")
    ax.set_ylabel(f"latency on {device} (ms)")
    ax.set_title("MACs are not latency: width vs depth scaling")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or None))


@app.command("design-space")
def design_space_cmd(
    space: str = typer.Option("mbconv"), sram_kb: float = typer.Option(320, min=0), flash_kb: float = typer.Option(1024, min=0),
    widths: str = typer.Option("0.3,0.4,0.5,0.6,0.7"), resolutions: str = typer.Option("96,112,128,144,160"),
    samples: int = typer.Option(200, min=1), seed: int = typer.Option(0, min=0), num_classes: int = typer.Option(1000, min=1),
    quantile: float = typer.Option(0.8, min=0, max=1, help="rank sub-spaces by this MACs quantile of fitting models"),
    plot: Path = typer.Option(Path("runs/design_space_cdf.png")), json: bool = typer.Option(False, "--json"),
) -> None:
    """MCUNet: compare width x resolution sub-spaces by the MACs of the models that fit memory."""
    from edgenas.hardware.analysis import design_space
    from edgenas.spaces import MBConvSpace

    if space != "mbconv":
        raise ConfigError("design-space works on the mbconv space (width x resolution sub-spaces)")
    ws, rs = parse_floats(widths, "--widths"), parse_ints(resolutions, "--resolutions")
    if min(ws) <= 0 or min(rs) < 1:
        raise ConfigError(f"--widths must be positive and --resolutions at least 1, got {widths} and {resolutions}")
    check_output(plot, "--plot", plot_suffixes())

    def factory(w: float, r: int) -> MBConvSpace:
        return MBConvSpace(widths=(w,), resolutions=(r,), scale_head=True)

    with progress("profiling sub-spaces", json) as bar:
        task = bar.add_task("d", total=len(ws) * len(rs))
        rows = design_space(factory, ws, rs, sram_kb, flash_kb, samples, seed, quantile, num_classes,
                            progress=lambda i, t: bar.update(task, completed=i))
    _plot_cdf(rows, plot, sram_kb, flash_kb)
    key = f"p{int(quantile * 100)}_macs"
    if json:
        print_json([{k: v for k, v in r.items() if k != "macs"} for r in rows])
        return
    table = Table(title=f"sub-spaces under {sram_kb:g} kB SRAM / {flash_kb:g} kB flash (int8), {samples} samples each")
    for col in ("rank", "width", "resolution", "fit", key.replace("_", " "), "median MACs"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(str(r["rank"]), f"{r['width']:g}", str(r["resolution"]), f"{r['fit']}/{r['samples']}",
                      f"{r[key] / 1e6:.1f}M", f"{r['median_macs'] / 1e6:.1f}M")
    console.print(table)
    console.print(f"CDF plot: {plot}")


def _plot_cdf(rows: list[dict[str, Any]], path: Path, sram_kb: float, flash_kb: float) -> None:
    from matplotlib.figure import Figure  # no pyplot: the caller's backend is left alone

    fig = Figure(figsize=(7, 4.6), dpi=120)
    ax = fig.subplots()
    for r in sorted(rows, key=lambda r: r["rank"]):
        if not r["macs"]:
            continue
        macs = np.array(r["macs"]) / 1e6
        ax.plot(macs, np.arange(1, len(macs) + 1) / len(macs), lw=2 if r["rank"] <= 3 else 0.8,
                label=f"#{r['rank']} w{r['width']:g} r{r['resolution']} ({r['fit']} fit)" if r["rank"] <= 6 else None)
    ax.set_xlabel("MMACs of models that fit")
    ax.set_ylabel("CDF")
    ax.set_title(f"MCUNet design spaces under {sram_kb:g} kB SRAM / {flash_kb:g} kB flash")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or None))

