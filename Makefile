# `make demo` and `make test` do all set-up on a fresh machine: they create .venv (Python 3.11) if missing.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.gluonx-installed
PYTEST_ARGS ?=

.PHONY: demo test quality install clean horovod

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel

$(STAMP): $(BIN)/python setup.cfg setup.py pyproject.toml examples/plugin-template/setup.cfg
	$(BIN)/python -m pip install -q -e ".[cpu,all,test]" -e examples/plugin-template
	touch $(STAMP)

install: $(STAMP)

# Horovod has no wheel on PyPI for MXNet: build 0.28.1 from source once per machine, keep the wheel in a
# cache outside the repository (a cold build takes about 10 minutes on one core), install it from there.
HOROVOD_VERSION ?= 0.28.1
WHEEL_CACHE ?= $(HOME)/.cache/gluonx/wheels
HOROVOD_STAMP := $(VENV)/.gluonx-horovod
HOROVOD_ENV := HOROVOD_WITH_MXNET=1 HOROVOD_WITHOUT_TENSORFLOW=1 HOROVOD_WITHOUT_PYTORCH=1 HOROVOD_WITH_GLOO=1

$(HOROVOD_STAMP): $(STAMP)
	mkdir -p $(WHEEL_CACHE)
	ls $(WHEEL_CACHE)/horovod-$(HOROVOD_VERSION)-*.whl >/dev/null 2>&1 || \
		$(HOROVOD_ENV) $(BIN)/python -m pip wheel --no-build-isolation --no-deps -w $(WHEEL_CACHE) horovod==$(HOROVOD_VERSION)
	$(BIN)/python -m pip install -q --find-links $(WHEEL_CACHE) horovod==$(HOROVOD_VERSION)
	$(BIN)/python -c "import horovod.mxnet"
	touch $@

horovod: $(HOROVOD_STAMP)

test: $(STAMP) $(HOROVOD_STAMP)
	GLUONX_STRICT_PLUGINS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q $(PYTEST_ARGS) tests

# The quality bars at full size (CI runs calibrated shorter versions of the slow ones; see the tests' docstrings).
quality: $(STAMP)
	GLUONX_QUALITY=full GLUONX_STRICT_PLUGINS=1 MPLBACKEND=Agg $(BIN)/python -m pytest -q -s $(PYTEST_ARGS) \
		tests/train/test_train_defaults.py tests/models/test_lenet_digits.py tests/models/test_lm_perplexity.py \
		tests/segmentation/test_segmentation_recipe.py tests/detection/test_detection_training.py \
		tests/nlp/test_nlp_translation_recipe.py tests/generative/test_dcgan_quality.py

DEMO_OUT ?= demo-out

# The main job on embedded data: LeNet on scikit-learn's digits to >= 97 % test accuracy, checkpointed,
# then exported (best checkpoint) to symbol and ONNX, both checked against MXNet.
demo: $(STAMP)
	$(BIN)/gluonx plugins
	$(BIN)/gluonx models
	rm -rf $(DEMO_OUT)
	$(BIN)/gluonx train lenet --model-arg activation=relu --dataset digits --epochs 10 --batch-size 32 \
		--lr 0.004 --lr-schedule cosine --out $(DEMO_OUT) --min-accuracy 0.97
	$(BIN)/gluonx export $(DEMO_OUT) --out $(DEMO_OUT)/export --onnx --verify-isolated \
		--class-names 0,1,2,3,4,5,6,7,8,9

clean:
	rm -rf $(VENV) build *.egg-info $(DEMO_OUT)
