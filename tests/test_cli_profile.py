"""`edgenas profile` / `blocks` output, and one-line errors for bad input."""

from __future__ import annotations

import json

import pytest

from edgenas import profile
from edgenas.errors import ProfileError


def test_profile_json_has_totals_and_layers(cli):
    code, out, err = cli("profile", "mobilenet_v2", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["macs"] == 300_774_272
    assert data["params"] == 3_504_872
    assert data["peak_memory_bytes"] == 1_505_280
    assert data["flops"] == 2 * data["macs"]
    assert sum(layer["macs"] for layer in data["layers"]) == data["macs"]
    assert {"name", "op", "input_shapes", "output_shape", "macs", "params",
            "activation_bytes"} <= set(data["layers"][0])


def test_profile_table_and_factory(cli):
    code, out, _ = cli("profile", "_factories:tiny", "--input", "1,3,8,8", "--sram-kb", "320")
    assert code == 0
    assert "peak activation memory" in out and "fits" in out
    code, out, _ = cli("profile", "_factories:tiny", "--input", "1x3x8x8", "--bytes-per-element", "4", "--json")
    assert json.loads(out)["peak_memory_bytes"] == 4 * (3 * 64 + 4 * 36)


@pytest.mark.parametrize(
    "args, message",
    [
        (["profile", "nonet"], "unknown model 'nonet'"),
        (["profile", "mobilenet_v2", "--input", "1,3,a,224"], "not a comma-separated list"),
        (["profile", "mobilenet_v2", "--input", "1,3,0,224"], "input shape"),
        (["profile", "mobilenet_v2", "--input", "1,3,x"], "'1,3,x' is not a comma-separated list"),  # not (1, 3)
        (["profile", "_factories:broken"], "raised RuntimeError: weights file not found"),
        (["profile", "_factories:not_a_model"], "not an nn.Module"),
        (["profile", "_factories:missing"], "has no attribute 'missing'"),
        (["profile", "nosuchpkg.mod:f"], "cannot import 'nosuchpkg.mod'"),
        (["profile", "_factories:tiny", "--input", "1,5,8,8"], "could not run on input (1, 5, 8, 8)"),
        (["blocks", "--nasnet-m", "0"], "'--nasnet-m'"),
    ],
)
def test_bad_input_is_one_line(cli, args, message):
    code, out, err = cli(*args)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_blocks_json(cli):
    code, out, _ = cli("blocks", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["nasnet"]["size"] == (2 * 2 * 13 * 13 * 2) ** 5
    names = [row["name"] for row in data["comparisons"]]
    assert names[:2] == ["bottleneck", "inverted_bottleneck"]


def test_data_dependent_model_falls_back_to_one_real_run():
    from _factories import data_dependent

    p = profile(data_dependent(), (2, 8))
    assert p.executed_on == "cpu"
    assert p.macs == 2 * 8 * 8


def test_profile_rejects_non_module():
    with pytest.raises(ProfileError, match="expected a torch.nn.Module"):
        profile("resnet", (1, 3, 8, 8))
