"""A ViT searched under a latency budget against a hand-sized DeiT-like baseline, equal training.

    python benchmarks/vit_search.py [--budget-ms 1.5] [--train-size 10000] [--supernet-epochs 6]
        [--candidates 120] [--epochs 10] [--workdir runs/vit-bench]

1. A weight-entangled supernet of the default ``vit`` space is trained on the first
   ``--train-size`` Fashion-MNIST training images (``train_entangled``, checkpointed).
2. An evolution search (``create_experiment``: inherited validation accuracy from the supernet,
   latency measured on torch-cpu with one thread, constraint ``latency_ms <= --budget-ms``)
   evaluates ``--candidates`` ViTs; the best feasible one is kept.
3. The baseline is DeiT's recipe sized by hand: patch 4, the largest width, every layer with the
   most heads and MLP ratio 4, and the depth cut to the deepest that the same device measures
   within the budget.
4. Both are trained from scratch for ``--epochs`` with the same recipe (AdamW 1e-3, cosine,
   label smoothing) on the same images; printed: measured latency, MACs, test accuracy.
Every step's result is kept in ``--workdir``; a rerun continues.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import torch

from edgenas.data import load_dataset
from edgenas.estimate.train import TrainConfig, Trainer
from edgenas.experiment import create_experiment
from edgenas.hardware.devices import create_device
from edgenas.oneshot.entangled import EntangledConfig, SupernetEvaluator, train_entangled
from edgenas.profile import profile
from edgenas.spaces import ViTSpace
from edgenas.threads import torch_threads


def latency(device, space: ViTSpace, arch) -> float:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = space.build(arch)
    return min(device.measure(model, space.input_shape(arch)).median_ms for _ in range(3))


def baseline(space: ViTSpace, device, budget: float) -> tuple[dict, float]:
    """Uniform DeiT-like layers, the deepest within the budget."""
    for depth in sorted(space.depths, reverse=True):
        arch = space.validate(space.largest(min(space.patches)).replace(
            depth=depth, **{f"l{i}_mlp": 4.0 for i in range(space.max_depth)}))
        ms = latency(device, space, arch)
        print(f"baseline depth {depth}: {ms:.3f} ms", flush=True)
        if ms <= budget:
            return arch, ms
    raise SystemExit(f"no depth of the uniform ViT fits {budget} ms on this machine; raise --budget-ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-ms", type=float, default=1.5)
    parser.add_argument("--train-size", type=int, default=10000)
    parser.add_argument("--supernet-epochs", type=int, default=6)
    parser.add_argument("--candidates", type=int, default=120)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=Path("runs/vit-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    space = ViTSpace()
    data = load_dataset("fashion-mnist", resolution=space.resolution, seed=0)
    data = replace(data, x_train=data.x_train[:args.train_size], y_train=data.y_train[:args.train_size])
    checkpoint = args.workdir / "supernet.pt"
    with torch_threads(1):
        train_entangled(space, data, EntangledConfig(epochs=args.supernet_epochs), checkpoint,
                        lambda row: row.get("end_of_epoch") and print(f"supernet epoch {row['epoch']}: loss "
                                                                      f"{row['loss']:.4f}, largest "
                                                                      f"{row['largest_accuracy']:.2f}%", flush=True))
        exp = create_experiment(name="vit", space=space, evaluator=SupernetEvaluator(space, checkpoint),
                                costs=["device:torch-cpu"], constraints=[f"latency_ms<={args.budget_ms}"],
                                objective="accuracy", strategy="evolution", seed=0,
                                storage=f"sqlite:///{args.workdir}/search.db")
        result = exp.run(args.candidates)
        exp.close()
        found = space.parse(result.best.arch)  # stored as JSON
        device = create_device("torch-cpu", threads=1)
        base, base_ms = baseline(space, device, args.budget_ms)
        rows = {}
        for name, arch in (("searched", found), ("deit-like", base)):
            out = args.workdir / f"{name}.json"
            if out.exists():
                rows[name] = json.loads(out.read_text())
                continue
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                model = space.build(arch, num_classes=data.num_classes)
            trained = Trainer(TrainConfig(epochs=args.epochs, optimizer="adamw", lr=1e-3, weight_decay=0.05)).fit(
                model, data, progress=lambda e, t, r, n=name: print(f"{n} epoch {e}/{t}: val "
                                                                      f"{100 * r['val_accuracy']:.2f}%", flush=True))
            with torch.device("meta"):
                macs = profile(space.build(arch, num_classes=data.num_classes), space.input_shape(arch)).macs
            rows[name] = {"arch": arch.to_json(), "latency_ms": latency(device, space, arch), "macs": macs,
                          "test_accuracy": 100 * trained.test_accuracy, "val_accuracy": 100 * trained.val_accuracy}
            out.write_text(json.dumps(rows[name]))
    print("\n| network | latency (ms, torch-cpu 1 thread) | MACs (M) | test accuracy | arch |\n|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['latency_ms']:.3f} | {r['macs'] / 1e6:.2f} | {r['test_accuracy']:.2f} | {r['arch']} |")


if __name__ == "__main__":
    main()
