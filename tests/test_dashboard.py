"""The dashboard and the report: views against the store, read-only serving, one-line errors,
and a real headless Chromium watching a running search."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from edgenas.dashboard.server import make_server
from edgenas.dashboard.views import run_view
from edgenas.errors import StoreError
from edgenas.experiment import Store, create_experiment, load_result

HERE = Path(__file__).parent


@pytest.fixture()
def finished(tmp_path):
    url = f"sqlite:///{tmp_path}/x.db"
    exp = create_experiment(name="x", space="nb201", evaluator="table", costs=["latency-table:nb201-pi5-onnx"],
                            constraints=["test_accuracy>=88"], strategy="random", seed=1, storage=url)
    exp.run(60)
    exp.close()
    return url, tmp_path / "x.db"


def test_views_match_the_store(finished):
    url, _ = finished
    view = run_view("x", url)
    result, _ = load_result("x", url)
    done = [t for t in result.trials if t.state == "complete"]
    assert view["evaluated"] == len(done) == 60
    assert view["violations"] == {"test_accuracy >= 88": sum(t.metrics["test_accuracy"] < 88 for t in done)}
    assert [p[0] for p in view["progress"]] == [t.number for t in done]
    assert [p[2] for p in view["progress"]] == [t.metrics["test_accuracy"] >= 88 for t in done]
    assert sorted(p[0] for p in view["pareto"]) == sorted(t.number for t in result.pareto)
    assert view["cost"] == "latency_ms"  # the constraint is on the objective: the front trades latency
    accuracies = [b["metrics"]["test_accuracy"] for b in view["best"]]
    assert accuracies == sorted(accuracies, reverse=True) and accuracies[0] == result.best.metrics["test_accuracy"]


def _get(address, path):
    try:
        with urllib.request.urlopen(address + path.lstrip("/"), timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_server_never_writes_to_the_store(finished):
    url, path = finished
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    path.chmod(0o444)
    try:
        server = make_server(url, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        address = f"http://127.0.0.1:{server.server_address[1]}/"
        status, page = _get(address, "/")
        assert status == 200 and b"<canvas" in page
        status, body = _get(address, "/api/runs")
        assert status == 200 and json.loads(body)["runs"][0]["evaluated"] == 60
        status, body = _get(address, "/api/run?name=x")
        assert status == 200 and json.loads(body)["evaluated"] == 60
        status, body = _get(address, "/api/run?name=nope")
        assert status == 404 and "no experiment 'nope'" in json.loads(body)["error"]
        server.shutdown()
        server.server_close()
    finally:
        path.chmod(0o644)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    store = Store(url, create=False, read_only=True)
    with pytest.raises(StoreError, match="readonly"):
        store.add_trial("x", 999, "{}", 999)
    store.close()


def test_bad_inputs_are_one_line(cli, finished, tmp_path):
    url, _ = finished
    code, _, err = cli("dashboard", "--storage", f"sqlite:///{tmp_path}/missing.db")
    assert code == 1 and "no store at" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "missing.db").exists()
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        code, _, err = cli("dashboard", "--storage", url, "--port", str(taken.getsockname()[1]))
        assert code == 1 and "is in use" in err and len(err.strip().splitlines()) == 1
    finally:
        taken.close()
    code, _, err = cli("runs", "report", "nope", "--storage", url, "-o", str(tmp_path / "r.html"))
    assert code == 1 and "no experiment 'nope'" in err and "(stored: x)" in err


def test_report_is_self_contained(cli, finished, tmp_path):
    url, _ = finished
    out = tmp_path / "r.html"
    code, _, err = cli("runs", "report", "x", "--storage", url, "-o", str(out))
    assert code == 0, err
    html = out.read_text()
    assert "window.EDGENAS_DATA" in html and not re.search(r"""(src|href)=["']?https?:""", html)
    data = json.loads(re.search(r"window.EDGENAS_DATA = (\{.*?\});</script>", html).group(1))
    assert data["view"] == json.loads(json.dumps(run_view("x", url)))


def _chromium():
    """A headless Chromium driven by Selenium, or None where this machine has none."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver:
        return None
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1300,1100"):
        options.add_argument(arg)
    options.binary_location = browser
    return webdriver.Chrome(service=Service(driver), options=options)


def _wait(condition, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return None


@pytest.mark.slow
def test_browser_follows_a_running_search(tmp_path):
    url = f"sqlite:///{tmp_path}/live.db"
    env = os.environ | {"PYTHONPATH": str(HERE.parent)}
    Store(url).close()  # an empty store the dashboard follows from the start
    # the search, the dashboard and the browser start side by side
    search = subprocess.Popen([sys.executable, str(HERE / "_live_search.py"), url, "40", "0.3"], env=env)
    server = subprocess.Popen([sys.executable, "-m", "edgenas.cli", "dashboard", "--storage", url, "--port", "0"],
                              stdout=subprocess.PIPE, text=True, env=env)
    browser = _chromium()
    if browser is None:
        search.kill()
        server.terminate()
        pytest.skip("no Chromium + chromedriver + selenium here (make test installs them as root)")
    try:
        assert _wait(lambda: _count(url) >= 1, 60)
        address = re.search(r"http://\S+/", server.stdout.readline()).group(0)
        browser.get(address)
        shown = lambda: int(browser.execute_script("return document.getElementById('status').dataset.trials") or 0)  # noqa: E731
        assert _wait(lambda: shown() >= 1, 10)
        for _ in range(5):  # a new trial in the store is on the page within 2 s
            current = _count(url)
            assert _wait(lambda c=current: _count(url) > c, 10), "the search stopped writing"
            target = _count(url)
            assert _wait(lambda t=target: shown() >= t, 2.0), f"trial {target} not shown within 2 s"
        text = browser.find_element("tag name", "body").text
        assert "Pareto front" in text and "test_accuracy >= 88" in text and "|" in text  # an arch string
        assert browser.save_screenshot(str(tmp_path / "dashboard.png"))
    finally:
        browser.quit()
        search.kill()
        server.terminate()
        server.wait(10)


def _count(url):
    """Finished trials of the live search; 0 while its store is still being created."""
    try:
        store = Store(url, create=False, read_only=True)
    except StoreError:
        return 0
    try:
        return sum(t.state != "running" for t in store.trials("live"))
    finally:
        store.close()
