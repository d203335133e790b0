"""Differentiable search on cell spaces: DARTS (first and second order), GDAS, and random
search with weight sharing (RSPS), over one mixed-op supernet.

`CellSupernet(space)` is the space's own network description (`space.layers`) with every cell
layer replaced by a `MixedCell`: every edge holds every operation of the space, each built by
the op registry exactly as the space builds it, and one architecture matrix ``alpha`` (edges x
ops) is shared by all cells (DARTS on NAS-Bench-201). BatchNorm uses batch statistics only, and inside the cells no learnt
scale and shift (``affine=False``; NAS-Bench-201's search setting): running averages over a
changing mixture of paths describe no network, and a learnt scale would let an op's output
grow instead of its alpha.

How a cell combines its edges' operations is the method:

* ``darts`` / ``darts2`` -- the continuous relaxation: softmax(alpha)-weighted sum of every
  operation (every path's activations are kept for the backward pass). Architecture steps on
  the validation half, first order (w fixed) or second order (the unrolled weights w' = w - xi
  grad L_train(w) and the finite-difference Hessian-vector product of the DARTS paper).
* ``beta-darts`` -- first-order DARTS whose architecture loss adds the beta-decay regulariser,
  mean over edges of logsumexp(alpha), weighted ``beta_max * epoch / 100`` (the reference's
  schedule: 50 at epoch 100, so small over a short search, where a weight already large would
  drown the validation gradient in Adam's normalised steps and freeze alpha at its start): it keeps
  the softmax from growing large and uneven, which is how DARTS collapses (94.36% on
  NAS-Bench-201's CIFAR-10, the best cell of the space but one, against DARTS's 54.30%).
* ``gdas`` -- one operation per edge drawn by the Gumbel-max trick, the hard one-hot with the
  softmax's gradient (straight through), temperature annealed from ``tau_max`` to ``tau_min``.
  Only the sampled operation runs (a fifth of the mixture's memory). Published at 93.61% on
  NAS-Bench-201's CIFAR-10; on a CPU budget it drifted to parameter-free cells (docs/benchmarks.md),
  so ``beta-darts`` is the robust method this package recommends.
* ``drnas`` -- DrNAS: the mixing weights of every edge are a sample of a Dirichlet
  distribution with concentration ``elu(alpha) + 1``, drawn afresh at every step (weight and
  architecture steps alike) and differentiated through the sample (pathwise gradients); the
  architecture optimiser's weight decay is the paper's L2 regulariser of the concentration
  (1e-3 on NAS-Bench-201). The noise of the samples keeps the search exploring operations
  whose expected weight is low, which is what stops the skip/pool collapse (94.36% on
  NAS-Bench-201's CIFAR-10, the best published differentiable result). Here: 93.26 +- 0.07
  searched on Fashion-MNIST for 16 epochs, but average-pool cells on digits, where
  ``beta-darts`` held (docs/benchmarks.md).
* ``rsps`` -- uniformly sampled single paths train the shared weights; at the end
  ``rsps_samples`` random cells are scored with those weights on the same validation images and
  the best is returned (Li & Talwalkar's baseline).
* ``autodeeplab`` -- the network-level search of `edgenas.oneshot.autodeeplab` on a segmentation
  dataset: first-order updates of the cell's alpha and the trellis's beta together.

`derive` is the argmax operation of every edge as an `Arch` of the space, so a derived cell is
looked up in a benchmark table, trained, profiled and measured like any other. The ``nasnet``
space (two inputs per block) is searched by `edgenas.oneshot.nasnet_cell.NASNetSupernet` with
darts, darts2 or beta-darts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from edgenas.data import Dataset
from edgenas.errors import ConfigError
from edgenas.oneshot._search import SearchCheckpoint, epoch_generator, search_batchnorm, weight_half
from edgenas.spaces import Arch, SearchSpace
from edgenas.spaces._layers import get_op

__all__ = ["CellSupernet", "MixedCell", "DartsConfig", "cell_search", "CELL_METHODS"]

CELL_METHODS = ("darts", "darts2", "beta-darts", "drnas", "gdas", "rsps", "autodeeplab")
FORMAT = "edgenas-cell-search"
BETA_EPOCHS = 100  # the beta-decay weight reaches beta_max here (the reference's schedule)


class MixedCell(nn.Module):
    """node_i = sum over edges j->i of sum_o w[e, o] * op_o(node_j); the output is the last node.
    With ``chosen`` (one op index per edge), only that op runs, scaled by its weight."""

    def __init__(self, ops: tuple[str, ...], edges: tuple[tuple[int, int], ...], channels: int) -> None:
        super().__init__()
        self.edge_list = edges
        self.nodes = max(dst for dst, _ in edges)
        self.edges = nn.ModuleList(nn.ModuleList(get_op(op).build(channels=channels) for op in ops) for _ in edges)

    def forward(self, x: torch.Tensor, weights: torch.Tensor, chosen: list[int] | None = None) -> torch.Tensor:
        nodes = [x]
        for node in range(1, self.nodes + 1):
            total: torch.Tensor | float = 0.0
            for e, (dst, src) in enumerate(self.edge_list):
                if dst != node:
                    continue
                if chosen is None:
                    for w, op in zip(weights[e], self.edges[e]):
                        total = total + w * op(nodes[src])
                else:
                    total = total + weights[e, chosen[e]] * self.edges[e][chosen[e]](nodes[src])
            nodes.append(total)  # type: ignore[arg-type]
        return nodes[-1]


class CellSupernet(nn.Module):
    """The space's network with every cell mixed and one ``alpha`` for all cells."""

    def __init__(self, space: SearchSpace, num_classes: int = 10, affine: bool = False, **build: Any) -> None:
        super().__init__()
        edges = getattr(space, "cell_edges", None)
        if not edges:
            raise ConfigError(f"space {space.name!r} declares no cell edges; differentiable cell search needs a cell "
                              "space such as nb201")
        self.space, self.keys = space, list(space.choices)
        self.ops = tuple(space.choices[self.keys[0]])
        if len(self.keys) != len(edges) or any(tuple(space.choices[k]) != self.ops for k in self.keys):
            raise ConfigError(f"space {space.name!r}: every edge must offer the same operations")
        first = space.validate({k: self.ops[0] for k in self.keys})
        layers = space.layers(first, num_classes, **build)
        self.is_cell = ["ops" in layer.kwargs for layer in layers]
        self.layers = nn.ModuleList(MixedCell(self.ops, tuple(edges), int(layer.kwargs["channels"])) if cell
                                    else layer.build() for layer, cell in zip(layers, self.is_cell))
        for layer, cell in zip(self.layers, self.is_cell):
            search_batchnorm(layer, affine or not cell)
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(edges), len(self.ops)))

    def arch_parameters(self) -> list[nn.Parameter]:
        return [self.alpha]

    def weight_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if name != "alpha"]

    def arch_state(self) -> dict[str, Any]:
        """What the history stores per epoch: softmax(alpha)."""
        return {"alpha": torch.softmax(self.alpha.detach(), -1).cpu().tolist()}

    def forward(self, x: torch.Tensor, weights: torch.Tensor | None = None,
                chosen: list[int] | None = None) -> torch.Tensor:
        """Cells mixed by ``weights`` (default softmax(alpha)), or one op per edge (``chosen``)."""
        weights = torch.softmax(self.alpha, -1) if weights is None else weights
        for layer, cell in zip(self.layers, self.is_cell):
            x = layer(x, weights, chosen) if cell else layer(x)
        return x

    def gumbel(self, x: torch.Tensor, tau: float, generator: torch.Generator) -> torch.Tensor:
        """GDAS: one op per edge by Gumbel-max, the hard one-hot carrying the softmax's gradient."""
        u = torch.rand(self.alpha.shape, generator=generator).clamp_(1e-9, 1 - 1e-9).to(self.alpha.device)
        soft = torch.softmax((torch.log_softmax(self.alpha, -1) - torch.log(-torch.log(u))) / tau, -1)
        index = soft.argmax(-1)
        hard = F.one_hot(index, len(self.ops)).to(soft.dtype) - soft.detach() + soft
        return self(x, hard, index.tolist())

    def dirichlet(self, x: torch.Tensor, seed: int) -> torch.Tensor:
        """DrNAS: mixing weights drawn from Dirichlet(elu(alpha) + 1), reparameterised. Drawn on
        the CPU from ``seed`` (not the global stream), so a resumed search draws the same."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            weights = torch.distributions.Dirichlet(F.elu(self.alpha.cpu()) + 1).rsample()
        return self(x, weights.to(self.alpha.device))

    def path(self, x: torch.Tensor, arch: Arch) -> torch.Tensor:
        """One cell of the space, with the shared weights."""
        arch = self.space.validate(arch)
        chosen = [self.ops.index(arch[k]) for k in self.keys]
        return self(x, torch.ones(len(self.keys), len(self.ops), device=self.alpha.device), chosen)

    def derive(self) -> Arch:
        return self.arch_of(self.alpha.argmax(-1).tolist())

    def arch_of(self, chosen: list[int]) -> Arch:
        return self.space.validate({k: self.ops[i] for k, i in zip(self.keys, chosen)})


@dataclass
class DartsConfig:
    """The published settings (DARTS on NAS-Bench-201): SGD 0.025 cosine to 0.001, momentum 0.9,
    weight decay 3e-4, gradient clip 5; architecture Adam 3e-4, betas (0.5, 0.999), weight decay
    1e-3; GDAS temperature 10 -> 0.1; cells without affine BatchNorm. Scaled to a CPU: 10 epochs,
    a search network of 8 channels and 1 cell per stage (NAS-Bench-201 searches with 16 and 5).
    Architecture steps start at ``arch_start`` = half the epochs (weights only before, as
    PC-DARTS and Auto-DeepLab do): untrained convolutions lose to parameter-free operations
    early, and on a short search that early lead decided the cell (docs/benchmarks.md: the
    warm-up lifted DARTS from 85.1 +- 9.0 to 92.4 +- 0.5 on the development setting and from
    74.6 +- 16.3 to 88.2 +- 1.1 on the held-out one).
    ``autodeeplab`` (the trellis of `edgenas.oneshot.autodeeplab`, ``channels`` is its F = 8)
    takes the paper's architecture optimiser instead: Adam 3e-3, betas (0.9, 0.999), and
    the same warm-up (20 of 40 epochs there)."""

    method: str = "gdas"
    epochs: int = 10
    batch_size: int = 64
    lr: float = 0.025
    lr_min: float = 0.001
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    arch_lr: float | None = None  # 3e-4; autodeeplab 3e-3
    arch_weight_decay: float = 1e-3
    tau_max: float = 10.0
    tau_min: float = 0.1
    beta_max: float = 50.0
    rsps_samples: int = 100
    channels: int = 8
    cells: int = 1
    affine: bool = False
    arch_start: int | None = None  # first epoch with architecture steps; default epochs // 2
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in CELL_METHODS:
            raise ConfigError(f"unknown method {self.method!r}; choose {', '.join(CELL_METHODS)}")
        if self.epochs < 1 or self.batch_size < 1 or self.channels < 1 or self.cells < 1:
            raise ConfigError("epochs, batch_size, channels and cells must be positive")
        if self.rsps_samples < 1:
            raise ConfigError(f"rsps_samples must be positive, got {self.rsps_samples}")
        trellis = self.method == "autodeeplab"
        self.arch_lr = self.arch_lr if self.arch_lr is not None else 3e-3 if trellis else 3e-4
        self.arch_start = self.arch_start if self.arch_start is not None else self.epochs // 2


def cell_search(space: SearchSpace, data: Dataset, config: DartsConfig | None = None,
                checkpoint: str | Path | None = None,
                progress: Callable[[dict[str, Any]], None] | None = None,
                device: str = "cpu") -> tuple[Arch, nn.Module, list[dict]]:
    """Search ``space`` on ``data`` (weights on one half of the training set, architecture on the
    other); returns the derived cell, the supernet and the per-epoch history (losses, derived
    cell, softmax(alpha)). Resumes from ``checkpoint`` (written atomically after every epoch, CPU
    tensors); ``device`` trains there (``cuda``)."""
    config = config or DartsConfig()
    trellis = config.method == "autodeeplab"
    data.expect("segmentation" if trellis else "classification", f"--method {config.method}'s network")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        net = _supernet(space, data.num_classes, config)
    half = weight_half(data, config.batch_size)
    net.to(device)
    weights = torch.optim.SGD(net.weight_parameters(), lr=config.lr, momentum=config.momentum,
                              weight_decay=config.weight_decay)
    arch_opt = torch.optim.Adam(net.arch_parameters(), lr=config.arch_lr, betas=(0.9 if trellis else 0.5, 0.999),
                                weight_decay=config.arch_weight_decay)
    store = SearchCheckpoint(checkpoint, FORMAT, "cell-search", {"space": space.name, "options": space.get_params(),
                                                                 "num_classes": data.num_classes,
                                                                 "train": len(data.x_train), "config": asdict(config)})
    start, history = store.resume(net, weights, arch_opt)
    steps = half // config.batch_size
    total = config.epochs * steps
    for epoch in range(start, config.epochs):
        gen = epoch_generator(config.seed, epoch)
        order, val_order = torch.randperm(half, generator=gen), half + torch.randperm(len(data.x_train) - half,
                                                                                        generator=gen)
        tau = config.tau_max - (config.tau_max - config.tau_min) * epoch / max(1, config.epochs - 1)
        net.train()
        running = {"loss": 0.0, "arch_loss": 0.0}
        for step in range(steps):
            lr = config.lr_min + 0.5 * (config.lr - config.lr_min) * (1 + math.cos(math.pi * (epoch * steps + step) / total))
            for group in weights.param_groups:
                group["lr"] = lr
            idx = order[step * config.batch_size:(step + 1) * config.batch_size]
            vidx = val_order[(step * config.batch_size) % len(val_order):][: config.batch_size]
            x, y, xv, yv = (t.to(device) for t in (data.x_train[idx], data.y_train[idx], data.x_train[vidx],
                                                    data.y_train[vidx]))
            if config.method != "rsps" and epoch >= config.arch_start:
                arch_opt.zero_grad()
                if config.method == "darts2":
                    arch_loss = _unrolled_step(net, x, y, xv, yv, lr, config.weight_decay)
                else:
                    loss = F.cross_entropy(_mixed(net, config, xv, tau, gen, 2 * (epoch * steps + step) + 1), yv)
                    if config.method == "beta-darts":  # the beta-decay regulariser, beta_max at epoch 100
                        weight = config.beta_max * epoch / BETA_EPOCHS
                        loss = loss + weight * sum(torch.logsumexp(a, -1).mean() for a in net.arch_parameters())
                    loss.backward(inputs=net.arch_parameters())
                    arch_loss = float(loss.detach())
                arch_opt.step()
                running["arch_loss"] += arch_loss / steps
            weights.zero_grad()
            if config.method == "rsps":
                out = net.path(x, net.arch_of(torch.randint(len(net.ops), (len(net.keys),), generator=gen).tolist()))
            else:
                out = _mixed(net, config, x, tau, gen, 2 * (epoch * steps + step))
            loss = F.cross_entropy(out, y)
            loss.backward(inputs=net.weight_parameters())
            nn.utils.clip_grad_norm_(net.weight_parameters(), config.grad_clip)
            weights.step()
            running["loss"] += float(loss.detach()) / steps
            if progress:
                progress({"epoch": epoch + 1, "epochs": config.epochs, "step": step + 1, "steps": steps,
                          "loss": running["loss"] * steps / (step + 1)})
        derived = net.derive() if config.method != "rsps" else _best_random(net, data, half, config)
        row = {"epoch": epoch + 1, **running, "arch": derived.to_json(), **net.arch_state(), "tau": tau}
        history.append(row)
        store.save(epoch + 1, net, weights, arch_opt, history)
        if progress:
            progress(row | {"end_of_epoch": True})
    return space.parse(history[-1]["arch"]), net, history


def _mixed(net: nn.Module, config: DartsConfig, x: torch.Tensor, tau: float, gen: torch.Generator,
           draw: int) -> torch.Tensor:
    """The supernet's output with its operations mixed as the method mixes them (``draw``
    numbers DrNAS's sample, so a resumed search draws the same)."""
    if config.method == "gdas":
        return net.gumbel(x, tau, gen)
    if config.method == "drnas":
        return net.dirichlet(x, config.seed * 1_000_003 + draw)
    return net(x)


def _supernet(space: SearchSpace, num_classes: int, config: DartsConfig) -> nn.Module:
    """The mixed network the method searches: the trellis (autodeeplab), NASNet's two-input
    cells, or the cell of a space that declares its edges."""
    from edgenas.spaces import NASNetSpace

    if config.method == "autodeeplab":
        from edgenas.oneshot.autodeeplab import TrellisSupernet

        return TrellisSupernet(space, num_classes, config.channels, config.affine)
    if isinstance(space, NASNetSpace):
        if config.method in ("gdas", "rsps", "drnas"):
            raise ConfigError(f"--method {config.method} samples the ops of nb201-style cells; on nasnet "
                              "use darts, darts2 or beta-darts")
        from edgenas.oneshot.nasnet_cell import NASNetSupernet

        return NASNetSupernet(space, num_classes, config.affine, channels=config.channels, cells=config.cells)
    return CellSupernet(space, num_classes, config.affine, channels=config.channels, cells=config.cells)


def _unrolled_step(net: nn.Module, x: torch.Tensor, y: torch.Tensor, xv: torch.Tensor, yv: torch.Tensor,
                   xi: float, weight_decay: float, radius: float = 0.01) -> float:
    """DARTS second order: grad_alpha L_val(w - xi grad_w L_train(w, alpha), alpha), with the
    Hessian-vector product by central finite differences (epsilon = radius / |grad_w' L_val|,
    the paper's 0.01). ``alpha`` is every architecture parameter of ``net``."""
    arch = net.arch_parameters()
    ids = {id(a) for a in arch}
    alphas = {n: p for n, p in net.named_parameters() if id(p) in ids}
    names = [n for n, p in net.named_parameters() if id(p) not in ids]
    params = [p for p in net.parameters() if id(p) not in ids]
    grads = torch.autograd.grad(F.cross_entropy(net(x), y), params)
    unrolled = {n: (p - xi * (g + weight_decay * p)).detach().requires_grad_() for n, p, g in zip(names, params, grads)}
    val_loss = F.cross_entropy(functional_call(net, unrolled | alphas, (xv,)), yv)
    found = torch.autograd.grad(val_loss, [*alphas.values(), *unrolled.values()])
    direct, v = found[:len(alphas)], found[len(alphas):]
    eps = radius / torch.sqrt(sum((g * g).sum() for g in v)).clamp_min(1e-12)
    hessian = []
    for sign in (1.0, -1.0):
        moved = {n: (p + sign * eps * g).detach() for n, p, g in zip(names, params, v)}
        loss = F.cross_entropy(functional_call(net, moved | alphas, (x,)), y)
        hessian.append(torch.autograd.grad(loss, list(alphas.values())))
    for a, d, plus, minus in zip(alphas.values(), direct, *hessian):
        a.grad = d - xi * (plus - minus) / (2 * eps)
    return float(val_loss.detach())


def _best_random(net: CellSupernet, data: Dataset, half: int, config: DartsConfig) -> Arch:
    """RSPS: the best of ``rsps_samples`` random cells on the same validation images, shared weights."""
    rng = np.random.default_rng(config.seed)
    device = net.alpha.device
    x, y = data.x_train[half:][:256].to(device), data.y_train[half:][:256].to(device)
    best, best_acc = None, -1.0
    with torch.no_grad():
        for _ in range(config.rsps_samples):
            arch = net.arch_of(rng.integers(len(net.ops), size=len(net.keys)).tolist())
            acc = float((net.path(x, arch).argmax(1) == y).float().mean())
            if acc > best_acc:
                best, best_acc = arch, acc
    assert best is not None
    return best
