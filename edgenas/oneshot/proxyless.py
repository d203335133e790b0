"""ProxylessNAS: a path-level supernet over an `MBConvSpace`, binarised so one path is in memory.

Each searchable block slot holds one module per (kernel, expand) pair, built from the slot's
layer in the space's own description (`MBConvSpace.layers`), and each stage a categorical
choice of depth (the space's "first d blocks" rule; ProxylessNAS's zero op on skippable
blocks, expressed so that every path is an `Arch` of the space). Architecture parameters:
``block_alpha`` (blocks x pairs) and ``depth_alpha`` (stages x depths).

* ``forward(x, arch)`` runs one path: only its modules and activations exist (weight steps).
* `two_path_forward` is the architecture step's estimator: per choice two candidates are
  sampled from softmax(alpha), one of them (by their renormalised probabilities) is active;
  the other's output is computed without a graph. The output is
  ``o_active + sum_n (q_n - stop_grad(q_n)) * stop_grad(o_n)``: its value is the active path's,
  and its gradient reaches alpha as ProxylessNAS's ``dL/dalpha_i = sum_j dL/dg_j q_j (delta_ij -
  q_i)`` over the two sampled candidates; the unsampled ones get no gradient.
* `expected_latency` is E[latency] = sum over blocks of P(block kept) * sum_pairs p * F(op),
  with F from a `LayerCost` table (a layer LUT measured on a device, or MACs): differentiable in
  both alphas.
* `derive` is the argmax path as an `Arch` of the space; `derive_within` the argmax moved into a
  latency window at the least probability, and `place_on_target` the export that measures it
  on the device and corrects the window by the table's error (the latency loss steers the
  probabilities towards T, but the argmax of a still-spread distribution need not land there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from edgenas.data import Dataset
from edgenas.errors import ConfigError
from edgenas.oneshot._search import SearchCheckpoint, epoch_generator, weight_half
from edgenas.oneshot.elastic import resize
from edgenas.oneshot.finder import ChoiceCodec, LayerCost
from edgenas.spaces import Arch, MBConvSpace

__all__ = ["PathSupernet", "latency_loss", "ProxylessConfig", "proxyless_search", "place_on_target", "Placed",
           "random_paths"]


class PathSupernet(nn.Module):
    """Every candidate operation of every block, at one width and resolution."""

    def __init__(self, space: MBConvSpace, num_classes: int = 10, width: float | None = None,
                 resolution: int | None = None) -> None:
        super().__init__()
        self.space, self.num_classes = space, num_classes
        self.width = max(space.widths) if width is None else width
        self.resolution = max(space.resolutions) if resolution is None else resolution
        if self.width not in space.widths or self.resolution not in space.resolutions:
            raise ConfigError(f"width {self.width} and resolution {self.resolution} must be values of the space "
                              f"(widths {list(space.widths)}, resolutions {list(space.resolutions)})")
        self.pairs = [(k, e) for k in space.kernels for e in space.expands]
        self.codec = ChoiceCodec(space)
        self.slots = [f"s{s}_b{b}" for s in range(len(space.stages)) for b in range(space.max_depth)]
        full = [space.max_depth] * len(space.stages)
        candidates: dict[str, list[nn.Module]] = {slot: [] for slot in self.slots}
        for k, e in self.pairs:
            layers = space.layers(space.uniform(self.width, self.resolution, full, k, e), num_classes)
            for layer in layers:
                if layer.slot in candidates:
                    candidates[layer.slot].append(layer.build())
            if (k, e) == self.pairs[0]:
                fixed = [layer for layer in layers if layer.slot not in candidates]
        self.candidates = nn.ModuleDict({slot: nn.ModuleList(mods) for slot, mods in candidates.items()})
        self.stem = nn.Sequential(*(layer.build() for layer in fixed[:2]))  # stem conv and the first block
        self.head = nn.Sequential(*(layer.build() for layer in fixed[2:]))  # feature mix and classifier
        if [layer.slot for layer in fixed] != ["stem", "first", "head", "classifier"]:
            raise ConfigError("the path supernet expects the mbconv layout stem, first, blocks, head, classifier")
        self.block_alpha = nn.Parameter(torch.zeros(len(self.slots), len(self.pairs)))
        self.depth_alpha = nn.Parameter(torch.zeros(len(space.stages), len(space.depths)))

    # -- parameters -------------------------------------------------------------------
    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if not name.endswith("_alpha")]

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.block_alpha, self.depth_alpha]

    def probabilities(self) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.softmax(self.block_alpha, -1), torch.softmax(self.depth_alpha, -1)

    # -- paths ------------------------------------------------------------------------
    def _indices(self, arch: Arch) -> tuple[list[int], list[int]]:
        arch = self.space.validate(arch)
        if float(arch["width"]) != self.width or int(arch["resolution"]) != self.resolution:
            raise ConfigError(f"this supernet has width {self.width} and resolution {self.resolution}; "
                              f"the architecture asks for {arch['width']} and {arch['resolution']}")
        pairs = [self.pairs.index((int(arch[f"{slot}_kernel"]), int(arch[f"{slot}_expand"]))) for slot in self.slots]
        depths = [self.space.depths.index(int(arch[f"s{s}_depth"])) for s in range(len(self.space.stages))]
        return pairs, depths

    def arch_of(self, pairs: list[int], depths: list[int]) -> Arch:
        choices: dict[str, int | float] = {"width": self.width, "resolution": self.resolution}
        for s, d in enumerate(depths):
            choices[f"s{s}_depth"] = self.space.depths[d]
        for slot, p in zip(self.slots, pairs):
            choices[f"{slot}_kernel"], choices[f"{slot}_expand"] = self.pairs[p]
        return self.space.validate(choices)

    def derive(self) -> Arch:
        """The most probable path (ProxylessNAS exports the argmax, not a sample)."""
        return self.arch_of(self.block_alpha.argmax(-1).tolist(), self.depth_alpha.argmax(-1).tolist())

    def derive_within(self, cost: LayerCost, low: float, high: float, bins: int = 4000) -> Arch:
        """The argmax path moved into ``low <= cost <= high`` at the least probability: the path
        maximising sum over its choices of log(p / p_max) (0 for the argmax of each choice, so the
        plain argmax when it already lies in the window), by dynamic programming over the cost in
        ``bins`` steps of ``high / bins`` (rounded up, so the upper bound holds exactly). With no
        path in the window, the costliest path under ``high``."""
        wi, ri = self.space.widths.index(self.width), self.space.resolutions.index(self.resolution)
        per_pair = np.asarray(cost.blocks[wi, ri]).reshape(len(self.slots), -1)
        cheapest = float(cost.fixed[wi, ri]) + sum(
            min(per_pair[s * self.space.max_depth:][:d].min(1).sum() for d in self.space.depths)
            for s in range(len(self.space.stages)))
        if cheapest > high:
            raise ConfigError(f"no path of this supernet (width {self.width}, resolution {self.resolution}) costs "
                              f"<= {high:.4g}: the cheapest costs {cheapest:.4g}")
        step = high / bins
        room = int(np.floor((high - float(cost.fixed[wi, ri])) / step + 1e-9))
        block_units = np.ceil(per_pair / step - 1e-9).astype(np.int64)
        with torch.no_grad():
            block_gain = torch.log_softmax(self.block_alpha, -1).double().cpu().numpy()
            depth_gain = torch.log_softmax(self.depth_alpha, -1).double().cpu().numpy()
        block_gain -= block_gain.max(-1, keepdims=True)
        depth_gain -= depth_gain.max(-1, keepdims=True)
        best = np.full(room + 1, -np.inf)
        best[0] = 0.0
        trace: list[tuple[np.ndarray, list[np.ndarray]]] = []  # per stage: chosen depth index, per block choice
        for s in range(len(self.space.stages)):
            layer, picks = best, []
            stage_best, stage_depth = np.full(room + 1, -np.inf), np.zeros(room + 1, dtype=np.int64)
            for b in range(self.space.max_depth + 1):
                if b in self.space.depths:
                    d = self.space.depths.index(b)
                    better = layer + depth_gain[s, d] > stage_best
                    stage_best = np.where(better, layer + depth_gain[s, d], stage_best)
                    stage_depth = np.where(better, d, stage_depth)
                if b == self.space.max_depth:
                    break
                j = s * self.space.max_depth + b
                options = np.full((len(self.pairs), room + 1), -np.inf)
                for p, units in enumerate(block_units[j]):
                    if units <= room:
                        options[p, units:] = layer[:room + 1 - units] + block_gain[j, p]
                picks.append(options.argmax(0))
                layer = options.max(0)
            trace.append((stage_depth, picks))
            best = stage_best
        low_units = int(np.ceil((low - float(cost.fixed[wi, ri])) / step - 1e-9))
        feasible = np.flatnonzero(np.isfinite(best))
        inside = feasible[feasible >= low_units]
        end = int(inside[best[inside].argmax()]) if len(inside) else int(feasible.max())
        pairs = self.block_alpha.argmax(-1).tolist()
        depths = [0] * len(self.space.stages)
        for s in reversed(range(len(self.space.stages))):
            stage_depth, picks = trace[s]
            depths[s] = int(stage_depth[end])
            for b in reversed(range(self.space.depths[depths[s]])):
                p = int(picks[b][end])
                pairs[s * self.space.max_depth + b] = p
                end -= int(block_units[s * self.space.max_depth + b, p])
        return self.arch_of(pairs, depths)

    def sample(self, generator: torch.Generator) -> Arch:
        """A path drawn from the current probabilities (the weight step's binarised gates)."""
        blocks, depths = self.probabilities()
        pairs = torch.multinomial(blocks.detach().cpu(), 1, generator=generator).squeeze(1).tolist()
        chosen = torch.multinomial(depths.detach().cpu(), 1, generator=generator).squeeze(1).tolist()
        return self.arch_of(pairs, chosen)

    def forward(self, x: torch.Tensor, arch: Arch | Mapping | None = None) -> torch.Tensor:
        """One path: only its modules run (and keep activations)."""
        pairs, depths = self._indices(self.derive() if arch is None else Arch(dict(arch)))
        x = self.stem(resize(x, self.resolution))
        for s in range(len(self.space.stages)):
            for b in range(self.space.depths[depths[s]]):
                j = s * self.space.max_depth + b
                x = self.candidates[self.slots[j]][pairs[j]](x)
        return self.head(x)

    def two_path_forward(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The architecture step: two sampled candidates per choice, one active (see module)."""
        x = self.stem(resize(x, self.resolution))
        for s in range(len(self.space.stages)):
            d_active, d_other, dq = _two(self.depth_alpha[s], generator)
            keep = {self.space.depths[d_active]: None, self.space.depths[d_other]: None}
            deepest = max(keep)
            h = x
            for b in range(deepest):
                j = s * self.space.max_depth + b
                p_active, p_other, q = _two(self.block_alpha[j], generator)
                ops = self.candidates[self.slots[j]]
                graph = b < self.space.depths[d_active]  # blocks past the active depth feed only the other output
                with torch.set_grad_enabled(graph and torch.is_grad_enabled()):
                    out = ops[p_active](h)
                with torch.no_grad():
                    other = ops[p_other](h)
                h = out + (q[1] - q[1].detach()) * other + (q[0] - q[0].detach()) * out.detach()
                if b + 1 in keep:
                    keep[b + 1] = h
            active, other = keep[self.space.depths[d_active]], keep[self.space.depths[d_other]]
            x = active + (dq[1] - dq[1].detach()) * other.detach() + (dq[0] - dq[0].detach()) * active.detach()
        return self.head(x)

    def mixed_forward(self, x: torch.Tensor) -> torch.Tensor:
        """The continuous relaxation (DARTS, and ProxylessNAS's point of comparison): every
        candidate runs and the block output is their softmax-weighted sum, so every path's
        activations are kept for the backward pass."""
        blocks, depths = self.probabilities()
        x = self.stem(resize(x, self.resolution))
        for s in range(len(self.space.stages)):
            h, stage_out = x, 0.0
            for b in range(self.space.max_depth):
                j = s * self.space.max_depth + b
                h = sum(p * op(h) for p, op in zip(blocks[j], self.candidates[self.slots[j]]))
                if b + 1 in self.space.depths:
                    stage_out = stage_out + depths[s, self.space.depths.index(b + 1)] * h
            x = stage_out
        return self.head(x)

    # -- latency ----------------------------------------------------------------------
    def expected_latency(self, cost: LayerCost, block_alpha: torch.Tensor | None = None,
                         depth_alpha: torch.Tensor | None = None) -> torch.Tensor:
        """E[cost] of a path drawn from softmax(alpha) (this supernet's, unless given):
        differentiable in both."""
        block_alpha = self.block_alpha if block_alpha is None else block_alpha
        depth_alpha = self.depth_alpha if depth_alpha is None else depth_alpha
        wi, ri = self.space.widths.index(self.width), self.space.resolutions.index(self.resolution)
        # (blocks, kernels, expands)
        table = torch.as_tensor(cost.blocks[wi, ri], dtype=block_alpha.dtype, device=block_alpha.device)
        per_pair = table.reshape(len(self.slots), -1)  # pairs in (kernel, expand) order, as self.pairs
        blocks, depths = torch.softmax(block_alpha, -1), torch.softmax(depth_alpha, -1)
        expected_block = (blocks * per_pair).sum(-1).reshape(len(self.space.stages), self.space.max_depth)
        depth_values = torch.tensor(self.space.depths, device=depths.device)
        steps = torch.arange(self.space.max_depth, device=depths.device)
        kept = (depth_values[None, :, None] > steps[None, None, :]).to(depths.dtype)
        p_kept = (depths[:, :, None] * kept).sum(1)  # (stages, max_depth): P(depth > b)
        return float(cost.fixed[wi, ri]) + (p_kept * expected_block).sum()


def random_paths(codec: ChoiceCodec, n: int, seed: int = 0) -> np.ndarray:
    """``n`` random paths of a `PathSupernet` over ``codec.space`` (its largest width and
    resolution), encoded: the distribution latency targets are drawn from."""
    space = codec.space
    rows = codec.sample(np.random.default_rng(seed), n)
    rows[:, codec.column["width"]] = len(space.widths) - 1
    rows[:, codec.column["resolution"]] = len(space.resolutions) - 1
    return rows


def _two(logits: torch.Tensor, generator: torch.Generator) -> tuple[int, int, torch.Tensor]:
    """Two distinct candidates drawn from softmax(``logits``) (one when there is only one), the
    active one chosen by their renormalised probabilities; returns (active, other, q) with q =
    (q_active, q_other) differentiable. q is the softmax of the two logits alone, so the
    unsampled candidates get exactly no gradient (through softmax(all) / sum, rounding leaks some)."""
    if len(logits) == 1:
        zero = logits[0] - logits[0]
        return 0, 0, torch.stack([zero + 1, zero])
    p = torch.softmax(logits.detach().cpu(), 0)
    i, j = torch.multinomial(p, 2, replacement=False, generator=generator).tolist()
    q = torch.softmax(logits[[i, j]], 0)
    first = bool(torch.rand((), generator=generator) < q[0].detach())
    return (i, j, q) if first else (j, i, q.flip(0))


def latency_loss(ce: torch.Tensor, expected: torch.Tensor, target: float, kind: str = "mul-log",
                 lam: float = 0.1, alpha: float = 0.2, beta: float = 0.3) -> torch.Tensor:
    """The published latency losses, E and T in milliseconds: ``mul-log`` CE * alpha * (log E /
    log T)^beta (the reference's default; the logs are taken in microseconds so that the ratio
    keeps its direction for targets under 1 ms), ``add-linear`` CE + lam * (E - T) / T, ``hard``
    CE + lam * max(E - T, 0) / T. Those pull E only down; ``target`` CE + lam * (log(E / T) /
    0.1)^2 pulls it to T from both sides (lam at about 10% off), flat at T so that there the
    cross-entropy alone shapes the distribution."""
    if not target > 0.001:
        raise ConfigError(f"the latency target must be above 0.001 ms, got {target}")
    if kind == "mul-log":
        return alpha * ce * (torch.log(expected * 1000) / np.log(target * 1000)) ** beta
    if kind == "add-linear":
        return ce + lam * (expected - target) / target
    if kind == "hard":
        return ce + lam * torch.relu(expected - target) / target
    if kind == "target":
        return ce + lam * (torch.log(expected / target) / 0.1) ** 2
    raise ConfigError(f"unknown latency loss {kind!r}; choose mul-log, add-linear, hard or target")


@dataclass
class Placed:
    """The exported network and how it was put on the target."""

    arch: Arch
    table_ms: float  # its latency by the layer table
    measured_ms: float | None  # on the device (None: the table is all there is)
    rounds: int  # re-derivations after a measurement off the target


def place_on_target(net: PathSupernet, latency: LayerCost, target_ms: float,
                    measure: Callable[[Arch], float] | None = None, tolerance: float = 0.1,
                    rounds: int = 3) -> Placed:
    """Export the network for ``target_ms``: the argmax path moved into the table window
    [(1 - tolerance / 2) T, T] (`PathSupernet.derive_within`), then measured; while the
    measurement is off T by more than ``tolerance``, the window is rescaled by table / measured
    (the layer table's error on this network) and the path derived again, at most ``rounds``
    times. Returns the network measured closest to T."""
    scale, tried = 1.0, []
    for attempt in range(rounds + 1):
        try:
            arch = net.derive_within(latency, (1 - tolerance / 2) * target_ms * scale, target_ms * scale)
        except ConfigError:
            if not tried:
                raise
            break  # the device is slower than its table says and no path is fast enough
        table = float(latency(net.codec.encode([arch]))[0])
        if measure is None:
            return Placed(arch, table, None, 0)
        measured = float(measure(arch))
        tried.append(Placed(arch, table, measured, attempt))
        if abs(measured - target_ms) <= tolerance * target_ms:
            break
        scale = table / measured  # this network's table-to-device ratio
    return min(tried, key=lambda p: abs(p.measured_ms - target_ms))


# -- the search ----------------------------------------------------------------------------
@dataclass
class ProxylessConfig:
    """ProxylessNAS's settings scaled to a CPU: warm-up epochs train weights on uniformly
    sampled paths, then weight steps (SGD, cosine) alternate with architecture steps (Adam,
    beta1 = 0) every ``arch_every`` weight steps, on the held-out half of the training set."""

    epochs: int = 8
    warmup_epochs: int = 2
    batch_size: int = 64
    lr: float = 0.05
    arch_lr: float = 6e-3
    arch_every: int = 1
    loss: str = "target"  # to T from both sides; the published losses only pull down (docs/benchmarks.md)
    lam: float = 0.1
    beta: float = 0.3
    estimator: str = "two-path"  # or "reinforce"
    seed: int = 0

    def __post_init__(self) -> None:
        if self.epochs < 1 or not 0 <= self.warmup_epochs < self.epochs:
            raise ConfigError(f"the weights-only warm-up (warmup_epochs, --warmup-epochs: {self.warmup_epochs}) must be "
                              f"shorter than the search (epochs, --epochs: {self.epochs}); raise --epochs or lower "
                              f"--warmup-epochs")
        if self.estimator not in ("two-path", "reinforce"):
            raise ConfigError(f"estimator must be two-path or reinforce, got {self.estimator!r}")
        latency_loss(torch.tensor(1.0), torch.tensor(1.0), 1.0, self.loss)  # names the bad loss kind


PROXYLESS_FORMAT = "edgenas-proxyless-search"


def proxyless_search(space: MBConvSpace, data: Dataset, latency: LayerCost, target_ms: float,
                     config: ProxylessConfig | None = None, checkpoint: str | Path | None = None,
                     progress: Callable[[dict[str, Any]], None] | None = None, device: str = "cpu",
                     ) -> tuple[Arch, PathSupernet, list[dict[str, Any]]]:
    """Search ``space`` (its largest width and resolution) for the most accurate path whose
    ``latency`` (a `LayerCost`: a device LUT, or MACs) meets ``target_ms`` through the latency
    loss; returns the derived (argmax) architecture. Resumes from ``checkpoint``. ``device``
    trains there (``cuda``); the checkpoint holds CPU tensors."""
    data.expect("classification", "ProxylessNAS's network")
    config = config or ProxylessConfig()
    low, _ = latency.minimum()
    if low > target_ms:
        raise ConfigError(f"no network of the space has latency <= {target_ms:g} ms on this device: the fastest "
                          f"is {low:.4g} ms; raise --target-ms to at least {low:.4g}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        net = PathSupernet(space, data.num_classes)
    half = weight_half(data, config.batch_size)
    net.to(device)
    weights = torch.optim.SGD(net.weight_parameters(), lr=config.lr, momentum=0.9, nesterov=True, weight_decay=4e-5)
    arch_opt = torch.optim.Adam(net.arch_parameters(), lr=config.arch_lr, betas=(0.0, 0.999))
    store = SearchCheckpoint(checkpoint, PROXYLESS_FORMAT, "ProxylessNAS",
                             {"space": space.get_params(), "num_classes": data.num_classes,
                              "target_ms": float(target_ms), "config": asdict(config)})
    start, history = store.resume(net, weights, arch_opt)
    steps = half // config.batch_size
    baseline = None if not history else history[-1].get("baseline")
    for epoch in range(start, config.epochs):
        gen = epoch_generator(config.seed, epoch)
        torch.manual_seed(int(gen.initial_seed()) % 2**31)
        order = torch.randperm(half, generator=gen)
        val_order = half + torch.randperm(len(data.x_train) - half, generator=gen)
        net.train()
        total, seen = 0.0, 0
        warm = epoch < config.warmup_epochs
        for step in range(steps):
            for group in weights.param_groups:
                group["lr"] = 0.5 * config.lr * (1 + math.cos(math.pi * (epoch * steps + step) / (config.epochs * steps)))
            idx = order[step * config.batch_size:(step + 1) * config.batch_size]
            arch = _uniform_path(net, gen) if warm else net.sample(gen)
            loss = F.cross_entropy(net(data.x_train[idx].to(device), arch), data.y_train[idx].to(device))
            weights.zero_grad()
            loss.backward()
            weights.step()
            total, seen = total + loss.item() * len(idx), seen + len(idx)
            if not warm and step % config.arch_every == 0:
                vidx = val_order[(step * config.batch_size) % len(val_order):][: config.batch_size]
                xv, yv = data.x_train[vidx].to(device), data.y_train[vidx].to(device)
                baseline = _arch_step(net, arch_opt, xv, yv, latency, target_ms, config, gen, baseline)
            if progress:
                progress({"epoch": epoch + 1, "epochs": config.epochs, "step": step + 1, "steps": steps,
                          "loss": total / seen})
        derived = net.derive()
        row = {"epoch": epoch + 1, "loss": total / seen, "warmup": warm,
               "expected_ms": float(net.expected_latency(latency).detach()),
               "argmax_ms": float(latency(net.codec.encode([derived]))[0]), "arch": derived.to_json(),
               "baseline": baseline}
        history.append(row)
        store.save(epoch + 1, net, weights, arch_opt, history)
        if progress:
            progress(row | {"end_of_epoch": True})
    return net.derive(), net, history


def _uniform_path(net: PathSupernet, gen: torch.Generator) -> Arch:
    pairs = torch.randint(len(net.pairs), (len(net.slots),), generator=gen).tolist()
    depths = torch.randint(len(net.space.depths), (len(net.space.stages),), generator=gen).tolist()
    return net.arch_of(pairs, depths)


def _arch_step(net: PathSupernet, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, latency: LayerCost,
               target_ms: float, config: ProxylessConfig, gen: torch.Generator, baseline: float | None) -> float | None:
    opt.zero_grad()
    expected = net.expected_latency(latency)
    if config.estimator == "two-path":
        ce = F.cross_entropy(net.two_path_forward(x, gen), y)
        latency_loss(ce, expected, target_ms, config.loss, config.lam, beta=config.beta).backward()
    else:  # REINFORCE on the same gates: the reference's reward ACC * (T / LAT)^0.1, moving-average baseline
        arch = net.sample(gen)
        with torch.no_grad():
            acc = float((net(x, arch).argmax(1) == y).float().mean())
        lat = float(latency(net.codec.encode([arch]))[0])
        reward = acc * (target_ms / lat) ** 0.1
        baseline = reward if baseline is None else 0.9 * baseline + 0.1 * reward
        pairs, depths = net._indices(arch)
        blocks, depth_p = net.probabilities()
        log_p = torch.log(blocks[torch.arange(len(pairs)), pairs]).sum()
        log_p = log_p + torch.log(depth_p[torch.arange(len(depths)), depths]).sum()
        (-(reward - baseline) * log_p).backward()
    opt.step()
    return baseline
