"""The optim plugin's registrations and the bridge that makes gluon.Trainer(params, 'gluonx_<name>') work."""
import subprocess
import sys

import gluonx
from gluonx_optim.catalog import AVERAGING, RECIPES, SCHEDULES

TRAIN = """
import mxnet as mx
from mxnet import autograd, gluon
net = gluon.nn.Dense(2, in_units=3)
net.initialize()
net.hybridize(static_alloc=True, static_shape=True)
trainer = gluon.Trainer(net.collect_params(), "gluonx_adamw", {"learning_rate": 0.01})
with autograd.record():
    loss = net(mx.nd.ones((4, 3))).sum()
loss.backward()
trainer.step(4)
mx.nd.waitall()
print(type(trainer._optimizer).__module__, type(trainer._optimizer).__name__)
"""


def _run(code, **environ):
    import os
    env = dict(os.environ)
    env.pop("GLUONX_STRICT_PLUGINS", None)
    env.update(environ)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_import_gluonx_and_listing_stay_free_of_mxnet_and_trainer_finds_gluonx_optimizers():
    result = _run(
        "import sys, gluonx\n"
        "gluonx.list_optimizers(); gluonx.list_lr_schedulers()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('mxnet', 'gluonx_optim.'))))\n"
        + TRAIN +
        "print(type(mx.optimizer.create('adam')).__module__)\n"
        "print(type(gluon.Trainer(net.collect_params(), 'proximal_sgd')._optimizer).__name__)\n")
    assert result.returncode == 0, result.stderr
    listed, trained, native, by_registry_name = result.stdout.strip().splitlines()
    assert listed == "['gluonx_optim.catalog', 'gluonx_optim.plugin']"   # no optimizer code, no MXNet
    assert trained.split() == ["gluonx_optim.recipes", "AdamW"]
    assert native == "mxnet.optimizer.optimizer"                         # MXNet's own names are untouched
    assert by_registry_name == "ProximalSGD"                             # registry names MXNet lacks work too


def test_bridge_works_when_mxnet_is_imported_first():
    result = _run("import mxnet as mx\n"
                  "try:\n    mx.optimizer.create('gluonx_adamw')\nexcept ValueError as err:\n    print(err)\n"
                  "import gluonx\n" + TRAIN)
    assert result.returncode == 0, result.stderr
    refused, trained = result.stdout.strip().splitlines()
    assert refused == "Cannot find optimizer gluonx_adamw"   # MXNet alone does not know gluonx names
    assert trained.split() == ["gluonx_optim.recipes", "AdamW"]


def test_disabling_the_plugin_removes_its_names():
    result = _run("import gluonx\n" + TRAIN, GLUONX_DISABLED_PLUGINS="optim")
    assert result.returncode != 0 and "Cannot find optimizer gluonx_adamw" in result.stderr


def test_every_table_row_is_registered_with_its_metadata():
    optimizers = gluonx.list_optimizers(plugin="optim")
    assert sorted(optimizers) == sorted(list(RECIPES) + list(AVERAGING))
    for name in optimizers:
        info = gluonx.get_optimizer_info(name)
        assert info.mx_name == "gluonx_" + name and info.book_section and info.description
        import mxnet as mx
        assert issubclass(info.resolve(), mx.optimizer.Optimizer)
    assert sorted(gluonx.list_lr_schedulers(plugin="optim")) == sorted(SCHEDULES)
