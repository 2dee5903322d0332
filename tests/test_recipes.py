"""Recipes: the registry and hook, the records every recipe must satisfy, how ``gluonx train`` merges a recipe
with the flags, the thread choice, ``gluonx recipes``, and the recipes' augmentation."""
import argparse
import json

import numpy as np
import pytest

import gluonx
from gluonx import hookimpl
from gluonx._cli_train import configure_train, merge_settings, plan
from gluonx.cli import main
from gluonx.recipes import RandomShift, apply_augmentation, choose_threads, shift_images


def recipe_names():
    names = gluonx.list_recipes()
    assert names, "no recipe is registered"
    return names


def parse_train(*argv):
    parser = argparse.ArgumentParser()
    configure_train(parser)
    return parser.parse_args(list(argv))


# -- every registered recipe --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", recipe_names())
def test_recipe_names_a_registered_model_and_dataset_and_cites_its_source(name):
    info = gluonx.get_recipe_info(name)
    assert info.model in gluonx.registry("models"), info.model
    assert info.dataset in gluonx.registry("datasets"), info.dataset
    assert info.book_section.startswith(("D2L ", "DL ")), "cite the book section the values come from"
    assert info.description
    recipe = gluonx.get_recipe(name)
    assert recipe.model == info.model and recipe.epochs == info.epochs and recipe.lr == info.lr
    assert gluonx.find_recipe(info.model, info.dataset).name == name


#: tasks of the generative plugin's directed models, whose nets are generators trained by their own step
TRAINED_BY_THEIR_OWN_STEP = ("vae", "gan", "gmmn")


@pytest.mark.parametrize("name", recipe_names())
def test_recipe_model_builds_with_its_arguments_and_runs_on_the_dataset_shape(name):
    mx = pytest.importorskip("mxnet")
    from gluonx.train.cli import _model
    info = gluonx.get_recipe_info(name)
    dataset_info = gluonx.get_dataset_info(info.dataset)
    dataset = gluonx.get_dataset(info.dataset) if dataset_info.embedded else None  # the others need files
    net = _model(info.model, dataset_info, info.model_args, dataset=dataset)  # the call gluonx train makes
    net.initialize()
    if gluonx.get_model_info(info.model).task == "language-model":
        tokens = mx.nd.array(np.asarray(dataset)[:info.seq_len * 2].reshape(info.seq_len, 2), dtype="int32")
        out = net(tokens, *net.begin_state(2))
        assert out[0].shape == (info.seq_len, 2, dataset.vocab_size)
    elif dataset_info.sample_shape and gluonx.get_model_info(info.model).task == "autoencoder":
        out = net(mx.nd.zeros((2,) + tuple(dataset_info.sample_shape)))   # the flattened reconstruction
        assert out.shape == (2, int(np.prod(dataset_info.sample_shape)))
    elif gluonx.get_model_info(info.model).task in TRAINED_BY_THEIR_OWN_STEP:
        # generators take noise, not the data: one training batch of the dataset through the task's step
        from gluonx.train.cli import FirstSamples
        task = gluonx.get_task(gluonx.get_model_info(info.model).task)
        groups = task.optimizer_groups("adam", {"learning_rate": 1e-3})
        trainer = gluonx.Trainer(net, task=task, optimizer=groups or "adam",
                                 optimizer_params=None if groups else {"learning_rate": 1e-3})
        row = trainer.fit(FirstSamples(dataset, 4), epochs=1, batch_size=4)[-1]
        assert all(np.isfinite(value) for key, value in row.items() if key.startswith("loss")), row
    elif dataset_info.sample_shape:
        out = net(mx.nd.zeros((2,) + tuple(dataset_info.sample_shape)))
        assert out.shape == (2, dataset_info.num_classes)
    else:  # no fixed sample shape (detection's ragged labels): a batch as the model's task cuts the dataset
        task = gluonx.get_task(gluonx.get_model_info(info.model).task)
        batch = next(iter(task.make_source(dataset, 2, shuffle=False).batches(0)))
        if isinstance(batch, dict):  # dict batches (embedding tasks): the net picks its inputs from the batch
            out = net(*net.batch_inputs({key: mx.nd.array(value) for key, value in batch.items()}))
        elif hasattr(task, "net_inputs"):  # several inputs in one batch (translation: src, valid length, tgt_in)
            out = net(*[mx.nd.array(a, dtype=a.dtype) for a in task.net_inputs(batch)])
        elif np.asarray(batch[0]).ndim == 2:  # text: (token ids (N, T), valid lengths, labels); images are 4-D
            out = net(*[mx.nd.array(a, dtype=a.dtype) for a in batch[:-1]])
        else:
            out = net(mx.nd.array(batch[0], dtype="float32") / 255)
        outs = out if isinstance(out, (list, tuple)) else [out]  # detection: a tuple; segmentation: (B, C, H, W)
        assert len(outs) and all(o.shape[0] in (1, 2) for o in outs)


# -- registration --------------------------------------------------------------------------------------------
class RecipePlugin:
    @staticmethod
    @hookimpl
    def register_recipes(registry):
        registry.register("mlp-digits-fast", model="mlp", dataset="digits", optimizer="sgd", lr=0.1, epochs=2,
                          optimizer_params={"momentum": 0.9}, book_section="D2L 3.10", description="test")


def test_a_plugin_registers_a_recipe_without_a_factory(make_host):
    host = make_host()
    info = host.register(RecipePlugin(), name="recipes_plugin")
    assert info.status == "loaded", info.error
    record = host.registry("recipes").get_info("mlp-digits-fast")
    assert record.plugin == "recipes_plugin" and record.factory == "gluonx.recipes:Recipe"
    assert record.settings() == {"optimizer": "sgd", "lr": 0.1, "epochs": 2, "optimizer_params": {"momentum": 0.9}}
    recipe = record.create(epochs=7)
    assert (recipe.epochs, recipe.lr, recipe.optimizer_params) == (7, 0.1, {"momentum": 0.9})


@pytest.mark.parametrize("field, value, message", [
    ("epochs", 0, "epochs must be an integer >= 1"),
    ("batch_size", 2.5, "batch_size must be an integer >= 1"),
    ("lr", float("nan"), "lr must be a finite number >= 0"),
    ("wd", -1.0, "wd must be a finite number >= 0"),
    ("threads", 0, "threads must be an integer >= 1"),
])
def test_recipe_records_refuse_meaningless_values(field, value, message):
    with pytest.raises(ValueError, match=message):
        gluonx.RecipeInfo(name="r", model="lenet", dataset="digits", **{field: value})


def test_get_recipe_refuses_unknown_settings_and_names():
    with pytest.raises(TypeError, match="unknown settings \\['learning_rate'\\]"):
        gluonx.get_recipe("lenet-digits", learning_rate=0.1)
    with pytest.raises(KeyError, match="closest: lenet-digits"):
        gluonx.get_recipe_info("lenet-digit")


# -- how gluonx train merges a recipe with the flags ----------------------------------------------------------
def test_no_flags_take_every_setting_from_the_recipe():
    decided = plan(parse_train("lenet", "--dataset", "digits", "--out", "unused"))
    recipe = gluonx.get_recipe_info("lenet-digits")
    for name, value in recipe.settings().items():
        if name != "threads":
            assert decided["settings"][name] == value, name
    assert decided["recipe"] == "lenet-digits"
    assert decided["lines"][0] == "recipe lenet-digits (D2L 5.5)"


def test_each_flag_overrides_only_its_setting():
    decided = plan(parse_train("lenet", "--out", "unused", "--epochs", "3", "--lr", "0.01",
                               "--model-arg", "dropout=0.5"))
    settings = decided["settings"]
    assert (settings["epochs"], settings["lr"]) == (3, 0.01)
    assert settings["model_args"] == {"activation": "relu", "dropout": 0.5}  # merged key by key
    assert settings["batch_size"] == 32 and settings["lr_schedule"] == "cosine"  # still the recipe's
    assert decided["lines"][0] == "recipe lenet-digits (D2L 5.5); overridden by --epochs, --lr, --model-arg"


def test_another_optimizer_drops_the_recipes_optimizer_arguments():
    recipe = gluonx.RecipeInfo(name="r", model="m", dataset="d", optimizer="sgd", optimizer_params={"momentum": 0.9})
    settings, origin = merge_settings(recipe, {"optimizer": "adam"})
    assert settings["optimizer"] == "adam" and settings["optimizer_params"] == {}
    settings, _ = merge_settings(recipe, {"optimizer": "adam", "optimizer_params": {"beta1": 0.8}})
    assert settings["optimizer_params"] == {"beta1": 0.8}
    settings, _ = merge_settings(recipe, {"optimizer_params": {"nesterov": True}})
    assert settings["optimizer_params"] == {"momentum": 0.9, "nesterov": True}
    settings, origin = merge_settings(recipe, {"optimizer": "sgd"})  # the same optimizer keeps them
    assert settings["optimizer_params"] == {"momentum": 0.9} and origin["optimizer_params"] == "recipe"


def test_recipe_none_and_pairs_without_a_recipe_use_the_plain_defaults():
    decided = plan(parse_train("lenet", "--recipe", "none", "--out", "unused"))
    assert decided["recipe"] is None
    assert (decided["settings"]["optimizer"], decided["settings"]["lr"], decided["settings"]["epochs"]) == \
        ("adam", 1e-3, 5)
    decided = plan(parse_train("mlp", "--out", "unused"))
    assert decided["lines"][0] == "no recipe for mlp on digits: gluonx train's defaults"


def test_train_prints_the_recipe_and_records_the_settings(tmp_path, capsys):
    assert main(["train", "lenet", "--epochs", "1", "--no-progress", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "recipe lenet-digits (D2L 5.5); overridden by --epochs" in out
    assert "OpenMP threads: 1 (auto: the recipe's 1 for this model" in out
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert run["recipe"] == summary["recipe"] == "lenet-digits"
    assert run["settings"]["lr"] == 0.004 and run["settings"]["epochs"] == 1
    assert run["settings"]["model_args"] == {"activation": "relu"}


# -- threads -----------------------------------------------------------------------------------------------
def test_thread_choice():
    assert choose_threads(3, recipe_threads=1, cores=2) == (3, "--threads")
    assert choose_threads("auto", recipe_threads=2, cores=2)[0] == 2
    assert choose_threads("auto", recipe_threads=2, cores=1)[0] == 1   # never more than the cores available
    assert choose_threads("auto", recipe_threads=1, cores=8)[0] == 1   # small models are slower with more
    assert choose_threads("auto", recipe_threads=None, cores=8)[0] == 4  # MXNet's own default: half the cores
    assert choose_threads("auto", recipe_threads=None, cores=1)[0] == 1


def test_threads_are_set_before_mxnet_is_imported(run_gluonx, tmp_path):
    code = ("import sys, os\nfrom gluonx.cli import main\n"
            "code = main(['train', 'lenet', '--epochs', '1', '--threads', '2', '--no-progress', '--out', {!r}])\n"
            "print('OMP_NUM_THREADS', os.environ.get('OMP_NUM_THREADS'))\nsys.exit(code)").format(str(tmp_path / "r"))
    result = run_gluonx(code=code, OMP_NUM_THREADS="")
    assert result.returncode == 0, result.stderr
    assert "OpenMP threads: 2 (--threads)\n" in result.stdout
    assert "not applied" not in result.stdout and "OMP_NUM_THREADS 2" in result.stdout
    assert "with 2 OpenMP thread(s)" in result.stdout


# -- gluonx recipes -----------------------------------------------------------------------------------------
def test_recipes_command_table_and_json(capsys):
    assert main(["recipes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["name", "model", "dataset", "optimizer"]
    rows = {line.split()[0]: line.split() for line in lines[2:] if line.strip() and not line.endswith("recipes")}
    assert set(rows) == set(gluonx.list_recipes())
    assert rows["lenet-digits"][1:6] == ["lenet", "digits", "adam", "0.004", "cosine"]
    assert main(["recipes", "--model", "lenet", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in listed} == set(gluonx.list_recipes()) & {
        n for n in gluonx.list_recipes() if gluonx.get_recipe_info(n).model == "lenet"}
    assert all(r["kind"] == "recipe" and r["model"] == "lenet" for r in listed) and listed


# -- augmentation ----------------------------------------------------------------------------------------------
def test_shift_images_matches_a_padded_crop():
    rng = np.random.RandomState(0)
    images = rng.rand(3, 1, 6, 7).astype("float32")
    for dy, dx in [(0, 0), (2, -1), (-2, 3), (1, 1)]:
        fill = images.min(axis=(2, 3), keepdims=True)
        padded = np.pad(images - fill, ((0, 0), (0, 0), (3, 3), (3, 3))) + fill  # reference: pad, then crop
        expected = padded[:, :, 3 - dy:3 - dy + 6, 3 - dx:3 - dx + 7]
        np.testing.assert_allclose(shift_images(images, dy, dx), expected, rtol=0, atol=1e-6)


def test_random_shift_is_deterministic_per_batch_and_leaves_samples_alone():
    from gluonx.data.arrays import ArrayDataset
    data = np.arange(4 * 1 * 5 * 5, dtype="float32").reshape(4, 1, 5, 5)
    dataset = apply_augmentation(ArrayDataset(data, np.arange(4)), {"random_shift": 2}, seed=3)
    assert isinstance(dataset, RandomShift) and len(dataset) == 4
    first, labels = dataset.take([2, 0])
    again, _ = dataset.take([2, 0])
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(labels, [2, 0])
    shifted = [not np.array_equal(dataset.take([i])[0], data[[i]]) for i in range(4)]
    assert any(shifted)
    np.testing.assert_array_equal(dataset[1][0], data[1])
    with pytest.raises(ValueError, match="unknown augmentation 'flip'"):
        apply_augmentation(dataset, {"flip": True})
    with pytest.raises(ValueError, match="expected an integer >= 1"):
        apply_augmentation(dataset, {"random_shift": 0})
