"""Every CLI option that takes a value, given a malformed value: one line, non-zero exit,
nothing run. A new option must be added to BAD (the sweep fails on an option it lacks)."""

from __future__ import annotations

import json

import pytest
from _factories import TINY_CLI, small_table, tiny_supernet

from edgenas.oneshot import largest
from edgenas.spaces import MBConvSpace

OFA_ARCH = largest(MBConvSpace(**TINY_CLI)).to_json()
OFA_QUERY = ["--checkpoint", "{t}/ofa.pt", "--dataset", "digits", "--samples", "5", "--population", "4",
             "--generations", "2", "--workdir", "{t}"]

NB201_ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|"

# command -> a minimal valid invocation (options it requires), with {t} for the test folder
BASE = {
    "search": ["--budget", "2", "--storage", "sqlite:///{t}/s.db"],
    "demo": ["--budget", "2", "--plot", "{t}/d.png"],
    "design-space": ["--samples", "3", "--widths", "0.5", "--resolutions", "32"],
    "profile": ["_factories:tiny", "--input", "1,3,8,8"],
    "blocks": [],
    "train": ["--arch", "random:0", "--dataset", "digits", "--epochs", "1", "--space-config",
              '{"resolutions": [16], "depths": [1], "widths": [0.25]}'],
    "runs list": ["--storage", "sqlite:///{t}/s.db"],
    "runs show": ["x", "--storage", "sqlite:///{t}/s.db"],
    "latency fit": ["--table", "{t}/lat.csv", "--model", "linear", "-o", "{t}/l.pt"],
    "latency eval": ["--predictor", "{t}/l.pt", "--table", "{t}/lat.csv"],
    "latency measure": ["--device", "microcontroller", "--n", "2", "--resolution", "32", "-o", "{t}/m.csv"],
    "latency lut": ["--device", "torch-cpu", "--n", "2", "--resolution", "32", "-o", "{t}/lut.json"],
    "latency correlate": ["--device", "microcontroller", "--n", "3", "--resolution", "32"],
    "predictor fit": ["--table", "{t}/acc.csv", "--model", "gbm", "-o", "{t}/a.pt"],
    "predictor eval": ["--predictor", "{t}/a.pt", "--table", "{t}/acc.csv"],
    "proxies eval": ["--proxies", "params", "--sample", "3", "--cache", "{t}/c.jsonl"],
    "ofa train": ["--dataset", "digits", "--space-config", json.dumps(TINY_CLI), "-o", "{t}/o.pt", "--full-epochs", "1",
                  "--kernel-epochs", "0", "--depth-epochs", "0", "--expand-epochs", "0", "--width-epochs", "0",
                  "--train-size", "64"],
    "ofa search": [*OFA_QUERY, "--device", "macs:1e9"],
    "ofa specialize": [*OFA_QUERY, "--devices", "macs:1e9,microcontroller"],
    "oneshot search": ["--target-ms", "5", "--dataset", "digits", "--space-config", json.dumps(TINY_CLI), "--epochs", "2",
                       "--warmup-epochs", "1", "--train-size", "128", "--batch-size", "32", "--checkpoint", "{t}/px.pt",
                       "--device", "torch-cpu", "--workdir", "{t}"],
    "ofa export": [OFA_ARCH, "--checkpoint", "{t}/ofa.pt", "--dataset", "digits", "-o", "{t}/m.onnx"],
    "export": ["--space", "nb201", "--arch", NB201_ARCH, "-o", "{t}/e.onnx"],
    "latency kit": ["--n", "2", "-o", "{t}/kit-new"],
    "dashboard": ["--storage", "sqlite:///{t}/dash.db", "--port", "0"],
    "runs report": ["x", "--storage", "sqlite:///{t}/dash.db", "-o", "{t}/r.html"],
    "oneshot train": ["--dataset", "digits", "--epochs", "1", "--train-size", "64", "-o", "{t}/v.pt", "--space-config",
                      '{"embeds": [16], "depths": [1], "heads": [2], "mlp_ratios": [2], "patches": [8], '
                      '"resolution": 16}'],
}

# (command, option) -> (malformed value, words the one-line error must contain)
BAD = {
    ("search", "--space"): ("bogus", "unknown search space"),
    ("search", "--benchmark"): ("{t}/missing.csv", "not found"),
    ("search", "--strategy"): ("bogus", "unknown strategy"),
    ("search", "--budget"): ("0", "budget must be at least 1"),
    ("search", "--seed"): ("-3", "seed"),
    ("search", "--latency-table"): ("{t}/missing.csv", "not found"),
    ("search", "--max-latency-ms"): ("-1", "needs --latency-table"),
    ("search", "--max-macs"): ("-5", "macs"),
    ("search", "--max-params"): ("-5", "params"),
    ("search", "--max-peak-kb"): ("-1", "peak_memory_bytes"),
    ("search", "--max-flash-kb"): ("-1", "weight_bytes"),
    ("search", "--latency-predictor"): ("{t}/missing.pt", "missing.pt"),
    ("search", "--evaluator"): ("bogus", "unknown evaluator"),
    ("search", "--device"): ("bogus", "unknown device"),
    ("search", "--dataset"): ("bogus:", "dataset"),
    ("search", "--epochs"): ("0", "epochs"),
    ("search", "--lr"): ("-1", "--lr"),
    ("search", "--space-config"): ("[1,2]", "JSON object"),
    ("search", "--objective"): ("bogus", "objective metric 'bogus'"),
    ("search", "--reward-target-ms"): ("-2", "needs --latency-table"),
    ("search", "--reward-weight"): ("nan", "--reward-weight"),
    ("search", "--strategy-params"): ('{"population_size": -3}', "population_size"),
    ("search", "--prior"): ("{t}/missing.csv", "not found"),
    ("search", "--storage"): ("postgres://x", "not supported"),
    ("search", "--name"): ("../x", "not plain"),
    ("search", "--executor"): ("bogus", "unknown executor"),
    ("search", "--workers"): ("0", "workers must be at least 1"),
    ("search", "--address"): ("bogus", "--address"),
    ("search", "--plot"): ("{t}/p.xyz", "must end in one of"),
    ("demo", "--budget"): ("0", "budget must be at least 1"),
    ("demo", "--max-latency-ms"): ("0.01", "no architecture satisfies"),
    ("demo", "--seed"): ("-1", "seed"),
    ("demo", "--plot"): ("{t}/p.xyz", "must end in one of"),
    ("design-space", "--space"): ("nb201", "mbconv"),
    ("design-space", "--sram-kb"): ("-1", "sram"),
    ("design-space", "--flash-kb"): ("-1", "flash"),
    ("design-space", "--widths"): ("a,b", "comma-separated list of numbers"),
    ("design-space", "--resolutions"): ("a", "comma-separated list of integers"),
    ("design-space", "--samples"): ("0", "samples"),
    ("design-space", "--seed"): ("-1", "seed"),
    ("design-space", "--num-classes"): ("0", "num_classes"),
    ("design-space", "--quantile"): ("2", "quantile"),
    ("design-space", "--plot"): ("{t}/p.xyz", "must end in one of"),
    ("profile", "--input"): ("a,b", "comma-separated list of integers"),
    ("profile", "--bytes-per-element"): ("0", "bytes_per_element"),
    ("profile", "--sram-kb"): ("-1", "sram"),
    ("profile", "--flash-kb"): ("-1", "flash"),
    ("blocks", "--resolution"): ("0", "resolution"),
    ("blocks", "--nasnet-m"): ("0", "nasnet-m"),
    ("blocks", "--nasnet-n"): ("-1", "nasnet-n"),
    ("blocks", "--nasnet-b"): ("0", "nasnet-b"),
    ("train", "--space"): ("bogus", "unknown search space"),
    ("train", "--arch"): ("random:abc", "random:SEED"),
    ("train", "--dataset"): ("{t}/none.npz", "no such file"),
    ("train", "--epochs"): ("0", "epochs"),
    ("train", "--lr"): ("0", "lr"),
    ("train", "--optimizer"): ("bogus", "optimizer must be"),
    ("train", "--batch-size"): ("0", "batch_size"),
    ("train", "--label-smoothing"): ("2", "label_smoothing"),
    ("train", "--seed"): ("-1", "seed"),
    ("train", "--space-config"): ('{"foo": 1}', "foo"),
    ("train", "--checkpoint"): ("/proc/x/ck.pt", "cannot write"),
    ("runs list", "--storage"): ("postgres://x", "not supported"),
    ("runs show", "--storage"): ("sqlite:///{t}/none.db", "no store"),
    ("latency fit", "--space"): ("bogus", "unknown search space"),
    ("latency fit", "--table"): ("{t}/missing.csv", "not found"),
    ("latency fit", "--model"): ("bogus", "bogus"),
    ("latency fit", "--seed"): ("-1", "seed"),
    ("latency fit", "-o"): ("/proc/x/l.pt", "cannot write"),
    ("latency eval", "--predictor"): ("{t}/lat.csv", "predictor"),
    ("latency eval", "--table"): ("{t}/missing.csv", "not found"),
    ("latency measure", "--space"): ("bogus", "unknown search space"),
    ("latency measure", "--device"): ("bogus", "unknown device"),
    ("latency measure", "--n"): ("0", "n must be"),
    ("latency measure", "--seed"): ("-1", "seed"),
    ("latency measure", "--threads"): ("0", "threads"),
    ("latency measure", "--resolution"): ("0", "resolution"),
    ("latency measure", "--passes"): ("0", "passes"),
    ("latency measure", "-o"): ("/proc/x/m.csv", "cannot write"),
    ("latency lut", "--device"): ("bogus", "unknown device"),
    ("latency lut", "--resolution"): ("-1", "resolution"),
    ("latency lut", "--n"): ("0", "n must be"),
    ("latency lut", "--seed"): ("-1", "seed"),
    ("latency lut", "--threads"): ("0", "threads"),
    ("latency lut", "--space-config"): ('{"foo": 1}', "foo"),
    ("latency lut", "--num-classes"): ("0", "num-classes"),
    ("latency lut", "-o"): ("/proc/x/l.json", "cannot write"),
    ("latency correlate", "--space"): ("bogus", "unknown search space"),
    ("latency correlate", "--device"): ("bogus", "unknown device"),
    ("latency correlate", "--table"): ("{t}/missing.csv", "not found"),
    ("latency correlate", "--predictor"): ("{t}/missing.pt", "missing.pt"),
    ("latency correlate", "--budget-s"): ("0", "budget-s"),
    ("latency correlate", "--n"): ("1", "n must be"),
    ("latency correlate", "--seed"): ("-1", "seed"),
    ("latency correlate", "--threads"): ("0", "threads"),
    ("latency correlate", "--resolution"): ("0", "resolution"),
    ("latency correlate", "--plot"): ("{t}/p.xyz", "must end in one of"),
    ("predictor fit", "--space"): ("bogus", "unknown search space"),
    ("predictor fit", "--table"): ("{t}/missing.csv", "not found"),
    ("predictor fit", "--model"): ("bogus", "bogus"),
    ("predictor fit", "--metric"): ("bogus", "bogus"),
    ("predictor fit", "--seed"): ("-1", "seed"),
    ("predictor fit", "-o"): ("/proc/x/a.pt", "cannot write"),
    ("predictor eval", "--predictor"): ("{t}/acc.csv", "predictor"),
    ("predictor eval", "--table"): ("{t}/missing.csv", "not found"),
    ("predictor eval", "--metric"): ("bogus", "bogus"),
    ("proxies eval", "--space"): ("bogus", "unknown search space"),
    ("proxies eval", "--benchmark"): ("{t}/missing.csv", "not found"),
    ("proxies eval", "--proxies"): ("bogus", "unknown proxy"),
    ("proxies eval", "--sample"): ("0", "sample must be"),
    ("proxies eval", "--seed"): ("-1", "seed"),
    ("proxies eval", "--data"): ("bogus:", "dataset"),
    ("proxies eval", "--num-classes"): ("0", "num_classes"),
    ("proxies eval", "--metric"): ("bogus", "bogus"),
    ("proxies eval", "--ensemble"): ("bogus", "unknown proxy"),
    ("proxies eval", "--cache"): ("/proc/x/c.jsonl", "cannot write"),
    ("proxies eval", "--device"): ("tpu9", "not available"),
    ("ofa train", "--dataset"): ("bogus:", "dataset"),
    ("ofa train", "-o"): ("/proc/x/o.pt", "cannot write"),
    ("ofa train", "--space-config"): ('{"foo": 1}', "foo"),
    ("ofa train", "--schedule"): ("bogus", "schedule must be"),
    ("ofa train", "--teacher"): ("bogus", "teacher must be"),
    ("ofa train", "--full-epochs"): ("0", "full-epochs"),
    ("ofa train", "--kernel-epochs"): ("-1", "kernel-epochs"),
    ("ofa train", "--depth-epochs"): ("-1", "depth-epochs"),
    ("ofa train", "--expand-epochs"): ("-1", "expand-epochs"),
    ("ofa train", "--width-epochs"): ("-1", "width-epochs"),
    ("ofa train", "--batch-size"): ("0", "batch-size"),
    ("ofa train", "--lr"): ("0", "lr"),
    ("ofa train", "--train-size"): ("100000", "train-size"),
    ("ofa train", "--device"): ("tpu", "cpu or cuda"),
    ("ofa train", "--seed"): ("-1", "seed"),
    **{(f"ofa {c}", o): v for c in ("search", "specialize") for o, v in {
        "--max-latency-ms": ("-1", "must be positive"),
        "--min-accuracy": ("100", "percentage"),
        "--checkpoint": ("{t}/none.pt", "not found"),
        "--predictor": ("{t}/lat.csv", "predictor"),
        "--dataset": ("bogus:", "dataset"),
        "--samples": ("1", "samples"),
        "--population": ("1", "population"),
        "--generations": ("0", "generations"),
        "--workdir": ("/proc/x", "cannot write"),
        "--seed": ("-1", "seed"),
    }.items()},
    ("ofa search", "--device"): ("bogus", "unknown device"),
    ("ofa specialize", "--devices"): ("macs:1e9,bogus", "unknown device"),
    ("ofa specialize", "--plot"): ("{t}/p.xyz", "must end in one of"),
    ("ofa export", "-o"): ("{t}/m.txt", "must end in one of"),
    ("ofa export", "--checkpoint"): ("{t}/none.pt", "not found"),
    ("ofa export", "--dataset"): ("bogus:", "dataset"),
    ("ofa export", "--bn-images"): ("0", "bn-images"),
    ("ofa export", "--opset"): ("3", "opset"),
    ("ofa export", "--seed"): ("-1", "seed"),
    ("oneshot search", "--method"): ("darts9", "unknown method"),
    ("oneshot search", "--space"): ("nb201", "mbconv"),
    ("oneshot search", "--device"): ("bogus", "unknown device"),
    ("oneshot search", "--target-ms"): ("-1", "target-ms"),
    ("oneshot search", "--dataset"): ("bogus:", "dataset"),
    ("oneshot search", "--space-config"): ('{"foo": 1}', "foo"),
    ("oneshot search", "--epochs"): ("0", "epochs"),
    ("oneshot search", "--warmup-epochs"): ("9", "warmup_epochs"),
    ("oneshot search", "--batch-size"): ("100", "too few"),
    ("oneshot search", "--loss"): ("bogus", "unknown latency loss"),
    ("oneshot search", "--estimator"): ("bogus", "estimator must be"),
    ("oneshot search", "--train-size"): ("100000", "train-size"),
    ("oneshot search", "--checkpoint"): ("/proc/x/p.pt", "cannot write"),
    ("oneshot search", "--workdir"): ("/proc/x", "cannot write"),
    ("oneshot search", "--seed"): ("-1", "seed"),
    ("oneshot search", "--benchmark"): ("nb201-cifar10", "cell methods"),
    ("oneshot search", "--plot"): ("{t}/a.png", "cell methods"),
    ("oneshot search", "--channels"): ("0", "channels"),
    ("oneshot search", "--cells"): ("0", "cells"),
    ("oneshot search", "--resolution"): ("4", "resolution"),
    ("oneshot search", "--train-device"): ("tpu", "cpu or cuda"),
    ("export", "-o"): ("{t}/m.txt", "must end in one of"),
    ("export", "--space"): ("bogus", "unknown search space"),
    ("export", "--arch"): ("|bogus~0|", "not a cell string"),
    ("export", "--space-config"): ('{"foo": 1}', "foo"),
    ("export", "--model"): ("bogus", "exactly one network"),
    ("export", "--run"): ("x", "exactly one network"),
    ("export", "--storage"): ("sqlite:///{t}/dash.db", "--storage goes with --run"),
    ("export", "--weights"): ("{t}/none.pt", "no weights file"),
    ("export", "--resolution"): ("4", "resolution"),
    ("export", "--opset"): ("3", "opset"),
    ("export", "--quantize"): ("int4", "dynamic or static"),
    ("export", "--dataset"): ("bogus:", "dataset"),
    ("export", "--eval-images"): ("0", "eval-images"),
    ("train", "--save-weights"): ("{t}/w.txt", "must end in one of"),
    ("latency fit", "--from"): ("{t}/none.csv", "not found"),
    ("latency fit", "--kernels"): ("tflite", "unknown kernel runtime 'tflite'"),
    ("latency kit", "--space"): ("bogus", "unknown search space"),
    ("latency kit", "--n"): ("0", "n"),
    ("latency kit", "--seed"): ("-1", "seed"),
    ("latency kit", "--archs"): ("{t}/none.txt", "no architecture file"),
    ("latency kit", "--resolution"): ("0", "resolution"),
    ("latency kit", "--opset"): ("3", "opset"),
    ("latency kit", "-o"): ("{t}", "not empty"),
    ("dashboard", "--storage"): ("sqlite:///{t}/missing.db", "no store"),
    ("dashboard", "--host"): ("256.0.0.1", "cannot listen"),
    ("dashboard", "--port"): ("70000", "port"),
    ("runs report", "-o"): ("{t}/r.txt", "must end in one of"),
    ("runs report", "--storage"): ("sqlite:///{t}/missing.db", "no store"),
    ("oneshot train", "--space"): ("mbconv", "vit"),
    ("oneshot train", "-o"): ("/proc/x/v.pt", "cannot write"),
    ("oneshot train", "--dataset"): ("bogus:", "dataset"),
    ("oneshot train", "--space-config"): ('{"foo": 1}', "foo"),
    ("oneshot train", "--epochs"): ("0", "epochs"),
    ("oneshot train", "--batch-size"): ("0", "batch"),
    ("oneshot train", "--lr"): ("0", "lr"),
    ("oneshot train", "--train-size"): ("100000", "train-size"),
    ("oneshot train", "--seed"): ("-1", "seed"),
}


# options that replace one of the base invocation's
EXCLUSIVE = {("latency correlate", "--table"): ("--device",), ("latency correlate", "--predictor"): (),
             ("search", "--dataset"): (), ("search", "--epochs"): (), ("search", "--lr"): ()}


def _options() -> list[tuple[str, str]]:
    import typer

    import edgenas.cli  # noqa: F401 - registers the commands
    from edgenas.cli._common import app

    found = []
    root = typer.main.get_command(app)
    for name, command in root.commands.items():
        subs = command.commands.items() if hasattr(command, "commands") else [("", command)]
        for sub, leaf in subs:
            for param in leaf.params:
                if getattr(param, "is_flag", False) or not param.opts or not param.opts[0].startswith("-"):
                    continue
                if param.name in ("help", "json"):
                    continue
                found.append((f"{name} {sub}".strip(), param.opts[0]))
    return found


def test_the_sweep_covers_every_option():
    missing = [o for o in _options() if o not in BAD]
    assert not missing, f"add a malformed value for {missing}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    t = tmp_path_factory.mktemp("sweep")
    small_table("nb201-pi5-onnx", t / "lat.csv", slice(0, 40))
    small_table("nb201-cifar10", t / "acc.csv", slice(0, 40))
    from edgenas.experiment import create_experiment

    create_experiment(name="x", storage=f"sqlite:///{t}/dash.db").run(3)
    tiny_supernet(t / "ofa.pt", n=64, space=TINY_CLI, depth_epochs=0, expand_epochs=0, width_epochs=0)
    return t


@pytest.mark.parametrize("command, option", sorted(BAD))
def test_malformed_value_is_one_line(cli, folder, monkeypatch, command, option):
    monkeypatch.chdir(folder)
    value, words = BAD[command, option]

    def base(name: str) -> list[str]:
        return [a.replace("{t}", str(folder)) for a in BASE[name]]

    for needs in ("latency", "predictor"):
        if command == f"{needs} eval":
            code, _, err = cli(needs, "fit", *base(f"{needs} fit"))
            assert code == 0, err
    args = base(command)
    for drop in (option, *EXCLUSIVE.get((command, option), ())):  # replace the base value
        if drop in args:
            i = args.index(drop)
            del args[i:i + 2]
    code, out, err = cli(*command.split(), *args, option, value.replace("{t}", str(folder)))
    assert code != 0, f"{command} {option} {value!r} was accepted"
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert words.lower() in err.lower() or f"'{option}'" in err, err  # says what is wrong, or names the option


@pytest.mark.parametrize("args, words", [
    (["train", "--space", "nb201", "--arch", "random:0", "--dataset", "scenes:digits", "--epochs", "1"],
     "the nb201 space's network classifies images, but scenes:digits is a segmentation dataset; give fashion-mnist"),
    (["train", "--space", "autodeeplab", "--arch", "random:0", "--dataset", "digits", "--epochs", "1"],
     "the autodeeplab space's network labels every pixel, but digits is a classification dataset; give scenes:"),
    (["search", "--evaluator", "train", "--dataset", "scenes:digits", "--epochs", "1", "--budget", "1"],
     "the nb201 space's network classifies images"),
    (["ofa", "train", "--dataset", "scenes:digits", "--full-epochs", "1"], "the Once-for-All supernet classifies"),
    (["oneshot", "train", "--space", "vit", "--dataset", "scenes:digits"], "the ViT supernet classifies images"),
])
def test_a_dataset_of_the_other_task_is_one_line(cli, tmp_path, monkeypatch, args, words):
    """A classifier fed per-pixel labels (or the reverse) failed deep inside the loss."""
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*args, *(["-o", str(tmp_path / "s.pt")] if args[1] == "train" and args[0] != "train" else []))
    assert code != 0 and words in err and len(err.strip().splitlines()) == 1, err


def test_a_kit_folder_that_cannot_be_made_is_one_line(cli):
    code, _, err = cli("latency", "kit", "--n", "2", "-o", "/proc/edgenas-kit")
    assert code != 0 and "cannot write -o '/proc/edgenas-kit/manifest.json'" in err and len(err.strip().splitlines()) == 1, err


def test_a_memory_budget_nothing_fits_is_one_line(cli, tmp_path):
    code, _, err = cli("design-space", "--samples", "3", "--widths", "0.3", "--resolutions", "32", "--sram-kb", "1",
                       "--plot", str(tmp_path / "cdf.png"))
    assert code != 0 and "no sampled network fits 1 kB SRAM" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "cdf.png").exists()


@pytest.mark.parametrize("option, value", [("--device", "cuda"), ("--target-ms", "5"), ("--warmup-epochs", "1"),
                                           ("--loss", "hard"), ("--estimator", "reinforce")])
def test_a_cell_method_refuses_what_only_proxyless_reads(cli, option, value):
    """Not ignored silently: --device cuda on darts trained on the CPU for minutes."""
    code, _, err = cli("oneshot", "search", "--method", "darts", "--dataset", "digits", option, value)
    assert code != 0 and len(err.strip().splitlines()) == 1 and "applies to proxyless" in err, err
    assert ("--train-device cuda" in err) == (value == "cuda")
