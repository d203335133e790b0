"""The specialisation finder against the `ofa` package's EvolutionFinder, side by side.

    python benchmarks/ofa_finder.py [--ofa-path runs/ofa-pkg] [--repeats 3]

Both finders maximise the same function under the same constraint, with the reference's
settings (population 100, 500 generations, parents 25%, mutation 50%, mutate prob 0.1,
resolution mutate prob 0.5):

* the predictor is the reference `AccuracyPredictor` (3 hidden layers x 400, ReLU, output
  without bias plus ``base_acc``) with seeded random weights, fed the reference encoding
  (`MobileNetArchEncoder.arch2feature`); edgenas's finder calls the same network on the same
  features, built for the whole population at once;
* the constraint is MACs from edgenas's exact layer table (`layer_profile_costs`), called per
  sample by the reference finder (through a dict adapter) and on whole arrays by edgenas's.

The space is `edgenas.oneshot.SMALL_IMAGES` at one width (the reference encoder has none).
The `ofa` wheel is installed into ``--ofa-path`` only (``pip install --no-deps --target``, plus
tqdm); its three modules the finder needs are loaded from there without the package's
torchvision-dependent training code.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch

from edgenas.oneshot.finder import ChoiceCodec, Constraint, EvolutionFinder, LayerCost, layer_profile_costs
from edgenas.oneshot.progressive import SMALL_IMAGES
from edgenas.spaces import MBConvSpace


def load_reference(path: Path) -> types.SimpleNamespace:
    """The installed `ofa` modules. torchvision does not import beside this torch: a stub stands in
    for it (the finder, encoder, predictor and FLOPs model never call it; the data loaders do)."""
    if not (path / "ofa").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(path), "ofa",
                        "tqdm"], check=True)
    sys.path.insert(0, str(path))

    class Stub(types.ModuleType):
        def __getattr__(self, name: str) -> type:
            if name.startswith("__"):
                raise AttributeError(name)
            return type(name, (), {"__init__": lambda self, *a, **k: None})

    for name in ("torchvision", "torchvision.transforms", "torchvision.transforms.functional", "torchvision.datasets",
                 "torchvision.models"):
        sys.modules.setdefault(name, Stub(name))
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, sys.modules[name])
    from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3
    from ofa.nas.accuracy_predictor import AccuracyPredictor, MobileNetArchEncoder
    from ofa.nas.efficiency_predictor import Mbv3FLOPsModel
    from ofa.nas.search_algorithm import EvolutionFinder as RefFinder

    return types.SimpleNamespace(OFAMobileNetV3=OFAMobileNetV3, AccuracyPredictor=AccuracyPredictor,
                                 MobileNetArchEncoder=MobileNetArchEncoder, Mbv3FLOPsModel=Mbv3FLOPsModel,
                                 EvolutionFinder=RefFinder)


class Setup:
    """One space, the reference predictor on the reference encoding, and one constraint cost."""

    def __init__(self, ref: types.SimpleNamespace, space: MBConvSpace, cost: LayerCost, efficiency: object) -> None:
        self.space, self.cost, self.efficiency = space, cost, efficiency
        self.codec = codec = ChoiceCodec(space)
        self.encoder = ref.MobileNetArchEncoder(image_size_list=list(space.resolutions), ks_list=list(space.kernels),
                                                expand_list=list(space.expands), depth_list=list(space.depths),
                                                n_stage=len(space.stages))
        torch.manual_seed(0)
        self.predictor = ref.AccuracyPredictor(self.encoder, hidden_size=400, n_layers=3, device="cpu")
        with torch.no_grad():
            self.predictor.base_acc.fill_(80.0)
        self.predictor.eval()
        rng = np.random.default_rng(0)
        rows = codec.sample(rng, 200)
        for row, feat in zip(rows, self.features(rows)):  # same encoding, same constraint values
            sample = self.to_dict(row)
            assert np.array_equal(self.encoder.arch2feature(sample), feat)
            want, got = efficiency.get_efficiency(sample), float(cost(row[None])[0])
            assert abs(want - got) <= 1e-6 * abs(want), (want, got)

    def to_dict(self, row: np.ndarray) -> dict:
        sp, c = self.space, self.codec
        return {"image_size": sp.resolutions[row[c.column["resolution"]]],
                "d": [sp.depths[row[c.column[f"s{s}_depth"]]] for s in range(len(sp.stages))],
                "ks": [sp.kernels[row[kc]] for kc, *_ in c.blocks], "e": [sp.expands[row[ec]] for _, ec, *_ in c.blocks]}

    def features(self, rows: np.ndarray) -> np.ndarray:
        """The reference encoding of rows, for the whole population at once."""
        c, sp = self.codec, self.space
        n_res, n_blocks, nk, ne = len(sp.resolutions), len(c.blocks), len(sp.kernels), len(sp.expands)
        out = np.zeros((len(rows), self.encoder.n_dim), dtype=np.float32)
        out[np.arange(len(rows)), rows[:, c.column["resolution"]]] = 1
        active = c.active(rows)
        for j, (kc, ec, _, _) in enumerate(c.blocks):
            on = np.where(active[:, j])[0]
            out[on, n_res + j * nk + rows[on, kc]] = 1
            out[on, n_res + n_blocks * nk + j * ne + rows[on, ec]] = 1
        return out

    def predict(self, rows: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return self.predictor(torch.from_numpy(self.features(rows))).numpy().astype(np.float64)

    def compare(self, ref: types.SimpleNamespace, limit: float, repeats: int, label: str) -> None:
        ref_times, our_times, ref_best, our_best = [], [], [], []
        for seed in range(repeats):
            random.seed(seed)
            np.random.seed(seed)
            finder = ref.EvolutionFinder(self.efficiency, self.predictor, population_size=100, max_time_budget=500,
                                         parent_ratio=0.25, mutation_ratio=0.5, arch_mutate_prob=0.1,
                                         resolution_mutate_prob=0.5)
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):  # it prints every 100 generations
                _, (acc, _, eff) = finder.run_evolution_search(limit, verbose=False)
            ref_times.append(time.perf_counter() - start)
            assert eff <= limit
            ref_best.append(float(acc))
            ours = EvolutionFinder(self.space, self.predict, [Constraint(self.cost, limit, "cost")], population=100,
                                   generations=500, parent_ratio=0.25, mutation_ratio=0.5, mutate_prob=0.1,
                                   resolution_mutate_prob=0.5, seed=seed)
            start = time.perf_counter()
            result = ours.run()
            our_times.append(time.perf_counter() - start)
            assert result.costs["cost"] <= limit
            our_best.append(result.predicted)
        rt, ot = np.median(ref_times), np.median(our_times)
        print(f"{label:34s} | {rt:7.2f} s, pred {np.mean(ref_best):.3f} | {ot:6.3f} s, pred {np.mean(our_best):.3f} "
              f"| {rt / ot:6.1f}x", flush=True)


def mbv3_setup(ref: types.SimpleNamespace) -> Setup:
    """The reference's own MobileNetV3 space and FLOPs model; edgenas's finder gets the same
    FLOPs as an exact layer table, read from the reference model block by block."""
    net = ref.OFAMobileNetV3(n_classes=1000, dropout_rate=0, width_mult=1.0, ks_list=[3, 5, 7],
                             expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    flops_model = ref.Mbv3FLOPsModel(net)
    resolutions = tuple(range(128, 225, 4))
    stages = ((24, 2), (40, 2), (80, 2), (112, 1), (160, 2))  # channels unused: the cost table is the reference's
    space = MBConvSpace(depths=(2, 3, 4), kernels=(3, 5, 7), expands=(3, 4, 6), widths=(1.0,), resolutions=resolutions,
                        stages=stages)
    codec = ChoiceCodec(space)
    n_stage, max_d, min_d = 5, 4, 2

    def flops(r: int, ks: list, e: list, d: list) -> float:
        return flops_model.get_efficiency({"ks": ks, "e": e, "d": d, "image_size": r})

    fixed = np.zeros((1, len(resolutions)))
    blocks = np.zeros((1, len(resolutions), n_stage * max_d, 3, 3))
    for ri, r in enumerate(resolutions):
        base_k, base_e, full = [3] * 20, [3] * 20, [max_d] * n_stage
        base = flops(r, base_k, base_e, full)
        own = np.zeros(n_stage * max_d)  # a block's own FLOPs at (k3, e3), for blocks depth can drop
        for s in range(n_stage):
            for b in range(min_d, max_d):
                shorter = [max_d] * n_stage
                shorter[s] = b
                longer = list(shorter)
                longer[s] = b + 1
                own[s * max_d + b] = flops(r, base_k, base_e, longer) - flops(r, base_k, base_e, shorter)
        fixed[0, ri] = base - own.sum()
        for j in range(n_stage * max_d):
            for ki, k in enumerate((3, 5, 7)):
                for ei, ex in enumerate((3, 4, 6)):
                    ks, es = list(base_k), list(base_e)
                    ks[j], es[j] = k, ex
                    blocks[0, ri, j, ki, ei] = flops(r, ks, es, full) - base + own[j]
    return Setup(ref, space, LayerCost("flops", fixed, blocks, "sum", codec), flops_model)


def small_setup(ref: types.SimpleNamespace) -> Setup:
    """edgenas's small-image space; the reference finder gets edgenas's MACs table one sample
    at a time (its fastest possible per-sample cost)."""
    space = MBConvSpace(**(SMALL_IMAGES | {"widths": [1.0]}))
    macs = layer_profile_costs(space, num_classes=10)["macs"]
    codec = ChoiceCodec(space)

    class Efficiency:
        def get_efficiency(self, sample: dict) -> float:
            row = np.zeros(len(codec.keys), dtype=np.int64)
            row[codec.column["resolution"]] = space.resolutions.index(sample["image_size"])
            for s, d in enumerate(sample["d"]):
                row[codec.column[f"s{s}_depth"]] = space.depths.index(d)
            for j, (kc, ec, _, _) in enumerate(codec.blocks):
                row[kc], row[ec] = space.kernels.index(sample["ks"][j]), space.expands.index(sample["e"][j])
            return float(macs(row[None])[0])

    return Setup(ref, space, macs, Efficiency())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ofa-path", default="runs/ofa-pkg")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    ref = load_reference(Path(args.ofa_path))
    print("setup (constraint)                 | ofa EvolutionFinder         | edgenas EvolutionFinder    | speed-up")
    mbv3 = mbv3_setup(ref)
    for limit in (400.0, 250.0):
        mbv3.compare(ref, limit, args.repeats, f"ofa MBv3 space, FLOPs <= {limit:g}M")
    small = small_setup(ref)
    all_macs = small.cost(small.codec.sample(np.random.default_rng(0), 20000))
    for q in (25, 50):
        limit = float(np.percentile(all_macs, q))
        small.compare(ref, limit, args.repeats, f"small space, MACs <= {limit / 1e6:.2f}M (p{q})")


if __name__ == "__main__":
    main()
