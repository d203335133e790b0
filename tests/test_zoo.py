"""Reference zoo totals against the published figures (exact where torchvision publishes them)."""

from __future__ import annotations

import pytest
import torch

from edgenas import profile
from edgenas.zoo import create_model, list_models

EXACT = {
    "resnet50": (4_089_184_256, 25_557_032),
    "resnext50_32x4d": (4_230_479_872, 25_028_904),
    "mobilenet_v2": (300_774_272, 3_504_872),
    "shufflenet_v2_x1_0": (144_907_992, 2_278_604),
    "resnet18": (1_814_073_344, 11_689_512),
}
APPROX = {"mobilenet_v1": (569e6, 4.2e6, 0.01), "deit_tiny": (1.26e9, 5.7e6, 0.02)}


def _meta(name):
    with torch.device("meta"):
        return create_model(name)


@pytest.mark.parametrize("name", sorted(EXACT))
def test_exact_published_counts(name):
    p = profile(_meta(name), (1, 3, 224, 224))
    assert (p.macs, p.params) == EXACT[name]
    assert not p.uncounted


@pytest.mark.parametrize("name", sorted(APPROX))
def test_approximate_published_counts(name):
    macs, params, tol = APPROX[name]
    p = profile(_meta(name), (1, 3, 224, 224))
    assert abs(p.macs - macs) / macs <= tol
    assert abs(p.params - params) / params <= tol


@pytest.mark.parametrize("name", list_models())
def test_models_run_on_real_tensors(name):
    torch.manual_seed(0)
    model = create_model(name, num_classes=7).eval()
    size = 224 if name == "deit_tiny" else 64
    with torch.no_grad():
        out = model(torch.randn(2, 3, size, size))
    assert out.shape == (2, 7)
    assert torch.isfinite(out).all()


def test_profiling_a_real_model_leaves_it_unchanged():
    model = create_model("mobilenet_v2", num_classes=10).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    p = profile(model, (1, 3, 96, 96))
    assert p.executed_on == "meta"
    assert model.training and all(m.training for m in model.modules())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all("forward" not in m.__dict__ for m in model.modules())
    assert p.params == sum(t.numel() for t in model.parameters())
