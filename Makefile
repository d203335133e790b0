# `make demo` and `make test` set everything up on a fresh machine: they create .venv when it
# is missing and install the package (torch pinned to the local CPU wheel, 2.13.0).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/edgenas demo

test: $(STAMP)
	$(BIN)/ruff check edgenas tests benchmarks
	$(BIN)/python -m pytest -p no:cacheprovider tests

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'

clean:
	rm -rf $(VENV) build *.egg-info
