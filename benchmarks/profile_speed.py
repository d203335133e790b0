"""Time to profile each zoo model, side by side with the anchors, in one run.

    python benchmarks/profile_speed.py [--repeats 5] [--threads 1] [--models a,b]

For every zoo model at 1x3x224x224 it times (minimum over ``--repeats`` calls):
one plain eval/no_grad forward pass; ``edgenas.profile`` on the real model and on the same
model built on the meta device (what a search loop does); ``torch.utils.flop_counter``;
and fvcore / torchprofile / thop / ptflops when installed (``pip install -e .[bench]``).
It prints each tool's MAC count next to ours (FlopCounterMode FLOPs / 2) and every time as a
ratio to the plain forward pass. The first edgenas call of a process also pays PyTorch's
one-off meta-kernel imports; that cold time is printed separately.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import warnings
from collections.abc import Callable

import torch

import edgenas
from edgenas.zoo import create_model, list_models

warnings.filterwarnings("ignore")


def best_time(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    result, best = None, float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def anchors(model: torch.nn.Module, x: torch.Tensor) -> dict[str, Callable[[], float]]:
    tools: dict[str, Callable[[], float]] = {}

    def flop_counter() -> float:
        from torch.utils.flop_counter import FlopCounterMode

        mode = FlopCounterMode(display=False)
        with mode:
            model(x)
        return mode.get_total_flops() / 2

    tools["FlopCounterMode"] = flop_counter
    try:
        from fvcore.nn import FlopCountAnalysis

        tools["fvcore"] = lambda: FlopCountAnalysis(model, x).unsupported_ops_warnings(False).total()
    except ImportError:
        pass
    try:
        from torchprofile import profile_macs

        tools["torchprofile"] = lambda: profile_macs(model, x)
    except ImportError:
        pass
    try:
        import thop

        tools["thop"] = lambda: thop.profile(model, inputs=(x,), verbose=False)[0]
    except ImportError:
        pass
    try:
        from ptflops import get_model_complexity_info

        def ptflops_aten() -> float:
            return get_model_complexity_info(
                model, tuple(x.shape[1:]), as_strings=False, backend="aten",
                print_per_layer_stat=False, verbose=False,
            )[0]

        tools["ptflops-aten"] = ptflops_aten
    except ImportError:
        pass
    return tools


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", default=",".join(list_models()))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    with torch.device("meta"):
        warm = create_model("deit_tiny")
    start = time.perf_counter()
    edgenas.profile(warm, (1, 3, 224, 224))
    print(f"edgenas cold first call (one-off per process): {time.perf_counter() - start:.3f} s\n")

    header = "| model | forward | edgenas (real model) | edgenas (meta-built) |"
    rows = []
    names = args.models.split(",")
    tool_names: list[str] = []
    for name in names:
        model = create_model(name).eval()
        with torch.device("meta"):
            meta_model = create_model(name).eval()
        x = torch.randn(1, 3, 224, 224)
        with torch.no_grad():
            forward, _ = best_time(lambda m=model, x=x: m(x), args.repeats)
        ours, prof = best_time(lambda m=model, x=x: edgenas.profile(m, x), args.repeats)
        ours_meta, _ = best_time(lambda m=meta_model, x=x: edgenas.profile(m, x), args.repeats)
        cells = [
            f"{forward * 1e3:.1f} ms",
            f"{ours * 1e3:.1f} ms ({ours / forward:.2f}x fwd)",
            f"{ours_meta * 1e3:.1f} ms ({ours_meta / forward:.2f}x fwd)",
        ]
        counts = [f"edgenas {prof.macs:,}"]
        for tool, fn in anchors(model, x).items():
            if tool not in tool_names:
                tool_names.append(tool)
                header += f" {tool} |"
            try:
                seconds, macs = best_time(fn, args.repeats)
            except Exception as exc:  # noqa: BLE001 - an anchor failing is a result too
                cells.append(f"failed ({type(exc).__name__})")
                counts.append(f"{tool} failed")
                continue
            cells.append(f"{seconds * 1e3:.1f} ms ({seconds / ours:.1f}x ours)")
            counts.append(f"{tool} {int(macs):,}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
        print(f"{name}: MACs " + "; ".join(counts))
    print()
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
