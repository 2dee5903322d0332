# `make demo` and `make test` do all set-up on a fresh machine: they create .venv (Python 3.11) if missing.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.gluonx-installed
PYTEST_ARGS ?=

.PHONY: demo test install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel

$(STAMP): $(BIN)/python setup.cfg setup.py pyproject.toml examples/plugin-template/setup.cfg
	$(BIN)/python -m pip install -q -e ".[cpu,all,test]" -e examples/plugin-template
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	GLUONX_STRICT_PLUGINS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q $(PYTEST_ARGS) tests

demo: $(STAMP)
	$(BIN)/gluonx plugins
	$(BIN)/gluonx models

clean:
	rm -rf $(VENV) build *.egg-info
