"""Registries: typed records, wildcard listing, lazy factories, errors naming what is wrong."""
import sys

import pytest

from gluonx import (BlockInfo, DuplicateEntryError, InputSpec, MissingExtraError, ModelInfo, OptimizerInfo,
                    Registry)
from gluonx._registry import RegistryView, UnknownEntryError, import_object


def make_registry(*names, plugin="p"):
    registry = Registry("models", ModelInfo)
    for name in names:
        registry.add(ModelInfo(name=name, factory="collections:OrderedDict", plugin=plugin))
    return registry


def test_list_uses_wildcards_and_natural_order():
    registry = make_registry("resnet101", "resnet18", "resnet34", "lenet", "ResNet50_v2")
    assert registry.list() == ["lenet", "resnet18", "resnet34", "ResNet50_v2", "resnet101"]
    assert registry.list("resnet*") == ["resnet18", "resnet34", "ResNet50_v2", "resnet101"]
    assert registry.list(["lenet", "*101"]) == ["lenet", "resnet101"]
    assert registry.list("resnet*", exclude="*_v2") == ["resnet18", "resnet34", "resnet101"]


def test_list_filters_by_task_and_plugin():
    registry = Registry("models", ModelInfo)
    registry.add(ModelInfo("a", "collections:OrderedDict", plugin="core", task="classification"))
    registry.add(ModelInfo("b", "collections:OrderedDict", plugin="detection", task="detection"))
    registry.add(ModelInfo("c", "collections:OrderedDict", plugin="detection", task="classification"))
    assert registry.list(task="classification") == ["a", "c"]
    assert registry.list(plugin="detection") == ["b", "c"]
    assert registry.list(task="det*", plugin="detection") == ["b"]


def test_unknown_name_lists_closest_names():
    registry = make_registry("resnet18", "resnet34", "lenet")
    with pytest.raises(KeyError) as err:
        registry.get_info("resnet19")
    assert isinstance(err.value, UnknownEntryError)
    message = str(err.value)
    assert "unknown model 'resnet19'" in message
    assert "resnet18" in message and "resnet34" in message and "lenet" not in message


def test_lookup_is_case_insensitive():
    registry = make_registry("LeNet")
    assert registry.get_info("lenet").name == "LeNet"
    assert "LENET" in registry


def test_same_name_from_two_plugins_names_both():
    registry = make_registry("lenet", plugin="core")
    with pytest.raises(DuplicateEntryError, match="'core' and 'other'"):
        registry.add(ModelInfo("LeNet", "collections:OrderedDict", plugin="other"))


def test_factory_is_imported_lazily():
    module = "tests_lazy_factory_module"
    sys.modules.pop(module, None)
    info = ModelInfo("lazy", "json:loads")
    assert "json:loads" == info.factory
    assert info.resolve()("[1, 2]") == [1, 2]
    never = ModelInfo("never", module + ":build")
    assert module not in sys.modules  # registering does not import
    with pytest.raises(ModuleNotFoundError):
        never.resolve()


def test_missing_extra_names_the_pip_command():
    info = ModelInfo("ssd_tiny", "gluonx_no_such_pkg.ssd:build", plugin="detection", extra="detection",
                     requires=("gluonx_no_such_pkg",))
    assert not info.extra_installed
    assert info.missing_modules == ("gluonx_no_such_pkg",)
    with pytest.raises(MissingExtraError) as err:
        info.create()
    message = str(err.value)
    assert "pip install 'gluonx[detection]'" in message
    assert "model 'ssd_tiny'" in message and "gluonx_no_such_pkg" in message
    assert isinstance(err.value, ImportError)


def test_extra_defaults_to_its_modules():
    info = ModelInfo("x", "json:loads", extra="nlp")
    assert info.requires == ("gluonnlp",)
    assert OptimizerInfo("y", "json:loads", install="pip install my-plugin").install_hint == "pip install my-plugin"


@pytest.mark.parametrize("factory", ["no_colon", "a:b:c", "mod:", 42])
def test_bad_factory_is_rejected(factory):
    with pytest.raises(ValueError, match="module:attr"):
        ModelInfo("x", factory)


def test_bad_name_is_rejected():
    with pytest.raises(ValueError, match="name must be"):
        ModelInfo("has space", "json:loads")


def test_unknown_metadata_lists_accepted_fields():
    registry = Registry("blocks", BlockInfo)
    with pytest.raises(TypeError, match="unknown metadata \\['colour'\\].*book_section"):
        registry.make_info("b", "json:loads", colour="red")


def test_missing_attribute_names_entry():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ModelInfo("x", "json:nope", plugin="p").resolve()
    with pytest.raises(AttributeError, match="no attribute"):
        import_object("json:nope")


def test_registry_view_stages_and_rejects_duplicates_within_a_plugin():
    registry = Registry("models", ModelInfo)
    staged = []
    view = RegistryView(registry, "mine", staged)
    view.register("a", "json:loads", task="t")
    assert len(registry) == 0 and staged[0][1].plugin == "mine"
    with pytest.raises(DuplicateEntryError, match="twice by plugin 'mine'"):
        view.register("A", "json:loads")


def test_input_spec_batch_handling():
    spec = InputSpec((35, 4), dtype="int32", low=0, high=10, batch_axis=1)
    assert spec.is_integer and spec.batch_size == 4
    assert spec.with_batch(7) == (35, 7)
    assert InputSpec((3,), batch_axis=None).with_batch(5) == (3,)
    with pytest.raises(ValueError, match="out of range"):
        InputSpec((2, 3), batch_axis=2)
    with pytest.raises(ValueError, match="positive"):
        InputSpec((0, 3))


def test_inputs_accept_dicts_and_single_spec():
    info = ModelInfo("m", "json:loads", inputs={"shape": (1, 2)})
    assert info.inputs == (InputSpec((1, 2)),)
    summary = info.summary()
    assert summary["inputs"][0]["shape"] == (1, 2) and summary["kind"] == "model"
