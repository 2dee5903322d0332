"""The losses registry: every loss class is registered, builds by name and gives one value per sample."""
import inspect

import mxnet as mx
import numpy as np
import pytest

import gluonx
import gluonx.losses
from gluonx.testing import build_entry, check_onnx, make_inputs

CORE_LOSSES = gluonx.registry("losses").infos(plugin="core")


def _exported_loss_classes():
    return {obj for obj in (getattr(gluonx.losses, name) for name in gluonx.losses.__all__)
            if inspect.isclass(obj) and issubclass(obj, mx.gluon.loss.Loss)}


def test_every_loss_class_is_registered():
    assert CORE_LOSSES, "the core registers no loss"
    registered = {info.resolve() for info in CORE_LOSSES}
    assert registered == _exported_loss_classes()


@pytest.mark.parametrize("info", CORE_LOSSES, ids=lambda info: info.name)
def test_one_value_per_sample_and_weight_scales(info):
    for batch in (1, 3):
        inputs = make_inputs(info.inputs, batch_size=batch, seed=batch)
        plain = gluonx.get_loss(info.name, **info.kwargs)(*inputs).asnumpy()
        doubled = gluonx.get_loss(info.name, weight=2.0, **info.kwargs)(*inputs).asnumpy()
        assert plain.shape == (batch,)
        assert np.isfinite(plain).all()
        np.testing.assert_allclose(doubled, 2 * plain, rtol=1e-6)
    assert info.task == "loss" and info.book_section


@pytest.mark.parametrize("info", [i for i in CORE_LOSSES if not i.onnx], ids=lambda info: info.name)
def test_losses_flagged_without_onnx_really_fail_to_convert(info):
    """The flag is not a guess: the conversion fails, for the reason docs/losses.md gives (MXNet has no ONNX
    converter for `pick` or for comparisons with a scalar)."""
    with pytest.raises(Exception, match=r"No conversion function registered for op type "
                                        r"(pick|_greater_equal_scalar|_equal_scalar)\b"):
        check_onnx(build_entry(info), make_inputs(info.inputs))


def test_bad_weight_is_refused():
    with pytest.raises(ValueError, match="weight"):
        gluonx.get_loss("gaussian_kl", weight=float("nan"))
