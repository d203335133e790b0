"""Once-for-All weight sharing on Fashion-MNIST: inherited vs stand-alone accuracy, and
progressive shrinking vs joint training (the paper's ablation).

    python benchmarks/ofa_weight_sharing.py [--train-size 5000] [--subnets 10] [--phase-epochs 3,2,2,2,1] [--epoch-scale 1]
        [--space-config JSON] [--alone-seeds 2] [--workdir runs/ofa-bench]
    (optionally beside it: python benchmarks/ofa_weight_sharing.py --worker, each with --threads 1)

Trains two supernets over `edgenas.oneshot.SMALL_IMAGES` (or ``--space-config``) for the same
total epochs, one by progressive shrinking, one sampling every sub-network jointly from the start
(``--schedules`` trains one of them only). Then for
``--subnets`` sub-networks (smallest, largest, random) it reports the test accuracy inherited
from each supernet after BN recalibration only, and the accuracy of the same network trained
alone for the same number of epochs with ``--alone-seeds`` seeds (two by default; raising it on
a finished workdir trains only the new seeds). Prints the mean gap, Kendall tau against the
stand-alone mean, and the seeds' own tau (seed against seed, the mean over pairs: the ceiling).
Every finished piece is stored in the workdir, and every network in training checkpoints each
epoch, so a rerun continues where the killed one stopped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from edgenas.cli._common import parse_json_object
from edgenas.data import load_dataset
from edgenas.errors import ConfigError
from edgenas.estimate.train import TrainConfig, Trainer
from edgenas.oneshot import largest, resize, sample_subnet, smallest
from edgenas.oneshot.progressive import SMALL_IMAGES, OFAConfig, phases, subnet_accuracy, train_supernet
from edgenas.spaces import Arch, MBConvSpace


def standalone(space: MBConvSpace, arch: Arch, data, epochs: int, seed: int, batch: int, checkpoint: Path) -> float:
    """Train one sub-network from scratch; a checkpoint after every epoch lets a killed run go on."""
    r = int(arch["resolution"])
    sized = replace(data, x_train=resize(data.x_train, r), x_val=resize(data.x_val, r), x_test=resize(data.x_test, r))
    torch.manual_seed(seed)
    model = space.build(arch, num_classes=data.num_classes)
    result = Trainer(TrainConfig(epochs=epochs, batch_size=batch, lr=0.05, weight_decay=3e-5, seed=seed), checkpoint).fit(model, sized)
    return 100.0 * result.test_accuracy


def _alive(claim: Path) -> bool:
    """Whether the process that claimed a network still runs (a killed run leaves its claims)."""
    try:
        os.kill(int(claim.read_text()), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # alive, under another user
        pass
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion-mnist")
    parser.add_argument("--train-size", type=int, default=5000)
    parser.add_argument("--subnets", type=int, default=10)
    parser.add_argument("--workdir", default="runs/ofa-bench")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--space-config", default=json.dumps(SMALL_IMAGES),
                        help="the elastic mbconv space as JSON (default: edgenas.oneshot SMALL_IMAGES)")
    parser.add_argument("--phase-epochs", default="3,2,2,2,1",
                        help="epochs of the full, kernel, depth, expand and width phases (their sum: the stand-alone epochs)")
    parser.add_argument("--epoch-scale", type=int, default=1,
                        help="multiply every phase's epochs and the stand-alone epochs by this")
    parser.add_argument("--schedules", default="progressive,joint",
                        help="the supernets to train and compare (progressive, joint or both)")
    parser.add_argument("--lr-schedule", default=OFAConfig.lr_schedule, choices=("phase", "global"),
                        help="one cosine per phase (OFA) or one over all phases")
    parser.add_argument("--sort-width", action="store_true",
                        help="reorder the width-cut channels by importance before the width phase")
    parser.add_argument("--alone-seeds", type=int, default=2,
                        help="seeds of every stand-alone network (the reference ranking is their mean)")
    parser.add_argument("--worker", action="store_true",
                        help="only train stand-alone networks nobody has claimed (run beside the main process)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    try:
        space = MBConvSpace(**parse_json_object(args.space_config, "--space-config"))
    except (ConfigError, TypeError) as exc:
        parser.error(str(exc))
    per_phase = args.phase_epochs.split(",")
    if len(per_phase) != 5 or not all(e.isdigit() for e in per_phase):
        parser.error(f"--phase-epochs needs 5 whole numbers (full,kernel,depth,expand,width), got {args.phase_epochs!r}")
    full, kernel, depth, expand, width = (args.epoch_scale * int(e) for e in per_phase)
    config = OFAConfig(full_epochs=full, kernel_epochs=kernel, depth_epochs=depth, expand_epochs=expand,
                       width_epochs=width, lr_schedule=args.lr_schedule, sort_width=args.sort_width,
                       seed=args.seed)
    if args.alone_seeds < 2:
        parser.error(f"--alone-seeds needs at least 2 (the ceiling is seed against seed), got {args.alone_seeds}")
    seeds = range(args.alone_seeds)
    schedules = args.schedules.split(",")
    if not schedules or not set(schedules) <= {"progressive", "joint"}:
        parser.error(f"--schedules takes progressive, joint or both, got {args.schedules!r}")
    data = load_dataset(args.dataset, resolution=max(space.resolutions), seed=args.seed)
    data = replace(data, x_train=data.x_train[: args.train_size], y_train=data.y_train[: args.train_size])
    phase_epochs = [p.epochs for p in phases(space, config)]
    epochs = sum(phase_epochs)
    setting = json.loads(json.dumps({"space": space.get_params(), "epochs": epochs, "phase_epochs": phase_epochs,
                                     "lr_schedule": config.lr_schedule,
                                     "sort_width": config.sort_width, "dataset": args.dataset,
                                     "train_size": args.train_size, "seed": args.seed}))  # as it reads back
    setting_path = work / "setting.json"
    if setting_path.exists() and {"sort_width": False} | json.loads(setting_path.read_text()) != setting:
        raise SystemExit(f"{work} holds a run of another setting ({setting_path}); use another --workdir")
    setting_path.write_text(json.dumps(setting, indent=1))
    results_path = work / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}

    def save() -> None:
        results_path.write_text(json.dumps(results, indent=1))

    rng = np.random.default_rng(args.seed)
    archs = [smallest(space), largest(space)] + [sample_subnet(space, rng) for _ in range(args.subnets - 2)]
    rows = results.setdefault("subnets", {})
    for schedule in schedules if not args.worker else ():
        measured = schedule in results.get("train_seconds", {})
        if not (measured and all(schedule in rows.get(a.to_json(), {}) for a in archs)):  # else no supernet needed
            begin = time.perf_counter()
            net, history = train_supernet(space, data, replace(config, schedule=schedule),
                                          checkpoint=work / f"{schedule}.pt")
            results.setdefault("train_seconds", {}).setdefault(schedule, time.perf_counter() - begin)
            print(f"{schedule}: {epochs} epochs, last phase {history[-1]}", flush=True)
            for arch in archs:  # inherited accuracies now: they need no stand-alone network
                row = rows.setdefault(arch.to_json(), {})
                if schedule not in row:
                    row[schedule] = subnet_accuracy(net, arch, data, bn_images=2000, split="test")
                    save()
        print(f"{schedule}: inherited mean {np.mean([rows[a.to_json()][schedule] for a in archs]):.2f}%", flush=True)
    alone_dir = work / "alone"
    alone_dir.mkdir(exist_ok=True)

    def alone(i: int, seed: int) -> float | None:
        """The stand-alone accuracy of network i (trained here unless another process claimed it)."""
        done, claim = alone_dir / f"{i}-{seed}.json", alone_dir / f"{i}-{seed}.claim"
        if done.exists():
            return json.loads(done.read_text())
        try:
            with claim.open("x") as f:
                f.write(str(os.getpid()))
        except FileExistsError:
            if _alive(claim):
                return None
            claim.write_text(str(os.getpid()))  # its process was killed: take the network over
        partial = alone_dir / f"{i}-{seed}.pt"
        value = standalone(space, archs[i], data, epochs, seed, config.batch_size, partial)
        done.write_text(json.dumps(value))
        partial.unlink()
        return value

    # the costliest first (training time follows the activations), so two processes end together
    order = sorted(range(len(archs)), key=lambda i: -space.structure_features(archs[i])[3])
    for i in order:
        for seed in seeds:
            alone(i, seed)
    if args.worker:
        return
    while not all((alone_dir / f"{i}-{s}.json").exists() for i in order for s in seeds):
        time.sleep(10)  # the worker's last networks
    for i, arch in enumerate(archs):
        row = rows[arch.to_json()]
        for seed in seeds:
            row[f"alone{seed}"] = json.loads((alone_dir / f"{i}-{seed}.json").read_text())
        print(f"{arch.to_json()}: {row}", flush=True)
        save()
    table = np.array([[rows[a.to_json()][k] for k in (*schedules, *(f"alone{s}" for s in seeds))] for a in archs])
    by_seed = table[:, len(schedules):]
    alone = by_seed.mean(1)
    ceiling = np.mean([stats.kendalltau(by_seed[:, a], by_seed[:, b]).statistic
                       for a, b in itertools.combinations(seeds, 2)])
    print(f"\n{len(archs)} sub-networks, {epochs} epochs, {args.train_size} training images of {args.dataset}")
    print(f"stand-alone mean accuracy: {alone.mean():.2f}% over {len(seeds)} seeds  (seed vs seed Kendall tau "
          f"{ceiling:.3f}, mean over pairs)")
    for i, schedule in enumerate(schedules):
        tau = stats.kendalltau(table[:, i], alone).statistic
        print(f"{schedule:12s} inherited mean {table[:, i].mean():.2f}%  gap to stand-alone {alone.mean() - table[:, i].mean():+.2f}"
              f"  Kendall tau vs stand-alone {tau:.3f}  train {results['train_seconds'][schedule]:.0f} s")
    if schedules == ["progressive", "joint"]:
        ahead = table[:, 0] - table[:, 1]
        print(f"progressive - joint: {ahead.mean():+.2f} points, ahead on {int((ahead > 0).sum())} of {len(archs)}")


if __name__ == "__main__":
    main()
