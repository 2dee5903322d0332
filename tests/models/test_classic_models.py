"""The classic models of D2L 3 and 5: output shapes of every preset, the book's networks as references,
smallest inputs, presets and bad arguments.

The references are the book's networks written here with plain Gluon layers, in the book's order; their
parameters are copied from the gluonx model by order (shapes must agree one by one), so a layer that is
missing, extra, reordered or wired differently makes the outputs (or the copy) differ.
"""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
from mxnet.gluon import nn  # noqa: E402

import gluonx  # noqa: E402
from gluonx.models import alexnet, densenet, googlenet, lenet, linear, nin, resnet, vgg  # noqa: E402

#: (factory, module with the PRESETS table) for every preset-aware model.
PRESET_MODELS = {
    "lenet": (lenet.lenet, lenet), "lenet_bn": (lenet.lenet_bn, lenet),
    "alexnet": (alexnet.alexnet, alexnet), "vgg11": (vgg.vgg11, vgg), "nin": (nin.nin, nin),
    "googlenet": (googlenet.googlenet, googlenet), "resnet18": (resnet.resnet18, resnet),
    "resnet34": (resnet.resnet34, resnet), "densenet121": (densenet.densenet121, densenet),
    "densenet_d2l": (densenet.densenet_d2l, densenet),
}
PRESET_CASES = [(name, preset) for name, (_, module) in PRESET_MODELS.items() for preset in module.PRESETS]


def symbolic_output_shape(net, input_shape):
    """Output shape by MXNet's shape inference: no parameters are allocated, so ImageNet sizes are cheap."""
    out = net(mx.sym.var("data"))
    _, shapes, _ = out.infer_shape(data=input_shape)
    return shapes[0]


def accepts(net, size, channels):
    try:
        shape = symbolic_output_shape(net, (1, channels, size, size))
    except mx.base.MXNetError:
        return False
    return all(dim > 0 for dim in shape)


@pytest.mark.parametrize("name, preset", PRESET_CASES, ids=["{}-{}".format(*case) for case in PRESET_CASES])
def test_every_preset_gives_one_logit_per_class(name, preset):
    factory, module = PRESET_MODELS[name]
    settings = module.PRESETS[preset]
    net = factory(preset=preset)
    assert symbolic_output_shape(net, (2,) + settings["input_shape"]) == (2, settings["num_classes"])


def test_explicit_arguments_override_the_preset():
    net = resnet.resnet18(preset="cifar10", num_classes=100)
    assert symbolic_output_shape(net, (1, 3, 32, 32)) == (1, 100)


def test_models_are_registered_with_their_presets():
    for name in PRESET_MODELS:
        assert gluonx.get_model_info(name).book_section.startswith("D2L 5.")
    net = gluonx.get_model("googlenet", preset="fashion_mnist")
    assert symbolic_output_shape(net, (1, 1, 96, 96)) == (1, 10)


@pytest.mark.parametrize("name, channels", [
    ("lenet", 1), ("alexnet", 1), ("vgg11", 3), ("nin", 1), ("densenet121", 3), ("googlenet", 3),
    ("resnet18", 3)])
def test_min_input_size_is_the_smallest_input_mxnet_accepts(name, channels):
    net = PRESET_MODELS[name][0]()
    smallest = net.min_input_size
    assert accepts(net, smallest, channels)
    assert smallest == 1 or not accepts(net, smallest - 1, channels)


def test_model_zoo_alexnet_variant_accepts_smaller_inputs():
    net = alexnet.alexnet(variant="model_zoo")
    assert net.min_input_size == 63 and accepts(net, 63, 3) and not accepts(net, 62, 3)


def test_resnet_with_bottleneck_blocks_widens_to_2048_channels():
    net = resnet.ResNet(layers=(3, 4, 6, 3), block="bottleneck", num_classes=5)
    assert net.output.weight.shape == (5, 2048)
    assert symbolic_output_shape(net, (1, 3, 64, 64)) == (1, 5)


# ---- the book's networks as references -----------------------------------------------------------------

def sequential(*layers):
    net = nn.HybridSequential()
    net.add(*layers)
    return net


def book_lenet(batch_norm):
    def act():
        return [nn.BatchNorm(), nn.Activation("sigmoid")] if batch_norm else [nn.Activation("sigmoid")]
    return sequential(nn.Conv2D(6, 5), *act(), nn.MaxPool2D(2, 2), nn.Conv2D(16, 5), *act(),
                      nn.MaxPool2D(2, 2), nn.Dense(120), *act(), nn.Dense(84), *act(), nn.Dense(10))


def book_alexnet():
    return sequential(
        nn.Conv2D(96, 11, 4, activation="relu"), nn.MaxPool2D(3, 2),
        nn.Conv2D(256, 5, padding=2, activation="relu"), nn.MaxPool2D(3, 2),
        nn.Conv2D(384, 3, padding=1, activation="relu"), nn.Conv2D(384, 3, padding=1, activation="relu"),
        nn.Conv2D(256, 3, padding=1, activation="relu"), nn.MaxPool2D(3, 2),
        nn.Dense(64, activation="relu"), nn.Dropout(0.5), nn.Dense(64, activation="relu"), nn.Dropout(0.5),
        nn.Dense(10))


def book_nin():
    def block(channels, kernel, strides, padding):
        return sequential(nn.Conv2D(channels, kernel, strides, padding, activation="relu"),
                          nn.Conv2D(channels, 1, activation="relu"), nn.Conv2D(channels, 1, activation="relu"))
    return sequential(block(96, 11, 4, 0), nn.MaxPool2D(3, 2), block(256, 5, 1, 2), nn.MaxPool2D(3, 2),
                      block(384, 3, 1, 1), nn.MaxPool2D(3, 2), nn.Dropout(0.5), block(10, 3, 1, 1),
                      nn.GlobalAvgPool2D(), nn.Flatten())


class BookInception(nn.HybridBlock):
    def __init__(self, c1, c2, c3, c4):
        super().__init__()
        with self.name_scope():
            self.p1 = nn.Conv2D(c1, 1, activation="relu")
            self.p2a = nn.Conv2D(c2[0], 1, activation="relu")
            self.p2b = nn.Conv2D(c2[1], 3, padding=1, activation="relu")
            self.p3a = nn.Conv2D(c3[0], 1, activation="relu")
            self.p3b = nn.Conv2D(c3[1], 5, padding=2, activation="relu")
            self.p4a, self.p4b = nn.MaxPool2D(3, 1, 1), nn.Conv2D(c4, 1, activation="relu")

    def hybrid_forward(self, F, x):
        return F.concat(self.p1(x), self.p2b(self.p2a(x)), self.p3b(self.p3a(x)), self.p4b(self.p4a(x)), dim=1)


def book_googlenet():
    return sequential(
        nn.Conv2D(64, 7, 2, 3, activation="relu"), nn.MaxPool2D(3, 2, 1),
        nn.Conv2D(64, 1, activation="relu"), nn.Conv2D(192, 3, padding=1, activation="relu"),
        nn.MaxPool2D(3, 2, 1),
        BookInception(64, (96, 128), (16, 32), 32), BookInception(128, (128, 192), (32, 96), 64),
        nn.MaxPool2D(3, 2, 1),
        BookInception(192, (96, 208), (16, 48), 64), BookInception(160, (112, 224), (24, 64), 64),
        BookInception(128, (128, 256), (24, 64), 64), BookInception(112, (144, 288), (32, 64), 64),
        BookInception(256, (160, 320), (32, 128), 128), nn.MaxPool2D(3, 2, 1),
        BookInception(256, (160, 320), (32, 128), 128), BookInception(384, (192, 384), (48, 128), 128),
        nn.GlobalAvgPool2D(), nn.Dense(10))


class BookDenseBlock(nn.HybridBlock):
    """The book's dense block, with the convolution bias dropped as in gluonx (see gluonx.nn.dense_block)."""

    def __init__(self, num_convs, growth):
        super().__init__()
        with self.name_scope():
            self.net = nn.HybridSequential()
            for _ in range(num_convs):
                self.net.add(sequential(nn.BatchNorm(), nn.Activation("relu"),
                                        nn.Conv2D(growth, 3, padding=1, use_bias=False)))

    def hybrid_forward(self, F, x):
        for index in range(len(self.net)):
            x = F.concat(x, self.net[index](x), dim=1)
        return x


def book_densenet():
    layers = [nn.Conv2D(64, 7, 2, 3, use_bias=False), nn.BatchNorm(), nn.Activation("relu"),
              nn.MaxPool2D(3, 2, 1)]
    channels = 64
    for index in range(4):
        layers.append(BookDenseBlock(4, 32))
        channels += 4 * 32
        if index != 3:
            channels //= 2
            layers += [nn.BatchNorm(), nn.Activation("relu"), nn.Conv2D(channels, 1, use_bias=False),
                       nn.AvgPool2D(2, 2)]
    return sequential(*layers, nn.BatchNorm(), nn.Activation("relu"), nn.GlobalAvgPool2D(), nn.Dense(10))


def book_mlp():
    return sequential(nn.Dense(256, activation="relu"), nn.Dropout(0.2), nn.Dense(256, activation="relu"),
                      nn.Dropout(0.5), nn.Dense(10))


BOOK_REFERENCES = {
    "lenet": (lambda: lenet.lenet(), lambda: book_lenet(False), (2, 1, 28, 28)),
    "lenet_bn": (lambda: lenet.lenet_bn(), lambda: book_lenet(True), (2, 1, 28, 28)),
    "alexnet": (lambda: alexnet.alexnet(hidden_units=64), book_alexnet, (2, 1, 67, 67)),
    "nin": (lambda: nin.nin(), book_nin, (2, 1, 67, 67)),
    "googlenet": (lambda: googlenet.googlenet(), book_googlenet, (2, 1, 32, 32)),
    "densenet_d2l": (lambda: densenet.densenet_d2l(), book_densenet, (2, 1, 32, 32)),
    "mlp": (lambda: linear.mlp(hidden_units=(256, 256), dropout=(0.2, 0.5)), book_mlp, (2, 1, 28, 28)),
    "softmax_regression": (linear.softmax_regression, lambda: sequential(nn.Dense(10)), (2, 1, 28, 28)),
}


def copy_parameters(source, target):
    """Copy values in registration order; every pair must have the same shape."""
    source_params = list(source.collect_params().values())
    target_params = list(target.collect_params().values())
    assert len(source_params) == len(target_params), "parameter counts differ"
    for mine, theirs in zip(source_params, target_params):
        assert mine.shape == theirs.shape, "{} {} vs {} {}".format(
            mine.name, mine.shape, theirs.name, theirs.shape)
        theirs.set_data(mine.data().copy())


def randomized(net, x, seed=0):
    """Initialize ``net`` on ``x`` and give every parameter (running statistics too) random values."""
    net.initialize(mx.init.Xavier())
    net(x)
    rng = np.random.RandomState(seed)
    for name, param in net.collect_params().items():
        positive = name.endswith(("gamma", "running_var"))
        value = rng.uniform(0.5, 1.5, param.shape) if positive else rng.uniform(-0.2, 0.2, param.shape)
        # An NDArray, not a NumPy array: after a forward pass MKL-DNN may hold a convolution weight in its
        # own layout, which set_data(numpy) cannot write into (MXNet 1.9.1).
        param.set_data(mx.nd.array(value))
    return net


@pytest.mark.parametrize("name", sorted(BOOK_REFERENCES))
def test_model_equals_the_books_network(name):
    make_ours, make_book, shape = BOOK_REFERENCES[name]
    x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, size=shape))
    ours = randomized(make_ours(), x)
    book = make_book()
    book.initialize()
    book(x)
    copy_parameters(ours, book)
    np.testing.assert_allclose(ours(x).asnumpy(), book(x).asnumpy(), rtol=1e-4, atol=1e-5)


def test_linear_regression_is_x_w_plus_b():
    x = np.random.RandomState(0).normal(size=(5, 2)).astype("float32")
    net = randomized(linear.linear_regression(in_units=2), mx.nd.array(x))
    w, b = net.output.weight.data().asnumpy(), net.output.bias.data().asnumpy()
    np.testing.assert_allclose(net(mx.nd.array(x)).asnumpy(), x @ w.T + b, rtol=1e-5, atol=1e-6)


# ---- bad arguments and inputs --------------------------------------------------------------------------

@pytest.mark.parametrize("build, message", [
    (lambda: resnet.resnet18(preset="mnist"), "resnet18: unknown preset 'mnist'; expected one of"),
    (lambda: alexnet.alexnet(variant="torch"), "alexnet: variant must be one of \\['d2l', 'model_zoo'\\]"),
    (lambda: lenet.lenet(activation="tanh"), "LeNet: activation must be one of"),
    (lambda: lenet.lenet(num_classes=0), "LeNet: num_classes must be an integer >= 1, got 0"),
    (lambda: vgg.vgg11(width_divisor=128),
     "VGG: stage channels / width_divisor must be an integer >= 1, got 0"),
    (lambda: resnet.ResNet(layers=(2, 2), channels=(64,)), "ResNet: channels must have 2 items"),
    (lambda: resnet.ResNet(layers=(2, 2), stem="tiny"), "ResNet: stem must be one of"),
    (lambda: densenet.DenseNet(stage_layers=()), "DenseNet: stage_layers must not be empty"),
    (lambda: nin.nin(dropout=-0.1), "NiN: dropout must be a number in \\[0, 1\\)"),
    (lambda: linear.mlp(hidden_units=(8, 8), dropout=(0.5,)),
     "MLP: dropout must be one rate or one per hidden"),
    (lambda: linear.mlp(activation="gelu"), "MLP: activation must be one of"),
])
def test_bad_arguments_raise_clear_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize("build, shape, message", [
    (lambda: lenet.lenet(preset="fashion_mnist"), (2, 3, 28, 28),
     r"LeNet: expected input \(batch, 1, height, width\) with 1 channels, got shape \(2, 3, 28, 28\)"),
    (lambda: alexnet.alexnet(in_channels=1), (1, 1, 64, 64),
     r"AlexNet: height and width must be at least 67, got shape \(1, 1, 64, 64\)"),
    (lambda: resnet.resnet18(), (3, 32, 32), r"ResNet: expected a 4-D input"),
    (lambda: linear.linear_regression(in_units=2), (4, 3),
     r"LinearRegression: expected 2 features per sample, got shape \(4, 3\)"),
    (lambda: linear.softmax_regression(), (10,), r"SoftmaxRegression: expected a non-empty input"),
])
def test_bad_inputs_raise_clear_errors(build, shape, message):
    net = build()
    net.initialize()
    with pytest.raises(ValueError, match=message):
        net(mx.nd.ones(shape))


def argument_shapes(net, input_shape):
    """Shapes of every parameter and auxiliary state, in graph order, by symbolic shape inference."""
    out = net(mx.sym.var("data"))
    arguments, _, aux = out.infer_shape(data=input_shape)
    return arguments[1:], aux


@pytest.mark.parametrize("name", sorted(PRESET_MODELS))
def test_defaults_build_the_default_preset_and_info_says_which(name):
    """With no preset a model is exactly its module's DEFAULT_PRESET network (input channels inferred)."""
    factory, module = PRESET_MODELS[name]
    preset = module.DEFAULT_PRESET
    assert preset in module.PRESETS
    shape = (1,) + module.PRESETS[preset]["input_shape"]
    assert argument_shapes(factory(), shape) == argument_shapes(factory(preset=preset), shape)
    assert symbolic_output_shape(factory(), shape) == (1, module.PRESETS[preset]["num_classes"])
    assert "defaults: the '{}' preset".format(preset) in gluonx.get_model_info(name).description


def test_resnet_default_stem_is_the_book_one_and_imagenet_stays_an_alias():
    standard, alias = resnet.resnet18(), resnet.resnet18(stem="imagenet")
    assert argument_shapes(standard, (1, 3, 96, 96)) == argument_shapes(alias, (1, 3, 96, 96))
    assert symbolic_output_shape(standard, (1, 3, 96, 96)) == (1, 10)
    assert symbolic_output_shape(resnet.resnet18(preset="imagenet"), (1, 3, 224, 224)) == (1, 1000)
