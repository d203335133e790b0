"""`edgenas profile` and `edgenas blocks`."""

from __future__ import annotations

from typing import Any

import torch
import typer
from rich.table import Table

from edgenas.cli._common import app, console, load_object, parse_ints, print_json
from edgenas.errors import ConfigError, ProfileError
from edgenas.profile import Profile, profile

__all__ = ["build_model", "profile_cmd", "blocks_cmd", "show_blocks", "show_profile"]


def build_model(spec: str) -> torch.nn.Module:
    """A zoo name, or ``package.module:factory`` called with no arguments."""
    from edgenas.zoo import MODELS

    if ":" not in spec:
        if spec not in MODELS:
            raise ConfigError(
                f"unknown model {spec!r}: give a zoo name ({', '.join(MODELS.names())}) "
                "or package.module:factory"
            )
        with torch.device("meta"):  # shapes only: skip weight initialisation
            return MODELS.create(spec)
    factory = load_object(spec)
    if isinstance(factory, torch.nn.Module):
        return factory
    if not callable(factory):
        raise ConfigError(f"{spec} is neither an nn.Module nor a callable that returns one")
    try:
        model = factory()
    except Exception as exc:  # noqa: BLE001 - the user's factory failed: report it in one line
        raise ProfileError(f"factory {spec} raised {type(exc).__name__}: {exc}") from None
    if not isinstance(model, torch.nn.Module):
        raise ProfileError(f"factory {spec} returned {type(model).__name__}, not an nn.Module")
    return model


def _num(n: int) -> str:
    return f"{n:,}"


def show_profile(name: str, prof: Profile, sram_kb: float | None, flash_kb: float | None) -> None:
    table = Table(title=f"{name} — input {prof.input_shapes}", show_lines=False)
    for col in ("layer", "op", "input", "output", "MACs", "other ops", "params", "act bytes"):
        table.add_column(col, justify="right" if col in ("MACs", "other ops", "params", "act bytes") else "left")
    for layer in prof.layers:
        ins = " ".join("x".join(map(str, s)) for s in layer.input_shapes)
        op = layer.op + (f" (uncounted: {','.join(layer.uncounted)})" if layer.uncounted else "")
        table.add_row(layer.name, op, ins, "x".join(map(str, layer.output_shape)), _num(layer.macs),
                      _num(layer.other_ops), _num(layer.params), _num(layer.activation_bytes))
    console.print(table)
    bpe = prof.bytes_per_element
    console.print(f"MACs {_num(prof.macs)} (FLOPs = 2 x MACs = {_num(prof.flops)}; conv, linear, "
                  "matmul and attention only, bias excluded)")
    console.print(f"other ops {_num(prof.other_ops)} (BN, activations, pooling, elementwise, bias)")
    console.print(f"params {_num(prof.params)} ({_num(prof.weight_bytes)} bytes at {bpe} B/element)")
    console.print(f"peak activation memory {_num(prof.peak_memory_bytes)} bytes at {bpe} B/element, "
                  f"at layer {prof.peak_layer}")
    if prof.uncounted:
        console.print(f"[yellow]uncounted operators: {prof.uncounted}[/yellow]")
    if sram_kb is not None:
        fits = prof.peak_memory_bytes <= sram_kb * 1024
        console.print(f"SRAM {sram_kb:g} kB: {'fits' if fits else 'does NOT fit'}")
    if flash_kb is not None:
        fits = prof.weight_bytes <= flash_kb * 1024
        console.print(f"flash {flash_kb:g} kB: {'fits' if fits else 'does NOT fit'}")


@app.command("profile")
def profile_cmd(
    model: str = typer.Argument(..., help="zoo name (e.g. mobilenet_v2) or package.module:factory"),
    input: str = typer.Option("1,3,224,224", "--input", help="input shape, comma-separated"),
    bytes_per_element: int = typer.Option(1, min=1, help="1 = int8 deployment, 4 = fp32"),
    fold_bn: bool = typer.Option(False, help="count BN as folded into the preceding conv"),
    inplace_depthwise: bool = typer.Option(False, help="depthwise convs overwrite their input"),
    sram_kb: float = typer.Option(None, min=0, help="say whether the peak activation fits this SRAM"),
    flash_kb: float = typer.Option(None, min=0, help="say whether the weights fit this flash"),
    json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Per-layer MACs, params, activations and peak activation memory of a model."""
    shape = parse_ints(input, "--input")
    prof = profile(build_model(model), shape, bytes_per_element=bytes_per_element,
                   fold_bn=fold_bn, inplace_depthwise=inplace_depthwise)
    if json:
        print_json(prof.to_dict())
    else:
        show_profile(model, prof, sram_kb, flash_kb)


def _short(n: int) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return str(n)


def _ratio(a: int, b: int) -> str:
    r = a / b
    verdict = f"{1 / r:.2f}x fewer" if r < 1 else f"{r:.2f}x more"
    return f"{_short(a)} / {_short(b)}: {verdict}"


def show_blocks(rows: list[Any], nasnet: dict[str, int]) -> None:
    table = Table(title="Efficient block vs dense baseline (profiled; peak activation in int8 bytes)")
    for col in ("comparison", "MACs", "conv weights", "peak activation"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.name, _ratio(r.block_macs, r.baseline_macs),
                      _ratio(r.block_params, r.baseline_params),
                      _ratio(r.block_peak_bytes, r.baseline_peak_bytes))
    console.print(table)
    for r in rows:
        console.print(f"  {r.name}: {r.block} vs {r.baseline}, input {'x'.join(map(str, r.input_shape))}")
    console.print(
        f"NASNet cell space (2*2*M*M*N)^B with M={nasnet['M']}, N={nasnet['N']}, B={nasnet['B']}: "
        f"{nasnet['size']:,} ({nasnet['size']:.3e})"
    )


@app.command("blocks")
def blocks_cmd(
    resolution: int = typer.Option(14, min=1, help="feature-map size for the per-pixel comparisons"),
    nasnet_ops: int = typer.Option(13, "--nasnet-m", min=1, help="M: candidate operations"),
    nasnet_combiners: int = typer.Option(2, "--nasnet-n", min=1, help="N: combine operations"),
    nasnet_blocks: int = typer.Option(5, "--nasnet-b", min=1, help="B: blocks per cell"),
    json: bool = typer.Option(False, "--json"),
) -> None:
    """The lecture's comparisons of efficient blocks, computed by the profiler."""
    from edgenas.blocks.compare import compare_blocks
    from edgenas.spaces.nasnet_size import nasnet_space_size

    rows = compare_blocks(resolution)
    nasnet = {"M": nasnet_ops, "N": nasnet_combiners, "B": nasnet_blocks,
              "size": nasnet_space_size(nasnet_ops, nasnet_combiners, nasnet_blocks)}
    if json:
        print_json({"comparisons": [r.to_dict() for r in rows], "nasnet": nasnet})
    else:
        show_blocks(rows, nasnet)
