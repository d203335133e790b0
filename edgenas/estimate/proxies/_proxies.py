"""The zero-cost proxies: params, macs, SynFlow (Tanaka et al. 2020), Zen-score (Lin et al.
2021), NASWOT (Mellor et al. 2021), SNIP, grad_norm, Fisher, GraSP (the Zero-Cost-NAS
implementations, Abdelfattah et al. 2021), jacob_cov (Mellor et al. v1), GradSign (Zhang & Jia
2022), ZiCo (Li et al. 2023) and MeCo (Jiang et al. 2023). Each docstring states the procedure
implemented and where it deviates from that paper's code."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from edgenas.estimate.proxies._base import Batch, register_proxy, weight_layers

__all__: list[str] = []


def _loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    out = model(x)
    return F.cross_entropy(out, y % out.shape[1])


def _weight_grads(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
    model.train()
    model.zero_grad()
    _loss(model, x, y).backward()
    return [(m.weight, m.weight.grad if m.weight.grad is not None else torch.zeros_like(m.weight))
            for m in weight_layers(model)]


@register_proxy("params", data="none", batch_size=1, reads_only=True)
def params(model: nn.Module, batch: Batch) -> float:
    """Number of parameters (all nn.Parameter elements)."""
    return float(sum(p.numel() for p in model.parameters()))


@register_proxy("macs", data="none", batch_size=1, reads_only=True)
def macs(model: nn.Module, batch: Batch) -> float:
    """Multiply-accumulates of one input, as `edgenas.profile` counts them."""
    from edgenas.profile import profile

    return float(profile(model, (1, *batch[0].shape[1:])).macs)


@register_proxy("synflow", data="none", batch_size=1)
def synflow(model: nn.Module, batch: Batch) -> float:
    """log sum |theta * dR/dtheta| with every BN removed, |weights|, float64, all-ones input.

    All BN layers become identities (the clean version; the Zero-Cost-NAS port keeps the BN of
    the two reduction blocks). The log keeps the ranking and avoids float overflow."""
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.modules.batchnorm._BatchNorm):
                setattr(module, child_name, nn.Identity())
    model = model.double().eval()
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.abs_()
    x = torch.ones((1, *batch[0].shape[1:]), dtype=torch.float64, device=batch[0].device)
    model.zero_grad()
    model(x).sum().backward()
    total = sum(float((m.weight * m.weight.grad).detach().abs().sum()) for m in weight_layers(model)
                if m.weight.grad is not None)
    return math.log(total) if total > 0 else -math.inf


def _features_before_pool(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    pools = [m for m in model.modules() if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool1d))]
    if not pools:
        raise ValueError("zen needs a global average pool to read the features before it")
    captured: list[torch.Tensor] = []
    handle = pools[-1].register_forward_hook(lambda m, inp, out: captured.append(inp[0]))
    try:
        model(x)
    finally:
        handle.remove()
    return captured[-1]


@register_proxy("zen", data="noise", batch_size=64)
def zen(model: nn.Module, batch: Batch) -> float:
    """Zen-score: log E|f(x) - f(x + 0.01 e)| of the pre-pooling features with N(0,1) weights,
    plus sum over BN layers of log sqrt(mean running variance) (ZenNAS reference code).

    Gaussian input always (the proxy's definition); train-mode BN."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        model.train()
        x = torch.randn_like(batch[0])
        eps = torch.randn_like(x)
        delta = (_features_before_pool(model, x) - _features_before_pool(model, x + 0.01 * eps)).abs()
        delta = delta.flatten(1).sum(1).mean()
        bn = sum(math.log(math.sqrt(float(m.running_var.mean()))) for m in model.modules()
                 if isinstance(m, nn.BatchNorm2d) and m.running_var is not None)
    return math.log(float(delta)) + bn if delta > 0 else -math.inf


@register_proxy("naswot", data="images", batch_size=128)
def naswot(model: nn.Module, batch: Batch) -> float:
    """log |det K|, K = sum over ReLU modules of the agreement of binary activation codes
    (c c^T + (1-c)(1-c)^T) across the batch (Mellor et al., "hook_logdet")."""
    x = batch[0]
    n = len(x)
    kernel = torch.zeros(n, n, dtype=torch.float64, device=x.device)

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        c = (inputs[0].detach().reshape(n, -1) > 0).double()
        kernel.add_(c @ c.T + (1 - c) @ (1 - c).T)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        model.train()
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    sign, logdet = np.linalg.slogdet(kernel.cpu().numpy())
    return float(logdet) if sign != 0 else -math.inf


@register_proxy("snip", data="images", batch_size=64)
def snip(model: nn.Module, batch: Batch) -> float:
    """sum |theta * dL/dtheta| over conv/linear weights (connection sensitivity)."""
    return sum(float((w * g).detach().abs().sum()) for w, g in _weight_grads(model, *batch))


@register_proxy("grad_norm", data="images", batch_size=64)
def grad_norm(model: nn.Module, batch: Batch) -> float:
    """sum over conv/linear layers of the L2 norm of dL/dW (Zero-Cost-NAS version)."""
    return sum(float(g.norm()) for _, g in _weight_grads(model, *batch))


@register_proxy("fisher", data="images", batch_size=64)
def fisher(model: nn.Module, batch: Batch) -> float:
    """Channel Fisher: per layer output a and its gradient g, F_k = 1/2 mean_n (sum_hw a g)^2,
    broadcast to the weights of channel k and summed (Zero-Cost-NAS aggregation)."""
    acts: list[tuple[nn.Module, torch.Tensor]] = []

    def keep(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        output.retain_grad()
        acts.append((module, output))

    handles = [m.register_forward_hook(keep) for m in weight_layers(model)]
    try:
        model.train()
        model.zero_grad()
        _loss(model, *batch).backward()
    finally:
        for h in handles:
            h.remove()
    total = 0.0
    for module, a in acts:
        if a.grad is None:
            continue
        prod = a * a.grad
        per_channel = prod.sum(dim=tuple(range(2, prod.dim()))) if prod.dim() > 2 else prod
        f = 0.5 * per_channel.pow(2).mean(0)
        total += float(f.detach().sum()) * module.weight[0].numel()
    return total


@register_proxy("jacob_cov", data="images", batch_size=64)
def jacob_cov(model: nn.Module, batch: Batch) -> float:
    """-sum log(v + k) + 1/(v + k) over eigenvalues v of the correlation of input Jacobians
    (k = 1e-5; Mellor et al. v1)."""
    x = batch[0].clone().requires_grad_(True)
    model.train()
    out = model(x)
    out.backward(torch.ones_like(out))
    jac = x.grad.reshape(len(x), -1).double().cpu().numpy()
    if np.any(jac.std(axis=1) == 0):
        return -math.inf  # a constant Jacobian row: correlation undefined (dead network)
    eig = np.linalg.eigvalsh(np.corrcoef(jac))
    k = 1e-5
    return float(-np.sum(np.log(eig + k) + 1.0 / (eig + k)))


@register_proxy("grasp", data="images", batch_size=64)
def grasp(model: nn.Module, batch: Batch) -> float:
    """sum of -theta * (H g) over conv/linear weights, one Hessian-gradient product (T = 1)."""
    model.train()
    weights = [m.weight for m in weight_layers(model)]
    g = torch.autograd.grad(_loss(model, *batch), weights, allow_unused=True)
    g = [torch.zeros_like(w) if gi is None else gi.detach() for w, gi in zip(weights, g)]
    g2 = torch.autograd.grad(_loss(model, *batch), weights, create_graph=True, allow_unused=True)
    z = sum((gi * g2i).sum() for gi, g2i in zip(g, g2) if g2i is not None)
    if not isinstance(z, torch.Tensor) or not z.requires_grad:
        return -math.inf
    hg = torch.autograd.grad(z, weights, allow_unused=True)
    return sum(float((-w * h).detach().sum()) for w, h in zip(weights, hg) if h is not None)


@register_proxy("gradsign", data="images", batch_size=128)
def gradsign(model: nn.Module, batch: Batch) -> float:
    """sum_k |sum_i sign(g_ik)|: agreement of per-sample gradient signs over all conv/linear
    weights (the official *sum* variant). Each sample runs alone, so BN uses its own statistics."""
    model.train()
    layers = weight_layers(model)
    signs = None
    x, y = batch
    for i in range(len(x)):
        model.zero_grad()
        _loss(model, x[i:i + 1], y[i:i + 1]).backward()
        flat = torch.cat([(m.weight.grad if m.weight.grad is not None else torch.zeros_like(m.weight)).flatten()
                          for m in layers])
        s = torch.sign(flat)
        signs = s if signs is None else signs + s
    return float(signs.abs().sum())


@register_proxy("zico", data="images", batch_size=256)
def zico(model: nn.Module, batch: Batch) -> float:
    """sum over layers of log(sum_w mean|g| / std(g)) across 2 batches of 128 (ZiCo code:
    std of the signed gradient, elements with zero std dropped)."""
    x, y = batch
    halves = [(x[: len(x) // 2], y[: len(y) // 2]), (x[len(x) // 2:], y[len(y) // 2:])]
    grads = [[g.flatten().clone() for _, g in _weight_grads(model, xb, yb)] for xb, yb in halves]
    total = 0.0
    for per_batch in zip(*grads):
        stack = torch.stack(per_batch)
        std = stack.std(0, unbiased=False)
        keep = std != 0
        if not keep.any():
            continue
        value = float((stack.abs().mean(0)[keep] / std[keep]).sum())
        if value > 0:
            total += math.log(value)
    return total if total != 0.0 else -math.inf


@register_proxy("meco", data="images", batch_size=1)
def meco(model: nn.Module, batch: Batch) -> float:
    """sum over every module's output of the smallest eigenvalue of the channel correlation
    matrix of one sample's feature map (MeCo; one input, one forward, no labels)."""
    total = 0.0
    found = False

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total, found
        if not isinstance(output, torch.Tensor) or output.dim() != 4 or output.shape[1] < 2 or output[0, 0].numel() < 2:
            return
        feats = output[0].detach().reshape(output.shape[1], -1).double()
        corr = torch.nan_to_num(torch.corrcoef(feats), nan=0.0, posinf=0.0, neginf=0.0)
        value = float(torch.linalg.eigvalsh(corr).min())
        if math.isfinite(value):
            total += value
            found = True

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    try:
        model.train()
        with torch.no_grad():
            model(batch[0][:1])
    finally:
        for h in handles:
            h.remove()
    return total if found else -math.inf
