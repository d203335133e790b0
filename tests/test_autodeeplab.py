"""Auto-DeepLab: composed scenes and mIoU, the trellis space, the supernet's outgoing-beta
normalisation, Viterbi decoding against brute force, a searched path that builds, resume, bad input."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
import torch

from edgenas.data import load_dataset
from edgenas.data.scenes import compose_scenes, confusion, mean_iou
from edgenas.errors import ArchError, ConfigError
from edgenas.oneshot.autodeeplab import TrellisSupernet, viterbi
from edgenas.oneshot.darts import DartsConfig, cell_search
from edgenas.profile import profile
from edgenas.spaces import AutoDeepLabSpace, NB201Space, create_space
from edgenas.spaces.autodeeplab import RATES

CELL = "|sep_conv_3x3~0|+|skip_connect~0|dil_conv_5x5~1|+|none~0|max_pool_3x3~1|avg_pool_3x3~2|"


@pytest.fixture(autouse=True)
def one_thread():
    from edgenas.threads import torch_threads

    with torch_threads(1):
        yield


@pytest.fixture(scope="module")
def scenes():
    data = load_dataset("scenes:digits", resolution=32, seed=0)
    return replace(data, x_train=data.x_train[:64], y_train=data.y_train[:64])


def test_scenes_label_every_item_pixel_with_its_class():
    images = np.zeros((2, 1, 8, 8), dtype=np.float32)
    images[0, 0, 2:6, 2:6] = 1.0  # a square of class 3
    images[1, 0, :, :4] = 0.5  # a half-filled item of class 7
    x, y = compose_scenes(images, np.array([3, 7]), 20, 32, seed=1)
    assert x.shape == (20, 1, 32, 32) and y.shape == (20, 32, 32)
    assert set(np.unique(y)) <= {0, 4, 8} and (y > 0).any()
    assert (x[:, 0][y == 0] == 0).all() and (x[:, 0][y > 0] > 0.2).all()
    again = compose_scenes(images, np.array([3, 7]), 20, 32, seed=1)
    assert (again[1] == y).all() and (again[0] == x).all()


def test_mean_iou_against_a_hand_count():
    truth = torch.tensor([[0, 0, 1, 1], [2, 2, 2, 0]])
    pred = torch.tensor([[0, 1, 1, 1], [2, 2, 0, 0]])
    # class 0: 2 shared of 4 in the union; class 1: 2 of 3; class 2: 2 of 3
    assert mean_iou(confusion(pred, truth, 4)) == pytest.approx((2 / 4 + 2 / 3 + 2 / 3) / 3)


def test_scene_dataset_is_a_segmentation_task(scenes):
    assert scenes.task == "segmentation" and scenes.num_classes == 11
    assert scenes.x_train.shape[1:] == (3, 32, 32) and scenes.y_train.shape[1:] == (32, 32)
    assert load_dataset("digits", resolution=8).task == "classification"


def test_space_strings_jumps_and_size():
    space = AutoDeepLabSpace(layers=4, resolution=32)
    arch = space.parse(f"4,8,16,8@{CELL}")
    assert space.format(arch) == f"4,8,16,8@{CELL}" and space.levels(arch) == [0, 1, 2, 1]
    with pytest.raises(ArchError, match="jumps from rate 4 to 16"):
        space.parse(f"4,16,16,8@{CELL}")
    with pytest.raises(ArchError, match="the path lists 3 rates"):
        space.parse(f"4,8,8@{CELL}")
    assert space.levels(space.canonical(space.with_path(arch, [3, 3, 0, 0]))) == [1, 2, 1, 0]
    paths = sum(1 for levels in itertools.product(range(4), repeat=4)
                if all(abs(b - a) <= 1 for a, b in zip((0, *levels), levels)))
    assert space.size() == paths * 8 ** 6
    rng = np.random.default_rng(0)
    assert all(space.validate(space.sample(rng)) for _ in range(20))


def test_built_network_segments_and_is_counted_exactly():
    space = AutoDeepLabSpace(layers=3, resolution=32)
    arch = space.parse(f"8,16,8@{CELL}")
    model = space.build(arch, num_classes=5, channels=4)
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 5, 32, 32)
    p = profile(model, (1, 3, 32, 32))
    # the ASPP head at rate 8 (4x4 map, channels 8): 1x1, 3x3 atrous and the fusing 1x1, then the classifier
    head = [layer for layer in p.layers if layer.name.startswith("classifier")]
    c, hw = 8, 16
    assert sum(layer.macs for layer in head) == hw * (c * c + 9 * c * c + 3 * c * c + c * 5) + c * c
    with pytest.raises(ArchError, match="multiple of 32"):
        create_space("autodeeplab", resolution=48)


def test_viterbi_finds_the_most_probable_path():
    space = AutoDeepLabSpace(layers=5, resolution=32)
    torch.manual_seed(3)
    net = TrellisSupernet(space, 3, channels=2)
    with torch.no_grad():
        net.beta.normal_(0, 2)
    log_beta = torch.log(net.beta_probabilities().detach().double().clamp_min(1e-30))
    best, best_path = -np.inf, None
    for levels in itertools.product(range(4), repeat=5):
        prev, total = 0, 0.0
        for layer, level in enumerate(levels):
            if abs(level - prev) > 1:
                break
            total += float(log_beta[layer, prev, level - prev + 1])
            prev = level
        else:
            if total > best:
                best, best_path = total, list(levels)
    assert viterbi(log_beta, net.valid) == best_path
    assert space.levels(net.derive()) == best_path


def test_beta_is_normalised_over_each_nodes_outgoing_edges():
    net = TrellisSupernet(AutoDeepLabSpace(layers=4, resolution=32), 3, channels=2)
    probs = net.beta_probabilities().detach()
    sums = probs.sum(-1)
    assert torch.allclose(sums[net.valid.any(-1)], torch.ones(())) and (sums[~net.valid.any(-1)] == 0).all()
    assert not net.valid[0, 0, 0] and net.valid[0, 0].sum() == 2  # the stem at rate 4 goes to 4 or 8
    assert net.valid[3, 3].tolist() == [True, True, False]  # rate 32 cannot go coarser
    out = net(torch.randn(2, 3, 32, 32))
    torch.nn.functional.cross_entropy(out, torch.randint(0, 3, (2, 32, 32))).backward()
    assert (net.alpha.grad != 0).all() and (net.beta.grad[net.valid] != 0).all()


def test_search_derives_a_buildable_path_and_resumes_after_a_crash(tmp_path, scenes):
    space = AutoDeepLabSpace(layers=2, resolution=32)
    config = DartsConfig(method="autodeeplab", epochs=2, batch_size=32, channels=2)
    assert config.arch_start == 1 and config.arch_lr == 3e-3
    straight, net, full = cell_search(space, scenes, config)
    assert full[0]["arch_loss"] == 0 and full[1]["arch_loss"] > 0  # architecture frozen for the first half
    assert space.build(straight, num_classes=scenes.num_classes)(scenes.x_test[:2]).shape == (2, 11, 32, 32)

    class Crash(Exception):
        pass

    def crash(row):
        if row.get("end_of_epoch") and row["epoch"] == 1:
            raise Crash

    with pytest.raises(Crash):
        cell_search(space, scenes, config, tmp_path / "c.pt", crash)
    resumed, _, history = cell_search(space, scenes, config, tmp_path / "c.pt")
    assert resumed == straight and [h["beta"] for h in history] == [h["beta"] for h in full]


def test_bad_input_is_one_clear_line(scenes, tmp_path):
    from _factories import tiny_digits

    with pytest.raises(ConfigError, match="searches the autodeeplab space"):
        cell_search(NB201Space(), scenes, DartsConfig(method="autodeeplab", channels=2))
    with pytest.raises(ConfigError, match="classification dataset"):
        cell_search(AutoDeepLabSpace(layers=2, resolution=32), tiny_digits(64, resolution=8),
                    DartsConfig(method="autodeeplab", channels=2))
    with pytest.raises(ConfigError, match="segmentation dataset"):
        cell_search(NB201Space(), scenes, DartsConfig(method="darts", channels=2))
    with pytest.raises(Exception, match="composed from digits or fashion-mnist"):
        np.savez(tmp_path / "a.npz", x=np.zeros((4, 8, 8)), y=np.zeros(4))
        load_dataset(f"scenes:npz:{tmp_path / 'a.npz'}")


def test_trainer_learns_segmentation_and_reports_miou(scenes):
    from edgenas.estimate.train import TrainConfig, Trainer

    space = AutoDeepLabSpace(layers=2, resolution=32)
    torch.manual_seed(0)
    model = space.build(space.parse(f"4,8@{CELL}"), num_classes=scenes.num_classes, channels=4)
    data = replace(scenes, x_val=scenes.x_val[:32], y_val=scenes.y_val[:32], x_test=scenes.x_test[:32],
                   y_test=scenes.y_test[:32])
    result = Trainer(TrainConfig(epochs=2, batch_size=16, lr=0.05)).fit(model, data)
    assert 0 < result.test_miou < 1 and "val_miou" in result.history[-1]
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    assert result.val_accuracy > 0.5  # background alone is most pixels
    assert RATES[0] == 4


def test_a_checkpoint_of_another_trellis_is_refused(tmp_path, scenes):
    config = DartsConfig(method="autodeeplab", epochs=1, batch_size=32, channels=2)
    cell_search(AutoDeepLabSpace(layers=1, resolution=32), scenes, config, tmp_path / "c.pt")
    with pytest.raises(ConfigError, match="other settings"):
        cell_search(AutoDeepLabSpace(layers=2, resolution=32), scenes, config, tmp_path / "c.pt")
