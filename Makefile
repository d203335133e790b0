# `make demo` and `make test` set everything up on a fresh machine: they create .venv when it
# is missing and install the package (torch pinned to the local CPU wheel, 2.13.0).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pip writes no bytecode for every file of torch, Ray and SciPy (~35 s of a fresh install);
# Python writes it, under .venv/pycache, for the modules the commands import, once.
PIP := $(BIN)/pip install --quiet --no-compile
RUN := env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache

FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

.PHONY: demo test lint bench clean data browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -e '.[test]'
	touch $(STAMP)

# Bytecode of what the tests import, written once per environment by two processes side by side
# (tests/_bytecode.py), before the test workers would each compile it.
BYTECODE := $(VENV)/.bytecode
$(BYTECODE): $(STAMP)
	$(RUN) $(BIN)/python tests/_bytecode.py torch & pid=$$!; \
		$(RUN) $(BIN)/python tests/_bytecode.py others && wait $$pid
	touch $(BYTECODE)

# Fashion-MNIST (Debian's dataset-fashion-mnist): the default data where accuracy decides.
data:
	@if [ -f $(FASHION_MNIST) ]; then true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null && apt-get install -y -q dataset-fashion-mnist >/dev/null)) && \
		echo "installed Fashion-MNIST (dataset-fashion-mnist)"; \
	else echo "Fashion-MNIST is not installed: run 'sudo apt-get install dataset-fashion-mnist' (or pass fashion-mnist:DIR)"; fi

# Chromium and its WebDriver (Debian's chromium, chromium-driver): the dashboard's browser test.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null)) && \
		echo "installed Chromium (chromium, chromium-driver)"; \
	else echo "Chromium is not installed: the dashboard's browser test is skipped (sudo apt-get install chromium chromium-driver)"; fi

demo: $(STAMP) data
	$(RUN) $(BIN)/edgenas demo

# Two workers, one thread each: the suite in about half the time on two cores, without two
# multi-threaded PyTorch processes fighting over them (the tests never time anything). Tests
# marked with one xdist_group share a worker (a local Ray instance, kernel counts).
test: $(STAMP) $(BYTECODE) browser
	$(BIN)/ruff check edgenas tests benchmarks
	$(RUN) OMP_NUM_THREADS=1 $(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist loadgroup tests

bench: $(STAMP)
	$(PIP) -e '.[test,bench]'

clean:
	rm -rf $(VENV) build *.egg-info
