"""Latency predictors that transfer: another device's latency as a feature (`--from`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edgenas.errors import ConfigError
from edgenas.estimate import TabularBenchmark
from edgenas.hardware import LatencyPredictor, measured_networks
from edgenas.hardware.latency_predictor import TRANSFER_MODELS, LatencySource
from edgenas.learn import Ridge
from edgenas.spaces import NB201Space

SPACE = NB201Space()


@pytest.fixture(scope="module")
def pi5():
    archs, y = measured_networks(TabularBenchmark("nb201-pi5-onnx", SPACE, metrics=["latency_ms"]))
    return archs, y, LatencySource.from_spec("nb201-pi5-onnx", SPACE)


def _count(archs, op):
    return np.array([sum(v == op for v in a.values()) for a in archs], dtype=float)


def _split(archs, y, n, seed=0):
    order = np.random.default_rng(seed).permutation(len(archs))
    tr, te = order[:n], order[n:2000]
    return [archs[i] for i in tr], y[tr], [archs[i] for i in te], y[te]


def test_a_faster_board_is_learnt_from_ten_networks(pi5):
    archs, y, source = pi5
    noise = np.exp(np.random.default_rng(1).normal(0, 0.01, len(y)))
    board = 0.4 * y ** 0.9 * noise  # the same operators, a faster chip: a power law
    tr, ytr, te, yte = _split(archs, board, 10)
    moved = LatencyPredictor(SPACE, seed=0, sources=[source]).fit(tr, ytr)
    assert moved.kind_.startswith("transfer")
    # what `auto` without sources picks: the same folds scored the plain models alike (no second CV)
    plain = {k: v for k, v in moved.validation_.items() if k not in TRANSFER_MODELS}
    alone = LatencyPredictor(SPACE, max(plain, key=plain.get), seed=0).fit(tr, ytr).score(te, yte)["within_10pct"]
    assert moved.score(te, yte)["within_10pct"] >= 0.95 > alone


def test_operators_that_cost_differently_need_per_op_corrections(pi5):
    archs, y, source = pi5
    board = 0.3 * y + 1.2 * _count(archs, "avg_pool_3x3")  # pooling is slow on this board
    tr, ytr, te, yte = _split(archs, board, 60)
    scores = {m: LatencyPredictor(SPACE, m, seed=0, sources=[source]).fit(tr, ytr).score(te, yte)["within_10pct"]
              for m in ("transfer", "transfer-ops")}
    assert scores["transfer-ops"] >= 0.95 and scores["transfer-ops"] > scores["transfer"] + 0.1


def test_the_power_law_leans_on_a_noisy_sources_additive_part(pi5, tmp_path):
    """A source timed with 15% noise per network: its raw latency carries the noise into every
    transferred prediction; its additive part (a per-op ridge on all its networks) does not."""
    archs, y, _ = pi5
    noisy = y * np.exp(np.random.default_rng(2).normal(0, 0.15, len(y)))
    table = tmp_path / "noisy.csv"
    table.write_text("arch,latency_ms\n" + "".join(f"{SPACE.format(a)},{v}\n" for a, v in zip(archs, noisy)))
    source = LatencySource.from_spec(str(table), SPACE)
    raw_only = LatencySource(source.name, source.lookup, source.fallback)  # additive() = its raw latency
    board = 0.4 * y ** 0.9
    tr, ytr, te, yte = _split(archs, board, 20)
    share = {name: LatencyPredictor(SPACE, "transfer", sources=[s]).fit(tr, ytr).score(te, yte)["within_10pct"]
             for name, s in (("additive", source), ("raw", raw_only))}
    assert share["additive"] >= 0.9 and share["additive"] > share["raw"] + 0.2


def test_a_sources_additive_part_is_per_op(pi5):
    """Without the rewrite counts: what the source's runtime saves by rewriting is its own
    (with them `transfer` lost 21-27 points at 10-20 networks, docs/benchmarks.md)."""
    _, _, source = pi5
    assert source.additive_model.parts_["rewrites"] is False
    assert LatencyPredictor.from_state(source.additive_model.state(), SPACE).rewrites is False


def test_a_predictor_saved_before_the_additive_part_keeps_its_power_law(pi5):
    archs, y, source = pi5
    predictor = LatencyPredictor(SPACE, "transfer", sources=[source]).fit(archs[:30], 0.5 * y[:30])
    old = Ridge(alpha=1e-2).fit(np.log(source(archs[:30]))[:, None], np.log(0.5 * y[:30]))
    predictor.parts_ = {"ridge": old}  # what `transfer` stored until 2026-12-05
    np.testing.assert_allclose(predictor.predict(archs[:50]), np.exp(old.predict(np.log(source(archs[:50]))[:, None])))


def test_transfer_learns_a_per_op_correction_the_power_law_cannot(pi5):
    """A board whose 1x1 convolutions cost a little more than the source's: no power law of the
    source's latency fits it; the penalised per-op corrections do, once the data insist."""
    archs, y, source = pi5
    board = 0.5 * y * np.exp(0.08 * _count(archs, "nor_conv_1x1"))
    tr, ytr, te, yte = _split(archs, board, 100)
    fitted = LatencyPredictor(SPACE, "transfer", sources=[source]).fit(tr, ytr)
    assert "corrections" in fitted.parts_
    # the power law alone, as `transfer` stored it from 2026-12-05 to session 36 (still read so)
    power = {"ridge": Ridge(alpha=1e-2).fit(fitted._power_law_features(tr, fitted._source_ms(tr), True), np.log(ytr)),
             "additive": True}
    before = LatencyPredictor(SPACE, "transfer", sources=[source])
    before.kind_, before.parts_, before.n_train_ = "transfer", power, len(tr)
    share_before = before.score(te, yte)["within_10pct"]
    assert fitted.score(te, yte)["within_10pct"] >= share_before + 0.1


def test_sources_travel_with_the_saved_predictor(pi5, tmp_path):
    archs, y, source = pi5
    partial = tmp_path / "partial.csv"  # a source table that measured only some networks
    partial.write_text("arch,latency_ms\n" + "".join(f"{SPACE.format(a)},{v}\n" for a, v in zip(archs[:300], y[:300])))
    sources = [source, LatencySource.from_spec(str(partial), SPACE)]
    # the networks it lacks are predicted, by a predictor fitted only once one is asked for
    assert sources[1].has_fallback and sources[1]._fallback is None
    sources[1](archs[:300])
    assert sources[1]._fallback is None
    assert sources[1](archs[300:301])[0] > 0 and sources[1]._fallback is not None
    board = 0.3 * y
    for model in ("transfer", "transfer-gbm"):
        predictor = LatencyPredictor(SPACE, model, seed=0, sources=sources).fit(archs[:40], board[:40])
        predictor.save(tmp_path / "p.pt")
        loaded = LatencyPredictor.load(tmp_path / "p.pt")
        assert [s.name for s in loaded.sources] == [s.name for s in sources]
        np.testing.assert_allclose(loaded.predict(archs[:500]), predictor.predict(archs[:500]))
    # a saved predictor is a source too
    via_file = LatencySource.from_spec(str(tmp_path / "p.pt"), SPACE)
    np.testing.assert_allclose(via_file(archs[:50]), predictor.predict(archs[:50]))


def test_a_partial_sources_fallback_weighs_counts_where_the_space_defines_them():
    """`counts` merges what a runtime rewrites (TorchScript): NB201's fallback uses it, a cell
    space without counts keeps `gbm`, other spaces `gbm` alone."""
    from edgenas.spaces import MBConvSpace, SearchSpace

    class Uncounted(NB201Space):  # a cell space that defines no counts
        count_features = SearchSpace.count_features

    assert LatencySource.fallback_model(SPACE) == "counts+hybrid+paths"
    assert LatencySource.fallback_model(Uncounted()) == "hybrid+paths+gbm"
    assert LatencySource.fallback_model(MBConvSpace()) == "gbm"


def test_transfer_models_need_a_source():
    with pytest.raises(ConfigError, match="give a source"):
        LatencyPredictor(SPACE, "transfer")
    assert "transfer" not in LatencyPredictor(SPACE).models()


def test_a_source_with_too_few_networks_is_named_in_one_line(cli, tmp_path, pi5):
    archs, y, _ = pi5
    rows = "".join(f"{SPACE.format(a)},{v}\n" for a, v in zip(archs[:30], y[:30]))
    (tmp_path / "board.csv").write_text("arch,latency_ms\n" + rows)
    (tmp_path / "few.csv").write_text("arch,latency_ms\n" + "".join(rows.splitlines(True)[:3]))
    code, _, err = cli("latency", "fit", "--table", str(tmp_path / "board.csv"), "--from", str(tmp_path / "few.csv"),
                       "-o", str(tmp_path / "b.pt"))
    assert code != 0 and "few.csv has 3 measured network(s); a source needs at least 5" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "b.pt").exists()


def test_fit_from_on_the_command_line(cli, tmp_path, pi5):
    archs, y, _ = pi5
    table = tmp_path / "board.csv"
    table.write_text("arch,latency_ms\n" + "".join(f"{SPACE.format(a)},{0.5 * v}\n" for a, v in zip(archs[:30], y[:30])))
    code, out, err = cli("latency", "fit", "--table", str(table), "--from", "nb201-pi5-onnx", "--model", "transfer",
                         "-o", str(tmp_path / "b.pt"))
    assert code == 0, err
    assert "fitted transfer on 30 measured networks (sources: nb201-pi5-onnx)" in out
    code, _, err = cli("latency", "fit", "--table", str(table), "--from", str(tmp_path / "none.csv"), "-o",
                       str(tmp_path / "c.pt"))
    assert code == 1 and "not found" in err
    # the fitted table as its own source: copied, not learnt from (100% held out, nothing learnt)
    code, _, err = cli("latency", "fit", "--table", str(table), "--from", f"nb201-pi5-onnx,{table}", "-o",
                       str(tmp_path / "d.pt"))
    assert code == 1 and f"source {table} holds the very latencies being fitted" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "d.pt").exists()


def test_shipped_sources_of_each_runtime(cli, tmp_path):
    """The development machine's tables ship as sources, one per runtime: a TorchScript board
    (this machine at 48 px, a table not shipped) fitted on 20 networks from the shipped
    TorchScript table is within 10% on 90% of the others."""
    for name, n in (("nb201-x86-onnx", 400), ("nb201-x86-torch", 1200), ("nb201-x86-torchscript", 300)):
        archs, y = measured_networks(TabularBenchmark(name, SPACE, metrics=["latency_ms"]))
        assert len(archs) == n and (y > 0).all()
    rows = (Path(__file__).parent.parent / "benchmarks" / "data" / "nb201-here-torchscript1-48px.csv").read_text().splitlines()
    (tmp_path / "board.csv").write_text("\n".join(rows[:21]) + "\n")
    (tmp_path / "rest.csv").write_text("\n".join(rows[:1] + rows[21:]) + "\n")
    code, out, err = cli("latency", "fit", "--table", str(tmp_path / "board.csv"), "--from", "nb201-x86-torchscript",
                         "--model", "transfer", "-o", str(tmp_path / "b.pt"))
    assert code == 0, err
    assert "no --from" not in out
    code, alone, err = cli("latency", "fit", "--table", str(tmp_path / "board.csv"), "--model", "counts", "-o",
                           str(tmp_path / "c.pt"))
    assert code == 0 and "no --from: a table of the board's runtime" in alone and "nb201-x86-torchscript" in alone
    code, out, err = cli("latency", "eval", "--predictor", str(tmp_path / "b.pt"), "--table", str(tmp_path / "rest.csv"),
                         "--json")
    assert code == 0, err
    assert json.loads(out)["within_10pct"] >= 0.9


def test_below_few_networks_auto_weighs_the_per_path_model_against_the_transfer_ones(pi5):
    from edgenas.hardware.latency_predictor import FEW

    archs, y, source = pi5
    fitted = LatencyPredictor(SPACE, sources=[source]).fit(archs[:FEW - 1], y[:FEW - 1])
    assert set(fitted.validation_) == {"paths", "counts", "transfer", "transfer-ops"}
    # the kept model's held-out figures, asked again, are the ones auto chose it by (same folds, same fits)
    assert fitted.held_out_figures(archs[:FEW - 1], y[:FEW - 1]) == fitted.validation_[fitted.kind_]
    # transfer-gbm is left out there because it would add nothing: its trees do not split yet
    gbm = LatencyPredictor(SPACE, "transfer-gbm", sources=[source]).fit(archs[:FEW - 1], y[:FEW - 1])
    ops = LatencyPredictor(SPACE, "transfer-ops", sources=[source]).fit(archs[:FEW - 1], y[:FEW - 1])
    assert np.allclose(gbm.predict(archs[FEW:FEW + 50]), ops.predict(archs[FEW:FEW + 50]), rtol=0.01)


def test_auto_keeps_the_power_law_unless_transfer_ops_is_clearly_better(pi5):
    """transfer-ops extends transfer: it must beat it by more than one standard error of its
    held-out share within 10%, else the simpler one is kept (folds of 2-4 networks pick by luck)."""
    _, _, source = pi5
    predictor = LatencyPredictor(SPACE, sources=[source])
    predictor.validation_ = {"paths": (0.50, -0.10), "transfer": (0.80, -0.05), "transfer-ops": (0.85, -0.04)}
    assert predictor._choose(20) == "transfer"  # 0.85 - sqrt(0.85 * 0.15 / 20) = 0.77 <= 0.80
    assert predictor._choose(2000) == "transfer-ops"  # SE 0.008: the 5 points are real
    predictor.validation_["transfer"] = (0.60, -0.10)
    assert predictor._choose(20) == "transfer-ops"
    predictor.validation_["paths"] = (0.90, -0.03)
    assert predictor._choose(20) == "paths"


@pytest.mark.slow
def test_from_few_networks_on_a_source_must_beat_the_best_model_without_it(pi5):
    """From FEW held-out networks on, a model that reads the sources wins only with a larger share
    within 10% than the best one without them (a tie goes to the one without); below FEW the best
    figure decides. The models without sources are weighed as ensembles of their own too."""
    archs, y, source = pi5
    predictor = LatencyPredictor(SPACE, sources=[source])
    predictor.validation_ = {"paths": (0.90, -0.05), "linear": (0.85, -0.06), "paths+linear": (0.92, -0.05),
                             "transfer": (0.92, -0.04), "transfer+paths": (0.91, -0.04)}
    assert predictor._choose(100) == "paths+linear"  # the tie: 0.92 without sources
    assert predictor._choose(20) == "transfer"  # below FEW: the best figure (its MAPE breaks the tie)
    predictor.validation_["transfer"] = (0.93, -0.04)
    assert predictor._choose(100) == "transfer"
    # a board that follows its source keeps it from 40 networks; the best two models without
    # sources were weighed together to compare with
    board = 0.4 * y ** 0.9 * np.exp(np.random.default_rng(3).normal(0, 0.02, len(y)))
    tr, ytr, te, yte = _split(archs, board, 40)
    fitted = LatencyPredictor(SPACE, seed=0, sources=[source]).fit(tr, ytr)
    assert "transfer" in fitted.kind_ and fitted.score(te, yte)["within_10pct"] >= 0.95
    free = [k for k in fitted.validation_ if "+" in k and "transfer" not in k]
    assert free and len(free[0].split("+")) == 2


@pytest.mark.slow
def test_fit_says_when_a_better_figure_was_passed_over(cli, tmp_path, pi5, monkeypatch):
    """`latency fit` prints a line when auto's choice is not the best held-out figure (the
    nested-model rule, the sources' rule); here the rules are replaced by "the worst transfer
    model" and "paths" to make the lines appear."""
    archs, y, _ = pi5
    table = tmp_path / "board.csv"
    table.write_text("arch,latency_ms\n" + "".join(f"{SPACE.format(a)},{0.5 * v}\n" for a, v in zip(archs[:20], y[:20])))
    monkeypatch.setattr(LatencyPredictor, "_choose", lambda self, n: min(
        (k for k in self.validation_ if k.startswith("transfer")), key=self.validation_.get))
    code, out, err = cli("latency", "fit", "--table", str(table), "--from", "nb201-pi5-onnx", "-o", str(tmp_path / "b.pt"))
    assert code == 0, err
    assert "kept:" in out and "is not ahead by one standard error" in out
    # the model without sources kept over one that reads them (as from FEW networks on, at a tie)
    monkeypatch.setattr(LatencyPredictor, "_choose", lambda self, n: "paths")
    code, out, err = cli("latency", "fit", "--table", str(table), "--from", "nb201-pi5-onnx", "-o", str(tmp_path / "c.pt"))
    assert code == 0, err
    assert "paths kept: transfer" in out and "reads the sources and has no more networks within 10%" in out
