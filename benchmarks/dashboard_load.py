"""The dashboard on a large store: load time in headless Chromium and the delay until a new trial
is shown.

    python benchmarks/dashboard_load.py [--trials 10000] [--updates 10] [--workdir runs/dashboard-bench]
        [--screenshot docs/dashboard.png]

Fills a store with ``--trials`` trials of a random search over small MBConv networks (the
profiler's exact MACs, params and peak memory; minimise MACs under a parameter limit that about
a third of the networks break, so violations show: NB201 has too few distinct cells), serves it with `edgenas dashboard` (read-only), then prints:
the JSON endpoints' times (median of 5), the page's time from navigation to drawn views in
Chromium (median of 5 fresh loads), and the delay from a trial being stored to the page showing it
(median and max over ``--updates`` trials written one at a time while the page is open).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from edgenas.experiment import Objective, create_experiment
from edgenas.hardware import ProfileCost
from edgenas.spaces import create_space


def _experiment(url: str):
    space = create_space("mbconv", resolutions=(32,), widths=(0.5,))
    return create_experiment(name="big", space=space, evaluator=ProfileCost(space),
                             objective=Objective("macs", maximize=False), constraints=["params<=1850000"],
                             strategy="random", seed=0, storage=url)


def _browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1100"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium")
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def _until(condition, timeout: float = 30.0):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if value := condition():
            return value
        time.sleep(0.01)
    raise SystemExit("timed out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=Path("runs/dashboard-bench"))
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="keep the store a previous run filled")
    args = parser.parse_args()
    url = f"sqlite:///{args.workdir}/big.db"
    if not (args.reuse and (args.workdir / "big.db").exists()):
        shutil.rmtree(args.workdir, ignore_errors=True)
        args.workdir.mkdir(parents=True)
        start = time.perf_counter()
        exp = _experiment(url)
        exp.run(args.trials)
        exp.close()
        print(f"store of {args.trials:,} trials filled in {time.perf_counter() - start:.0f} s")
    server = subprocess.Popen([sys.executable, "-m", "edgenas.cli", "dashboard", "--storage", url, "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    try:
        address = re.search(r"http://\S+/", server.stdout.readline()).group(0)
        for path in ("api/runs", "api/run?name=big"):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                size = len(urllib.request.urlopen(address + path).read())
                times.append(time.perf_counter() - t)
            print(f"GET /{path}: median {1e3 * statistics.median(times):.0f} ms ({size / 1024:.0f} KiB)")
        browser = _browser()
        loads = []
        for _ in range(5):
            browser.get("about:blank")
            browser.get(address)
            loads.append(float(_until(lambda: browser.execute_script("return document.body.dataset.renderedMs"))))
        print(f"page load to drawn views ({args.trials:,} trials): median {statistics.median(loads):.0f} ms, "
              f"max {max(loads):.0f} ms (5 loads)")
        exp = _experiment(url)
        shown = lambda: int(browser.execute_script(  # noqa: E731
            "return document.getElementById('status').dataset.trials"))
        delays = []
        for _ in range(args.updates):
            time.sleep(0.37)  # not in step with the page's 1 s poll
            before = shown()
            trial = exp.ask()
            exp.tell(trial, exp.evaluate(trial.arch))
            stored = time.perf_counter()
            _until(lambda b=before: shown() > b)
            delays.append(time.perf_counter() - stored)
        exp.close()
        print(f"new trial to shown: median {statistics.median(delays):.2f} s, max {max(delays):.2f} s "
              f"({args.updates} trials)")
        if args.screenshot:
            browser.save_screenshot(str(args.screenshot))
            print(f"screenshot: {args.screenshot}")
        browser.quit()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
