"""How the supernet is trained: progressive shrinking variants and the joint ablation, by mean
inherited accuracy (after BN recalibration) of a fixed set of sub-networks.

    python benchmarks/ofa_schedules.py --setting fashion   # the choice of defaults
    python benchmarks/ofa_schedules.py --setting digits    # the held-out check

``fashion``: `SMALL_IMAGES` on 5,000 Fashion-MNIST training images, 6 epochs (full 2, then one
per elastic phase), 6 sub-networks (smallest, largest, 4 random), validation accuracy.
``digits``: another stage configuration (two stages, 12/16 px) on digits, 18 epochs,
10 sub-networks, test accuracy; it was not used to choose anything.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import torch

from edgenas.data import load_dataset
from edgenas.oneshot import largest, sample_subnet, smallest
from edgenas.oneshot.progressive import SMALL_IMAGES, OFAConfig, subnet_accuracy, train_supernet
from edgenas.spaces import MBConvSpace

# Each variant names every setting it depends on, so rows recorded under earlier defaults
# reproduce: OFA's frozen teacher at elastic-phase rate 0.02 was the default until 2026-12-03.
OFA = {"teacher": "full", "shrink_lr": 0.02}
INPLACE = {"sandwich": True, "teacher": "inplace"}
VARIANTS = {
    "fashion": {"ps": OFA | {"sandwich": False}, "ps_sandwich": OFA | {"sandwich": True},
                "joint": OFA | {"schedule": "joint", "sandwich": False},
                "ps_sandwich_nokd": OFA | {"sandwich": True, "kd_weight": 0.0},
                "ps_nokd": OFA | {"sandwich": False, "kd_weight": 0.0},
                "ps_sandwich_lr05": OFA | {"sandwich": True, "shrink_lr": 0.05},
                "ps_inplace": INPLACE | {"shrink_lr": 0.02},
                "ps_inplace_lr05": INPLACE | {"shrink_lr": 0.05},
                "ps_inplace_lr10": INPLACE | {"shrink_lr": 0.1},
                "ps_inplace_lr20": INPLACE | {"shrink_lr": 0.2},
                "ps_inplace_global": INPLACE | {"lr_schedule": "global"},
                "ps_inplace_global10": INPLACE | {"lr_schedule": "global", "lr": 0.1},
                "ps_inplace_kernel2": INPLACE | {"shrink_lr": 0.05, "subnets": (1, 2, 2, 4, 4)}},
    "digits": {"ps_sandwich": OFA | {"sandwich": True}, "ps_uniform": OFA | {"sandwich": False},
               "joint_sandwich": OFA | {"schedule": "joint", "sandwich": True},
               "ps_inplace_lr05": INPLACE | {"shrink_lr": 0.05},
               "joint_sandwich_lr05": {"schedule": "joint", "sandwich": True, "shrink_lr": 0.05},
               "ps_inplace_global10": INPLACE | {"lr_schedule": "global", "lr": 0.1},
               "joint_sandwich_global10": {"schedule": "joint", "sandwich": True, "lr_schedule": "global", "lr": 0.1},
               "ps_inplace_kernel2": INPLACE | {"shrink_lr": 0.05, "subnets": (1, 2, 2, 4, 4)}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setting", choices=sorted(VARIANTS), default="fashion")
    parser.add_argument("--variants", default="", help="comma-separated subset of the setting's variants")
    args = parser.parse_args()
    chosen = args.variants.split(",") if args.variants else list(VARIANTS[args.setting])
    unknown = sorted(set(chosen) - set(VARIANTS[args.setting]))
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; choose from {sorted(VARIANTS[args.setting])}")
    if args.setting == "fashion":
        torch.set_num_threads(2)
        space = MBConvSpace(**SMALL_IMAGES)
        data = load_dataset("fashion-mnist", resolution=28, seed=0)
        data = replace(data, x_train=data.x_train[:5000], y_train=data.y_train[:5000])
        epochs = dict(full_epochs=2, kernel_epochs=1, depth_epochs=1, expand_epochs=1, width_epochs=1)
        n_random, split, kwargs = 4, "val", {"limit": 2000}
    else:
        torch.set_num_threads(1)
        space = MBConvSpace(depths=[1, 2, 3], kernels=[3, 5, 7], expands=[3, 4, 6], widths=[0.75, 1.0],
                            resolutions=[12, 16], stages=[[16, 2], [32, 2]], head_channels=128)
        data = load_dataset("digits", resolution=16, seed=0)
        epochs = dict(full_epochs=6, kernel_epochs=3, depth_epochs=3, expand_epochs=3, width_epochs=3, batch_size=64)
        n_random, split, kwargs = 8, "test", {"bn_images": 500}
    rng = np.random.default_rng(0)
    archs = [smallest(space), largest(space)] + [sample_subnet(space, rng) for _ in range(n_random)]
    for name in chosen:
        extra = VARIANTS[args.setting][name]
        begin = time.perf_counter()
        net, _ = train_supernet(space, data, OFAConfig(**epochs, **extra))
        accs = [subnet_accuracy(net, a, data, split=split, **kwargs) for a in archs]
        print(f"{name:18s} {time.perf_counter() - begin:5.0f} s  mean {np.mean(accs):.2f}  "
              f"{[round(a, 1) for a in accs]}", flush=True)


if __name__ == "__main__":
    main()
