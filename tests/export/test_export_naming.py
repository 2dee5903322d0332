"""load_parameters: any parameter naming (export, save_parameters, ParameterDict.save), any name scope."""
import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon import nn

import gluonx
from gluonx.deploy import ParameterMismatchError, load_parameters, parameter_names, read_parameter_file

from export_helpers import DenseBN, dense_bn_reference, make_dense_bn

X = np.random.RandomState(0).uniform(-1, 1, (3, 6)).astype("float32")


def assert_same_function(net, source):
    np.testing.assert_allclose(net(mx.nd.array(X)).asnumpy(), dense_bn_reference(source, X), rtol=1e-5, atol=1e-6)


class Wrapper(nn.HybridBlock):
    """Builds a DenseBN inside its own name scope, so every full name gains a prefix."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.body = DenseBN()

    def hybrid_forward(self, F, x):
        return self.body(x)


def test_parameter_names_map_structure_to_full_names():
    net = make_dense_bn()
    names = parameter_names(net)
    assert set(names) == {"dense.weight", "dense.bias", "norm.gamma", "norm.beta", "norm.running_mean",
                          "norm.running_var"}
    assert names["dense.weight"] == net.dense.weight.name and names["dense.weight"].startswith(net.prefix)


def test_exported_params_load_into_a_second_instance(tmp_path):
    source = make_dense_bn()
    source.hybridize()
    source(mx.nd.array(X))
    source.export(str(tmp_path / "plain"))
    target = DenseBN()  # another name scope: densebn1_ instead of densebn0_
    with pytest.raises(AssertionError):  # what MXNet itself does with this file
        target.load_parameters(str(tmp_path / "plain-0000.params"))
    assert load_parameters(target, str(tmp_path / "plain-0000.params")).startswith("name scope")
    assert_same_function(target, source)


def test_saved_parameters_load_into_a_block_built_in_another_scope(tmp_path):
    source = make_dense_bn()
    source.save_parameters(str(tmp_path / "saved.params"))
    wrapper = Wrapper()
    assert load_parameters(wrapper.body, str(tmp_path / "saved.params")) == "structural names"
    assert_same_function(wrapper, source)


def test_parameter_dict_files_and_dicts_load(tmp_path):
    source = make_dense_bn()
    source.collect_params().save(str(tmp_path / "full.params"))
    wrapper = Wrapper()
    load_parameters(wrapper.body, str(tmp_path / "full.params"))
    assert_same_function(wrapper, source)
    arrays, kind = read_parameter_file(str(tmp_path / "full.params"))
    assert kind == "names" and set(arrays) == {p.name for p in source.collect_params().values()}
    other = DenseBN()
    assert load_parameters(other, arrays).startswith("name scope")
    assert_same_function(other, source)


def test_an_export_folder_loads_through_its_manifest(dense_bn_export):
    source, folder, _ = dense_bn_export
    wrapper = Wrapper()
    assert load_parameters(wrapper.body, folder) == "manifest"
    assert_same_function(wrapper, source)


def test_a_registered_model_round_trips_through_export(tmp_path):
    info = gluonx.get_model_info("mlp")
    source = gluonx.get_model("mlp", **info.kwargs)
    source.initialize(mx.init.Xavier())
    x = np.random.RandomState(0).uniform(size=info.inputs[0].shape).astype("float32")
    gluonx.export(source, str(tmp_path), [x], formats=("symbol",))
    target = gluonx.get_model("mlp", **info.kwargs)
    load_parameters(target, str(tmp_path / "model-0000.params"))
    np.testing.assert_allclose(target(mx.nd.array(x)).asnumpy(), source(mx.nd.array(x)).asnumpy(), rtol=1e-6)


def test_mismatches_name_the_block_the_parameter_and_both_shapes(tmp_path):
    source = make_dense_bn(in_units=7)
    source.save_parameters(str(tmp_path / "seven.params"))
    with pytest.raises(ParameterMismatchError, match=r"DenseBN: parameter 'dense.weight' .* expects shape "
                                                     r"\(5, 6\), but .* has \(5, 7\)"):
        load_parameters(make_dense_bn(in_units=6), str(tmp_path / "seven.params"))
    arrays, _ = read_parameter_file(str(tmp_path / "seven.params"))
    partial = {k: v for k, v in arrays.items() if k != "norm.gamma"}
    with pytest.raises(ParameterMismatchError, match="1 of its 6 parameters are not in .*norm.gamma"):
        load_parameters(DenseBN(), partial)
    target = DenseBN()
    load_parameters(target, partial, allow_missing=True)
    np.testing.assert_array_equal(target.dense.weight.data().asnumpy(), arrays["dense.weight"].asnumpy())
    extra = dict(arrays, stray=mx.nd.ones(2))
    with pytest.raises(ParameterMismatchError, match="arrays that no parameter uses: 'stray'"):
        load_parameters(DenseBN(), extra)
    load_parameters(DenseBN(), extra, ignore_extra=True)


def test_unreadable_files_get_a_clear_error(tmp_path):
    source = make_dense_bn()
    source.save_parameters(str(tmp_path / "ok.params"))
    data = open(str(tmp_path / "ok.params"), "rb").read()
    open(str(tmp_path / "cut.params"), "wb").write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cannot read parameter file .*cut.params"):
        load_parameters(DenseBN(), str(tmp_path / "cut.params"))
    with pytest.raises(ValueError, match="does not exist"):
        load_parameters(DenseBN(), str(tmp_path / "absent.params"))
    mx.nd.save(str(tmp_path / "list.params"), [mx.nd.ones(2)])
    with pytest.raises(ValueError, match="holds 1 unnamed arrays"):
        load_parameters(DenseBN(), str(tmp_path / "list.params"))
