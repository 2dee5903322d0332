"""FeatureExtractor (D2L 9.11.4): the chosen layers' outputs of any registered CNN, against running the
backbone's own blocks by hand."""
import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx.apps.style_transfer import load_backbone_weights
from gluonx.models.vgg import VGG, VGG_STAGES
from gluonx.models.feature_extractor import FeatureExtractor, default_style_layers, feature_layers


def small_vgg(stages=None, seed=0):
    mx.random.seed(seed)
    if stages is None:  # the registered VGG-11
        net = gluonx.get_model("vgg11", width_divisor=16, in_channels=3, hidden_units=8)
    else:  # any VGG by its stages (only VGG-11 is registered)
        net = VGG(VGG_STAGES[stages], width_divisor=16, in_channels=3, hidden_units=8)
    net.initialize(mx.init.Xavier())
    return net


def small_resnet(seed=0):
    mx.random.seed(seed)
    net = gluonx.get_model("resnet18", in_channels=3)
    net.initialize(mx.init.Xavier())
    return net


def test_vgg_layers_are_unrolled_to_the_convolutions():
    layers = feature_layers(small_vgg())
    kinds = [type(layer).__name__ for _, layer in layers]
    # VGG-11's first block is conv, relu, pool; the third two convs: the book's flat VGG layout
    assert kinds[:3] == ["Conv2D", "Activation", "MaxPool2D"]
    assert [name for name, _ in layers][:4] == ["features.0.0", "features.0.1", "features.0.2", "features.1.0"]
    assert kinds.count("Conv2D") == 8


@pytest.mark.parametrize("hybridize", [False, True])
def test_vgg_outputs_match_the_blocks_run_by_hand(hybridize):
    net = small_vgg()
    x = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 3, 32, 32)))
    extractor = FeatureExtractor(net, ["features.1.0", 0, "features.2.2"])
    if hybridize:
        extractor.hybridize(static_alloc=True, static_shape=True)
    got = extractor(x)
    block0, block1, block2 = net.features[0], net.features[1], net.features[2]
    after0 = block0(x)
    conv1 = block1[0](after0)
    expected = [conv1, block0[0](x), block2[2](block2[1](block2[0](block1(after0))))]
    assert len(got) == 3
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.asnumpy(), e.asnumpy(), rtol=1e-5, atol=1e-6)


def test_resnet_keeps_residual_blocks_whole_and_matches_the_features():
    net = small_resnet()
    layers = feature_layers(net)
    kinds = [type(layer).__name__ for _, layer in layers]
    assert "Residual" in kinds and "Conv2D" in kinds
    x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, (1, 3, 64, 64)))
    last = len(layers) - 2  # everything before the global pooling
    out, = FeatureExtractor(net, [last])(x)
    expected = x
    for block in list(net.features._children.values())[:-1]:
        expected = block(expected)
    np.testing.assert_allclose(out.asnumpy(), expected.asnumpy(), rtol=1e-4, atol=1e-5)


def test_parameters_are_shared_not_copied():
    net = small_vgg()
    extractor = FeatureExtractor(net, [3])
    backbone_ids = {id(p) for p in net.collect_params().values()}
    mine = list(extractor.collect_params().values())
    assert mine and all(id(p) in backbone_ids for p in mine)
    assert len(mine) == 4  # the two convolutions up to layer 3: weight and bias each


def test_default_layers_follow_the_book_on_vgg16():
    # the book (VGG-19): the first convolution of each block for the style, the last of block 4 for content
    net = small_vgg("vgg16")  # 2, 2, 3, 3, 3 convolutions per block
    style, content = default_style_layers(net)
    names = [name for name, _ in feature_layers(net)]
    assert [names[i] for i in style] == ["features.{}.0".format(b) for b in range(5)]
    assert [names[i] for i in content] == ["features.3.4"]


def test_default_layers_on_resnet_are_blocks_at_five_resolutions():
    net = small_resnet()
    style, content = default_style_layers(net)
    layers = feature_layers(net)
    x = mx.nd.zeros((1, 3, 64, 64))
    shapes = []
    for _, layer in layers:
        x = layer(x)
        shapes.append(x.shape[2:])
    assert len(style) == 5 and len({shapes[i] for i in style}) == 5
    assert type(layers[content[0]][1]).__name__ == "Residual"


@pytest.mark.parametrize("bad", [99, -100, "features.9.9", 1.5])
def test_unknown_layer_is_one_clear_line(bad):
    with pytest.raises(ValueError, match="is not one of the backbone's") as err:
        FeatureExtractor(small_vgg(), [0, bad])
    assert "\n" not in str(err.value)


def test_weights_file_loads_the_feature_layers(tmp_path):
    trained, fresh = small_vgg(seed=1), small_vgg(seed=2)
    x = mx.nd.array(np.random.RandomState(2).uniform(-1, 1, (1, 3, 32, 32)))
    trained(x)  # fixes the dense layers' input size
    path = str(tmp_path / "vgg.params")
    trained.save_parameters(path)
    assert load_backbone_weights(fresh, path) == 16  # 8 convolutions, weight and bias
    a, = FeatureExtractor(trained, [11])(x)
    b, = FeatureExtractor(fresh, [11])(x)
    np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    other = gluonx.get_model("vgg11", width_divisor=8, in_channels=3)
    other.initialize()
    with pytest.raises(ValueError, match="has shape"):
        load_backbone_weights(other, path)
