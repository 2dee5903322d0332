"""The generative plugin's registrations: found through its entry point, lazy, and every factory resolves."""
import subprocess
import sys

import pytest

import gluonx
from gluonx._registry import import_object
from plugin_fixtures import modules_after_listing

KINDS = ("models", "blocks", "tasks", "losses")
ENTRIES = [info for kind in KINDS for info in gluonx.registry(kind).infos(plugin="generative")]


def test_the_plugin_registers_the_rbms_their_block_and_the_task():
    names = {info.name for info in ENTRIES}
    assert {"bernoulli_rbm", "gaussian_bernoulli_rbm", "rbm_reconstruction", "generative"} <= names


def test_the_energy_based_and_autoregressive_entries_are_registered():
    names = {info.name for info in ENTRIES}
    assert {"autoencoder", "sparse_autoencoder", "denoising_autoencoder", "contractive_autoencoder",
            "predictive_sparse_decomposition", "nade", "made", "deep_belief_network", "deep_boltzmann_machine",
            "sigmoid_belief_network", "nce_rbm", "autoencoder", "density"} <= names
    recipes = {info.name for info in gluonx.registry("recipes").infos(plugin="generative")}
    assert {"autoencoder-digits", "contractive_autoencoder-digits"} <= recipes


@pytest.mark.parametrize("info", ENTRIES, ids=lambda info: "{}:{}".format(info.kind, info.name))
def test_every_factory_resolves_and_names_its_book_section(info):
    assert info.book_section.startswith("DL ")
    # the plugin's models and blocks name one of its own tasks (or a loss's)
    assert info.kind == "task" or info.task in {"generative", "autoencoder", "density", "vae", "gan", "gmmn", "loss"}
    assert callable(import_object(info.factory))


def test_listing_imports_neither_mxnet_nor_the_plugin_code():
    # energy_plugin and directed_plugin hold the registration hooks of their model families
    assert modules_after_listing("gluonx_generative") == (
        "['gluonx_generative', 'gluonx_generative.directed_plugin', 'gluonx_generative.energy_plugin', "
        "'gluonx_generative.plugin']")


def test_gluonx_plugins_lists_it():
    result = subprocess.run([sys.executable, "-m", "gluonx", "plugins"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "generative" in result.stdout


def test_models_build_through_the_registry_and_return_free_energies():
    import mxnet as mx
    rbm = gluonx.get_model("bernoulli_rbm", n_visible=6, n_hidden=3)
    rbm.initialize()
    assert rbm(mx.nd.ones((4, 6))).shape == (4,)
