"""Every command the README shows runs here, on small inputs. A README command missing from
SMALL fails the first test: add its small variant when you document a new one."""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

import pytest
from _factories import TINY_CLI, fashion_mnist_folder, small_table

from edgenas.oneshot import largest
from edgenas.spaces import MBConvSpace

OFA_ARCH = largest(MBConvSpace(**TINY_CLI)).to_json()

README = Path(__file__).parent.parent / "README.md"

# README command (after `edgenas `, continuation lines joined) -> the same command on small inputs
# ({t}: a scratch folder holding pi5.csv, board.csv, test.csv, train.csv, acc.csv, task.csv and a
# Fashion-MNIST folder fm/).
SMALL = {
    "profile mobilenet_v2 --input 1,3,224,224 --sram-kb 320 --flash-kb 1024":
        "profile mobilenet_v2 --input 1,3,224,224 --sram-kb 320 --flash-kb 1024",
    "profile mypkg.models:build --input 1,3,96,96 --json": "profile _factories:tiny --input 1,3,8,8 --json",
    "blocks": "blocks",
    "search --space nb201 --budget 200 --latency-table nb201-pi5-onnx --max-latency-ms 4 "
    "--name pi5 --plot pareto.png":
        "search --space nb201 --budget 20 --latency-table nb201-pi5-onnx --max-latency-ms 4 "
        "--name pi5 --plot {t}/pareto.png",
    "runs list": "runs list",
    "runs show pi5": "runs show pi5",
    "search --space nb201 --budget 100 --latency-table nb201-pi5-onnx --reward-target-ms 2":
        "search --space nb201 --budget 15 --latency-table nb201-pi5-onnx --reward-target-ms 2 --name reward",
    "search --space nb201 --benchmark cifar100.csv --prior nb201-cifar10 --budget 50":
        "search --space nb201 --benchmark {t}/task.csv --prior nb201-cifar10 --budget 12 --name prior",
    "search ... --executor ray --address auto": None,  # tests/test_ray.py runs `search --executor ray` end to end
    "latency fit --table pi5.csv -o pi5.pt": "latency fit --table {t}/pi5.csv -o {t}/pi5.pt",
    "latency fit --table board.csv --from nb201-pi5-onnx -o board.pt":
        "latency fit --table {t}/board.csv --from nb201-pi5-onnx -o {t}/board.pt",
    "latency eval --predictor pi5.pt --table test.csv": "latency eval --predictor {t}/pi5.pt --table {t}/test.csv",
    "search --latency-predictor pi5.pt --max-latency-ms 4":
        "search --latency-predictor {t}/pi5.pt --max-latency-ms 4 --budget 5 --name lp",
    "latency measure --space mbconv --device torch-cpu --n 100 -o cpu.csv":
        "latency measure --space mbconv --device torch-cpu --n 2 --resolution 32 -o {t}/cpu.csv",
    "latency lut --device torch-cpu":
        f"latency lut --device torch-cpu --space-config '{json.dumps(TINY_CLI)}' --n 2 -o {{t}}/lut.json",
    "latency correlate --space mbconv --device torch-cpu":
        "latency correlate --space mbconv --device torch-cpu --n 3 --resolution 32 --budget-s 0.3 --plot {t}/corr.png",
    "design-space --sram-kb 320 --flash-kb 1024":
        "design-space --sram-kb 320 --flash-kb 1024 --widths 0.3 --resolutions 96 --samples 3 --plot {t}/cdf.png",
    "search --max-peak-kb 320 --max-flash-kb 1024": "search --max-peak-kb 320 --max-flash-kb 1024 --budget 3 --name mcu",
    "proxies eval --proxies synflow,meco,jacob_cov,ensemble --sample 1000":
        "proxies eval --proxies synflow,meco,jacob_cov,ensemble --sample 4 --cache {t}/p.jsonl",
    "search --evaluator proxy:meco,jacob_cov,synflow --budget 1000":
        "search --evaluator proxy:meco,jacob_cov,synflow --budget 2 --name zs",
    "predictor fit --table train.csv -o acc.pt": "predictor fit --table {t}/train.csv -o {t}/acc.pt",
    "predictor eval --predictor acc.pt --table test.csv": "predictor eval --predictor {t}/acc.pt --table {t}/acc.csv",
    "train --dataset fashion-mnist": "train --dataset fashion-mnist:{t}/fm --epochs 1",
    "train --space mbconv --arch random:0 --dataset digits --epochs 10":
        "train --space mbconv --arch random:0 --dataset digits --epochs 1 --space-config "
        '\'{"resolutions": [16], "widths": [0.35], "depths": [1]}\'',
    "search --space mbconv --evaluator train --dataset digits --budget 20 --device torch-cpu --max-latency-ms 6 "
    "--space-config '{\"resolutions\": [32]}'":
        "search --space mbconv --evaluator train --dataset digits --budget 1 --epochs 1 --device torch-cpu "
        "--max-latency-ms 60 --space-config '{\"resolutions\": [32], \"widths\": [0.35], \"depths\": [1]}' --name tr",
    "ofa train -o runs/ofa.pt": f"ofa train -o {{t}}/ofa.pt --dataset digits --space-config '{json.dumps(TINY_CLI)}' "
    "--full-epochs 1 --kernel-epochs 1 --depth-epochs 1 --expand-epochs 1 --width-epochs 1 --train-size 64",
    "ofa search --device torch-cpu --max-latency-ms 2":
        "ofa search --checkpoint {t}/ofa.pt --dataset digits --samples 6 --generations 3 --population 6 "
        "--device torch-cpu --max-latency-ms 2 --workdir {t}",
    "ofa specialize --devices torch-cpu,onnxruntime-cpu,microcontroller:320:1024 --max-latency-ms 2 --plot picks.png":
        "ofa specialize --checkpoint {t}/ofa.pt --dataset digits --samples 6 --generations 3 --population 6 "
        "--devices torch-cpu,onnxruntime-cpu,microcontroller:320:1024 --max-latency-ms 2 --plot {t}/picks.png "
        "--workdir {t}",
    "oneshot search --method proxyless --space mbconv --device torch-cpu --target-ms 2":
        f"oneshot search --method proxyless --space mbconv --device torch-cpu --target-ms 2 --dataset digits "
        f"--space-config '{json.dumps(TINY_CLI)}' --epochs 2 --warmup-epochs 1 --train-size 128 --batch-size 32 "
        "--checkpoint {t}/px.pt --workdir {t}",
    "ofa specialize --devices torch-cpu,onnxruntime-cpu --min-accuracy 80":
        "ofa specialize --checkpoint {t}/ofa.pt --dataset digits --samples 6 --generations 3 --population 6 "
        "--devices torch-cpu,onnxruntime-cpu --min-accuracy 1 --workdir {t}",
    "oneshot search --method gdas --space nb201 --dataset fashion-mnist --benchmark nb201-cifar10 --plot alpha.png":
        "oneshot search --method gdas --space nb201 --dataset digits --benchmark nb201-cifar10 --plot {t}/alpha.png "
        "--epochs 2 --channels 2 --resolution 8 --batch-size 32 --train-size 64 --checkpoint {t}/g.pt",
    "oneshot search --method autodeeplab --dataset scenes:fashion-mnist --epochs 8":
        "oneshot search --method autodeeplab --dataset scenes:digits --epochs 2 --channels 2 --resolution 32 "
        "--space-config '{\"layers\": 2}' --batch-size 32 --train-size 64 --checkpoint {t}/adl.pt",
    "train --space autodeeplab --arch random:0 --dataset scenes:fashion-mnist":
        "train --space autodeeplab --arch random:0 --dataset scenes:digits --epochs 1 "
        "--space-config '{\"layers\": 1, \"resolution\": 32}'",
    "oneshot train --space vit -o runs/vit.pt":
        "oneshot train --space vit -o {t}/vit.pt --dataset digits --epochs 1 --train-size 64 "
        "--space-config '{\"embeds\": [16, 24], \"depths\": [1, 2], \"heads\": [2], \"patches\": [8], \"resolution\": 16}'",
    "search --space vit --evaluator supernet:runs/vit.pt --device torch-cpu --max-latency-ms 2":
        "search --space vit --evaluator supernet:{t}/vit.pt --device torch-cpu --max-latency-ms 50 --dataset digits "
        "--budget 3 --space-config '{\"embeds\": [16, 24], \"depths\": [1, 2], \"heads\": [2], \"patches\": [8], \"resolution\": 16}' --storage sqlite:///{t}/v.db",
    "train --space nb201 --arch random:0 --dataset fashion-mnist --save-weights net.pt":
        "train --space nb201 --arch random:0 --dataset fashion-mnist:{t}/fm --epochs 1 --save-weights {t}/net.pt",
    "export --weights net.pt -o net.onnx --quantize static --dataset fashion-mnist":
        "export --weights {t}/net.pt -o {t}/net.onnx --quantize static --dataset fashion-mnist:{t}/fm --eval-images 20",
    "export --run pi5 --best -o pi5.onnx": "export --run pi5 --best -o {t}/pi5.onnx",
    "latency kit --space nb201 --n 300 -o kit": "latency kit --space nb201 --n 3 -o {t}/kit",
    "latency fit --table kit/latency.csv -o board.pt": None,  # tests/test_kit.py: kit -> run.py -> fit -> eval
    "dashboard --storage sqlite:///runs/pi5.db": None,  # tests/test_dashboard.py serves it to headless Chromium
    "runs report pi5 -o pi5.html": "runs report pi5 -o {t}/pi5.html",
    "ofa export '{\"width\": 1.0, ...}' -o model.onnx":
        f"ofa export '{OFA_ARCH}' --checkpoint {{t}}/ofa.pt --dataset digits -o {{t}}/model.onnx",
}


PREREQUISITE_MODEL = {"pi5.pt": " --model linear", "acc.pt": " --model gbm"}


def readme_commands() -> list[str]:
    text = README.read_text().replace("\\\n", " ")
    out = []
    for block in re.findall(r"```\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            for part in line.split("&&"):
                part = " ".join(part.split())
                if part.startswith("edgenas "):
                    out.append(part[len("edgenas "):])
    return out


def test_every_readme_command_has_a_small_variant():
    missing = [c for c in readme_commands() if c not in SMALL]
    assert not missing, f"README commands with no small variant in tests/test_readme.py: {missing}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    t = tmp_path_factory.mktemp("readme")
    small_table("nb201-pi5-onnx", t / "pi5.csv", slice(0, 30))
    small_table("nb201-pi5-onnx", t / "test.csv", slice(60, 100))
    # another board: the Pi 5's networks on a faster chip (a power law of its latency)
    rows = list(csv.DictReader((t / "pi5.csv").read_text().splitlines()))[:20]  # below FEW: a short fit
    (t / "board.csv").write_text("arch,latency_ms\n" + "".join(
        f"{r['arch']},{0.4 * float(r['latency_ms']) ** 0.9:.6f}\n" for r in rows))
    small_table("nb201-cifar10", t / "train.csv", slice(0, 40))
    small_table("nb201-cifar10", t / "acc.csv", slice(40, 80))
    small_table("nb201-cifar10", t / "task.csv", slice(0, None))  # every cell: a task to search with a prior
    fashion_mnist_folder(t / "fm", train=60)
    return t


@pytest.mark.slow
@pytest.mark.parametrize("command", [c for c, small in SMALL.items() if small])
def test_readme_command_runs_on_small_inputs(cli, folder, monkeypatch, quick_timing, command):
    from edgenas.estimate.proxies import ProxyEvaluator

    monkeypatch.chdir(folder)
    # a smaller ensemble reference sample (32 cells by default, 2 here) keeps the zero-shot search short
    monkeypatch.setattr(ProxyEvaluator.__init__, "__kwdefaults__",
                        {**ProxyEvaluator.__init__.__kwdefaults__, "reference_size": 2})
    for needs, first in (("pi5.pt", "latency fit --table pi5.csv -o pi5.pt"),
                         ("acc.pt", "predictor fit --table train.csv -o acc.pt"),
                         ("ofa.pt", "ofa train -o runs/ofa.pt"),
                         ("vit.pt", "oneshot train --space vit -o runs/vit.pt"),
                         ("net.pt", "train --space nb201 --arch random:0 --dataset fashion-mnist --save-weights net.pt")):
        if f"{{t}}/{needs}" in SMALL[command] and SMALL[command] != SMALL[first] and not (folder / needs).exists():
            # what a reader ran first; a predictor the next command only reads is fitted without `auto`'s
            # cross-validation, which the `fit` commands' own cases run
            prior = SMALL[first] + PREREQUISITE_MODEL.get(needs, "")
            assert cli(*shlex.split(prior.replace("{t}", str(folder))))[0] == 0
    if command.startswith(("runs", "export --run")):
        pi5 = next(c for c in SMALL if "--name pi5" in c)
        assert cli(*shlex.split(SMALL[pi5].replace("{t}", str(folder))))[0] == 0
    code, out, err = cli(*shlex.split(SMALL[command].replace("{t}", str(folder))))
    assert code == 0, err
    if command.startswith("latency fit --table pi5.csv"):  # under 30 networks `auto` weighs the two models few fit
        assert "fitted counts on 28 measured networks" in out or "fitted paths on 28 measured networks" in out
        assert "held out                paths:" in out and "held out               counts:" in out
    if "--from" in command:  # the source is named, and the transfer models were among the candidates
        assert "sources: nb201-pi5-onnx" in out and "held out             transfer:" in out


def test_the_demo_job_runs(cli, tmp_path, monkeypatch):
    """`make demo` runs `edgenas demo` (here with a smaller budget): best cell, truth, plot."""
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("demo", "--budget", "30", "--plot", str(tmp_path / "demo.png"))
    assert code == 0, err
    assert "table optimum under 4 ms (all 3,867 feasible cells): 91.315%" in out
    assert (tmp_path / "demo.png").stat().st_size > 10_000
