"""Auto-DeepLab on composed scenes: the searched path, retrained, against two fixed paths.

    python benchmarks/autodeeplab_paths.py [--dataset scenes:fashion-mnist] [--layers 8]
        [--resolution 64] [--search-epochs 8] [--search-train 1024] [--epochs 10] [--seeds 0,1]
        [--paths searched,stay8,deeplab] [--workdir runs/adl-bench]

The search (``cell_search`` with ``method="autodeeplab"``, F = ``--channels``, architecture
frozen for the first half of the epochs) runs on the first ``--search-train`` training scenes
and is checkpointed in ``--workdir``. Then three paths share the searched cell and are trained
from scratch for the same ``--epochs`` on all training scenes (F = ``--train-channels``):

* ``searched`` -- the Viterbi path of the search's betas;
* ``stay8`` -- rate 8 at every layer;
* ``deeplab`` -- DeepLab-like: 4, 8, then 16 to the end.

Printed per path: the rates, MACs and parameters of the built network (exact, profiled),
validation and test mIoU and pixel accuracy (mean over ``--seeds``), training seconds. Every
trained result is kept in ``--workdir`` (one file per path and seed, so two invocations with
different ``--paths`` may run side by side); a rerun only prints.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from edgenas.data import load_dataset
from edgenas.estimate.train import TrainConfig, Trainer
from edgenas.oneshot.darts import DartsConfig, cell_search
from edgenas.profile import profile
from edgenas.spaces import AutoDeepLabSpace
from edgenas.spaces.autodeeplab import RATES
from edgenas.threads import torch_threads


def search(args: argparse.Namespace, space: AutoDeepLabSpace, data) -> tuple[str, float]:
    """The searched architecture's string and the search's wall seconds (cached)."""
    out = args.workdir / "search.json"
    if out.exists():
        saved = json.loads(out.read_text())
        return saved["arch"], saved["seconds"]
    small = replace(data, x_train=data.x_train[:args.search_train], y_train=data.y_train[:args.search_train])
    config = DartsConfig(method="autodeeplab", epochs=args.search_epochs, batch_size=args.batch_size,
                         channels=args.channels, seed=args.search_seed)
    begin = time.perf_counter()

    def show(row: dict) -> None:
        if row.get("end_of_epoch"):
            print(f"search epoch {row['epoch']}: loss {row['loss']:.4f} arch loss {row['arch_loss']:.4f} "
                  f"{space.format(space.parse(row['arch']))} ({time.perf_counter() - begin:.0f} s)", flush=True)

    arch, _, history = cell_search(space, small, config, args.workdir / "search.pt", show)
    seconds = time.perf_counter() - begin  # of this invocation: a resumed search reports less
    out.write_text(json.dumps({"arch": space.format(arch), "seconds": seconds, "history": history}))
    return space.format(arch), seconds


def paths(space: AutoDeepLabSpace, searched: str) -> dict[str, str]:
    cell = searched.split("@")[1]
    n = space.num_layers
    stay8 = ",".join(["8"] * n)
    deeplab = ",".join(str(RATES[min(i, 2)]) for i in range(n))
    return {"searched": searched, "stay8": f"{stay8}@{cell}", "deeplab": f"{deeplab}@{cell}"}


def train(args: argparse.Namespace, space: AutoDeepLabSpace, data, name: str, arch_text: str, seed: int) -> dict:
    out = args.workdir / f"{name}-seed{seed}.json"
    if out.exists():
        saved = json.loads(out.read_text())
        if saved["arch"] == arch_text and saved["epochs"] == args.epochs:
            return saved
    arch = space.parse(arch_text)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = space.build(arch, num_classes=data.num_classes, channels=args.train_channels)
    result = Trainer(TrainConfig(epochs=args.epochs, batch_size=64, seed=seed)).fit(
        model, data, progress=lambda e, t, row: print(f"{name} seed {seed} epoch {e}/{t}: loss {row['loss']:.4f} "
                                                      f"val mIoU {100 * row['val_miou']:.2f}", flush=True))
    with torch.device("meta"):
        meta = space.build(arch, num_classes=data.num_classes, channels=args.train_channels)
    cost = profile(meta, space.input_shape(arch))
    row = {"arch": arch_text, "epochs": args.epochs, "seed": seed, "macs": cost.macs, "params": cost.params,
           "val_miou": 100 * result.val_miou, "test_miou": 100 * result.test_miou,
           "test_pixel_accuracy": 100 * result.test_accuracy, "seconds": result.seconds}
    out.write_text(json.dumps(row))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="scenes:fashion-mnist")
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--channels", type=int, default=8, help="F of the search")
    parser.add_argument("--train-channels", type=int, default=16, help="F of the retrained networks")
    parser.add_argument("--search-epochs", type=int, default=8)
    parser.add_argument("--search-train", type=int, default=1024)
    parser.add_argument("--search-seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=32, help="of the search")
    parser.add_argument("--epochs", type=int, default=10, help="retraining epochs, the same for every path")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--paths", default="searched,stay8,deeplab")
    parser.add_argument("--workdir", type=Path, default=Path("runs/adl-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    space = AutoDeepLabSpace(layers=args.layers, resolution=args.resolution)
    data = load_dataset(args.dataset, resolution=args.resolution, seed=0)
    print(f"{args.dataset}: {len(data.x_train)} training, {len(data.x_val)} validation, {len(data.x_test)} test "
          f"scenes of {args.resolution} px, {data.num_classes} classes", flush=True)
    with torch_threads(1):
        searched, seconds = search(args, space, data)
        print(f"searched: {searched} ({seconds:.0f} s of search in this invocation)", flush=True)
        candidates = paths(space, searched)
        rows = {name: [train(args, space, data, name, candidates[name], int(s)) for s in args.seeds.split(",")]
                for name in args.paths.split(",")}
    print("\n| path | rates | MACs (M) | params (K) | val mIoU | test mIoU | test pixel acc. | train s |\n"
          "|---|---|---|---|---|---|---|---|")
    for name, runs in rows.items():
        mean = {k: float(np.mean([r[k] for r in runs])) for k in ("val_miou", "test_miou", "test_pixel_accuracy",
                                                                  "seconds")}
        std = float(np.std([r["test_miou"] for r in runs]))
        print(f"| {name} | {runs[0]['arch'].split('@')[0]} | {runs[0]['macs'] / 1e6:.2f} | "
              f"{runs[0]['params'] / 1e3:.1f} | {mean['val_miou']:.2f} | {mean['test_miou']:.2f} ± {std:.2f} | "
              f"{mean['test_pixel_accuracy']:.2f} | {mean['seconds']:.0f} |")


if __name__ == "__main__":
    main()
