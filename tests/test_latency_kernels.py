"""Kernel counts of ONNX Runtime's optimised graph as latency features (`latency fit --kernels`)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from edgenas.errors import ConfigError
from edgenas.hardware import LatencyPredictor
from edgenas.hardware.kernels import kernel_counts, kernel_matrix
from edgenas.hardware.latency_predictor import LatencySource
from edgenas.spaces import NB201Space

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")
# one worker: the networks counted once serve every test; conftest's counts of the sampled networks
# (the counting tests use their own networks and an empty cache)
pytestmark = [pytest.mark.xdist_group("kernels"), pytest.mark.usefixtures("counted_kernels")]

SPACE = NB201Space()
ALL_3X3 = SPACE.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")
NO_CONV = SPACE.parse("|avg_pool_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|skip_connect~1|none~2|")


def _convs(counts) -> int:
    return sum(n for name, n in counts.items() if "Conv" in name.split()[0])


def test_every_convolution_of_the_cells_is_a_kernel_and_its_window_is_named():
    """Six 3x3 convolutions per cell, 15 cells: at least 90 more convolution kernels than a cell
    without any (additions and activations fuse into them; the stem's batch norm may fold into
    one more), and at least 90 named 3x3."""
    dense, light = kernel_counts(SPACE, ALL_3X3), kernel_counts(SPACE, NO_CONV)
    assert 90 <= _convs(dense) - _convs(light) <= 92
    assert sum(n for name, n in dense.items() if "3x3" in name and "Conv" in name) >= 90
    assert kernel_counts(SPACE, ALL_3X3) is dense  # counted once per process
    vocabulary = sorted(set(dense) | set(light))
    matrix = kernel_matrix(SPACE, [ALL_3X3, NO_CONV], vocabulary)
    assert matrix.shape == (2, len(vocabulary)) and matrix.sum(1).tolist() == [sum(dense.values()), sum(light.values())]


def _kernel_costed_table(n: int):
    """A board whose latency is a sum of per-kernel costs: per-op models cannot be exact on it
    (the runtime fuses and converts by neighbourhood), kernel features can."""
    archs = [SPACE.sample(np.random.default_rng(i)) for i in range(n)]
    names = sorted(set().union(*(kernel_counts(SPACE, a) for a in archs)))
    cost = {name: 0.01 + 0.05 * ("Conv" in name) + 0.08 * ("3x3" in name) + 0.03 * name.startswith("Reorder")
            for name in names}
    y = np.array([sum(cost[k] * v for k, v in kernel_counts(SPACE, a).items()) for a in archs])
    return archs, y


def test_kernel_features_make_a_kernel_costed_board_predictable_from_few_networks(tmp_path):
    archs, y = _kernel_costed_table(40)
    train, test = slice(0, 24), slice(24, 40)
    counted = LatencyPredictor(SPACE, kernels="onnxruntime").fit(archs[train], y[train])
    plain = LatencyPredictor(SPACE).fit(archs[train], y[train])
    assert counted.kind_ == "linear" and "paths" in counted.validation_  # below 30 networks: paths or linear
    assert counted.parts_["rewrites"] is False  # the kernel counts state what the rewrite counts guess
    scores = counted.score(archs[test], y[test])
    assert scores["within_10pct"] == 1.0 and scores["mape"] < plain.score(archs[test], y[test])["mape"] / 3
    path = counted.save(tmp_path / "p.pt")
    loaded = LatencyPredictor.load(path, SPACE)
    assert loaded.kernels == "onnxruntime" and loaded.kernel_vocabulary_ == counted.kernel_vocabulary_
    np.testing.assert_allclose(loaded.predict(archs[test]), counted.predict(archs[test]))


def test_transfer_corrects_by_kernel_where_the_board_converts_layouts_the_source_does_not(tmp_path):
    """`--from` with `--kernels`: the kernel counts join `transfer`'s penalised per-op corrections,
    so a board that pays for layout conversions its source does not (x86 ONNX Runtime against an
    ARM table) is predicted better than by the power law and op counts alone; the correction
    columns travel with the saved predictor."""
    archs = [SPACE.sample(np.random.default_rng(i)) for i in range(60)]  # the first 40 as above: counted once
    counts = [kernel_counts(SPACE, a) for a in archs]

    def board(reorder: float) -> np.ndarray:
        return np.array([sum((0.01 + 0.05 * ("Conv" in k) + 0.08 * ("3x3" in k) + reorder * k.startswith("Reorder")) * v
                             for k, v in c.items()) for c in counts])

    source = LatencySource.from_table("arm", archs, board(0.0), SPACE)
    y = 0.5 * board(0.06)
    train, test = archs[:40], archs[40:]
    plain = LatencyPredictor(SPACE, "transfer", sources=[source]).fit(train, y[:40])
    counted = LatencyPredictor(SPACE, "transfer", sources=[source], kernels="onnxruntime").fit(train, y[:40])
    n_struct = plain.features(train[:1]).shape[1] - SPACE.encoding_size
    assert len(counted.parts_["corrections"]["keep"]) == n_struct + len(counted.kernel_vocabulary_)
    before, after = plain.score(test, y[40:]), counted.score(test, y[40:])
    assert after["within_10pct"] >= before["within_10pct"] + 0.1 and after["mape"] < 0.85 * before["mape"]
    loaded = LatencyPredictor.load(counted.save(tmp_path / "p.pt"), SPACE)
    np.testing.assert_allclose(loaded.predict(test), counted.predict(test))


def test_an_unknown_kernel_runtime_is_refused():
    with pytest.raises(ConfigError, match="unknown kernel runtime 'tflite'; choose onnxruntime"):
        LatencyPredictor(SPACE, kernels="tflite")


def test_fit_with_kernels_on_the_command_line(cli, tmp_path):
    archs, y = _kernel_costed_table(20)  # below FEW: paths and linear only
    table = tmp_path / "board.csv"
    table.write_text("arch,latency_ms\n" + "".join(f"{SPACE.format(a)},{v}\n" for a, v in zip(archs, y)))
    code, out, err = cli("latency", "fit", "--table", str(table), "--kernels", "onnxruntime", "-o", str(tmp_path / "b.pt"))
    assert code == 0, err
    assert "onnxruntime kernel types" in out and re.search(r"held out +linear:", out)
    code, _, err = cli("latency", "fit", "--table", str(table), "--kernels", "tvm", "-o", str(tmp_path / "c.pt"))
    assert code != 0 and "unknown kernel runtime 'tvm'" in err and len(err.strip().splitlines()) == 1


def test_kernel_counts_are_kept_on_disk_and_a_cut_line_is_counted_again(tmp_path, monkeypatch):
    from edgenas.hardware import kernels

    monkeypatch.setenv("EDGENAS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(kernels, "_CACHE", {})
    monkeypatch.setattr(kernels, "_LOADED", set())
    monkeypatch.setattr(kernels, "_UNTERMINATED", set())
    archs = [SPACE.sample(np.random.default_rng(s)) for s in (11, 12)]
    first = [kernel_counts(SPACE, a) for a in archs]
    (disk,) = (tmp_path / "kernels").iterdir()
    assert len(disk.read_text().splitlines()) == 2
    # a new process: counts come from the file, no export
    kernels._CACHE.clear()
    kernels._LOADED.clear()
    monkeypatch.setattr(kernels, "_onnxruntime_counts", lambda space, arch: pytest.fail("exported again"))
    assert [kernel_counts(SPACE, a) for a in archs] == first
    # a crash cut the second line short: it is skipped, counted again, and the new line starts on its own
    lines = disk.read_text().splitlines()
    disk.write_text(lines[0] + "\n" + lines[1][:25])
    kernels._CACHE.clear()
    kernels._LOADED.clear()
    monkeypatch.setattr(kernels, "_onnxruntime_counts", lambda space, arch: first[1])
    assert kernel_counts(SPACE, archs[1]) == first[1]
    kept = disk.read_text().splitlines()
    assert kept[0] == lines[0] and kept[1] == lines[1][:25] and json.loads(kept[2])["arch"] == SPACE.format(archs[1])


def test_kernel_counts_stay_in_memory_when_the_disk_cache_is_off(tmp_path, monkeypatch):
    from edgenas.hardware import kernels

    monkeypatch.setenv("EDGENAS_CACHE_DIR", "off")
    monkeypatch.setattr(kernels, "_CACHE", {})
    monkeypatch.chdir(tmp_path)
    kernel_counts(SPACE, SPACE.sample(np.random.default_rng(13)))
    assert kernels._disk_file("onnxruntime", "x", kernels._cache_folder()) is None and not any(tmp_path.iterdir())


def test_the_disk_cache_stops_growing_at_its_limit(tmp_path, monkeypatch):
    from edgenas.hardware import kernels

    monkeypatch.setenv("EDGENAS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(kernels, "_CACHE", {})
    monkeypatch.setattr(kernels, "_LOADED", set())
    monkeypatch.setattr(kernels, "_DISK_LIMIT", 10)  # bytes: one line passes it
    archs = [SPACE.sample(np.random.default_rng(s)) for s in (21, 22, 23)]
    counts = [kernel_counts(SPACE, a) for a in archs]
    (disk,) = (tmp_path / "kernels").iterdir()
    assert len(disk.read_text().splitlines()) == 1
    assert [kernel_counts(SPACE, a) for a in archs] == counts  # the rest from memory
