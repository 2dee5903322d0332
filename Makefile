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

DEMO_OUT ?= demo-out

# The main job on embedded data: LeNet on scikit-learn's digits to >= 97 % test accuracy, checkpointed.
demo: $(STAMP)
	$(BIN)/gluonx plugins
	$(BIN)/gluonx models
	rm -rf $(DEMO_OUT)
	$(BIN)/gluonx train lenet --model-arg activation=relu --dataset digits --epochs 10 --batch-size 32 \
		--lr 0.004 --lr-schedule cosine --out $(DEMO_OUT) --min-accuracy 0.97

clean:
	rm -rf $(VENV) build *.egg-info $(DEMO_OUT)
