"""Registry table of the core's convolutional blocks and the books' classic models (data only: lazy
"module:attr" factories and metadata).

Imported by :mod:`gluonx._core_plugin`; must not import MXNet. Example inputs are the smallest the
architectures accept (AlexNet and NiN: 67x67, VGG: 32x32), and AlexNet's and VGG's hidden dense layers are
512 wide instead of 4096, so that the conformance kit stays fast (the layers are the same, only the
parameter files shrink); the book's input sizes are the models' ``preset`` options (``docs/models.md``).
"""
from .._registry import InputSpec

_CLASSIFICATION = "classification"

#: Which preset each model's defaults reproduce (the model modules' ``DEFAULT_PRESET``; a test keeps the two
#: in step), with what it means, for ``gluonx info``.
DEFAULT_PRESETS = {
    "lenet": ("fashion_mnist", "D2L 5.5: 1x28x28, 10 classes"),
    "lenet_bn": ("fashion_mnist", "D2L 5.10: 1x28x28, 10 classes"),
    "alexnet": ("fashion_mnist", "D2L 5.6: 224x224, 10 classes"),
    "vgg11": ("cifar10", "full-width VGG-11, 10 classes; the book's 4x narrower one is preset='fashion_mnist'"),
    "nin": ("fashion_mnist", "D2L 5.8: 224x224, 10 classes"),
    "googlenet": ("fashion_mnist", "D2L 5.9: 96x96, 10 classes"),
    "resnet18": ("fashion_mnist", "D2L 5.11: 7x7 stem with max pooling, 96x96, 10 classes; "
                                  "preset='imagenet' for 1000 classes"),
    "resnet34": ("fashion_mnist", "7x7 stem with max pooling, 96x96, 10 classes; "
                                  "preset='imagenet' for 1000 classes"),
    "densenet121": ("fashion_mnist", "7x7 stem, 96x96, 10 classes; preset='imagenet' for 1000 classes"),
    "densenet_d2l": ("fashion_mnist", "D2L 5.12: 96x96, 10 classes"),
}


def register_models(registry):
    """Add this family's models to ``registry`` (a :class:`gluonx._registry.RegistryView`)."""
    models = [
        ("linear_regression", "linear:linear_regression", "regression", "D2L 3.3",
         "Linear regression: one affine layer (squared loss)", (4, 2), {"in_units": 2}),
        ("softmax_regression", "linear:softmax_regression", _CLASSIFICATION, "D2L 3.7",
         "Softmax regression: one affine layer giving class logits", (2, 1, 28, 28), {"num_classes": 10}),
        ("mlp", "linear:mlp", _CLASSIFICATION, "D2L 3.10",
         "Multilayer perceptron with ReLU hidden layers and optional dropout", (2, 1, 28, 28),
         {"num_classes": 10, "hidden_units": (256, 256), "dropout": (0.2, 0.5)}),
        ("lenet", "lenet:lenet", _CLASSIFICATION, "D2L 5.5",
         "LeNet: two conv/max-pool stages and three dense layers, sigmoid activations", (2, 1, 28, 28),
         {"preset": "fashion_mnist"}),
        ("lenet_bn", "lenet:lenet_bn", _CLASSIFICATION, "D2L 5.10",
         "LeNet with batch normalization before every activation", (2, 1, 28, 28),
         {"preset": "fashion_mnist"}),
        ("alexnet", "alexnet:alexnet", _CLASSIFICATION, "D2L 5.6",
         "AlexNet: 11x11/4 stem, five convolutions, two dropout-regularized dense layers", (2, 1, 67, 67),
         {"num_classes": 10, "hidden_units": 512}),
        ("vgg11", "vgg:vgg11", _CLASSIFICATION, "D2L 5.7",
         "VGG-11: five stages of VGG blocks and two wide dense layers", (2, 1, 32, 32),
         {"preset": "fashion_mnist", "hidden_units": 512}),
        ("nin", "nin:nin", _CLASSIFICATION, "D2L 5.8",
         "Network in network: NiN blocks and a global-average-pooled classifier block", (2, 1, 67, 67),
         {"num_classes": 10}),
        ("googlenet", "googlenet:googlenet", _CLASSIFICATION, "D2L 5.9",
         "GoogLeNet: three stages of Inception blocks", (2, 3, 32, 32), {"preset": "cifar10"}),
        ("resnet18", "resnet:resnet18", _CLASSIFICATION, "D2L 5.11",
         "ResNet-18 (v1): four stages of basic residual blocks", (2, 3, 32, 32), {"preset": "cifar10"}),
        ("resnet34", "resnet:resnet34", _CLASSIFICATION, "D2L 5.11",
         "ResNet-34 (v1): basic residual blocks, 3-4-6-3 per stage", (2, 3, 32, 32), {"num_classes": 10}),
        ("densenet121", "densenet:densenet121", _CLASSIFICATION, "D2L 5.12",
         "DenseNet-BC-121: dense blocks of bottleneck layers with transitions", (2, 3, 32, 32),
         {"preset": "cifar10"}),
        ("densenet_d2l", "densenet:densenet_d2l", _CLASSIFICATION, "D2L 5.12",
         "The book's DenseNet: four dense blocks of four BN-ReLU-conv layers", (2, 1, 32, 32),
         {"num_classes": 10}),
    ]
    for name, factory, task, section, description, shape, kwargs in models:
        if name in DEFAULT_PRESETS:
            description += "; defaults: the '{}' preset ({}), input channels inferred".format(
                *DEFAULT_PRESETS[name])
        registry.register(name, "gluonx.models." + factory, task=task, description=description,
                          book_section=section, inputs=[InputSpec(shape, low=-1, high=1)], kwargs=kwargs,
                          onnx=True)


def register_blocks(registry):
    """Add this family's blocks to ``registry``."""
    blocks = [
        ("vgg_block", "vgg_block:VGGBlock", "D2L 5.7",
         "VGG block: 3x3 convolutions with ReLU, then 2x2 max pooling", (2, 3, 16, 16),
         {"num_convs": 2, "channels": 8}),
        ("nin_block", "nin_block:NiNBlock", "D2L 5.8",
         "NiN block: a spatial convolution followed by two 1x1 convolutions", (2, 3, 16, 16),
         {"channels": 8, "kernel_size": 3, "padding": 1}),
        ("inception", "inception:Inception", "D2L 5.9",
         "Inception block: 1x1, 3x3, 5x5 and pooling paths concatenated", (2, 8, 8, 8),
         {"c1": 4, "c2": (4, 8), "c3": (2, 4), "c4": 4}),
        ("residual", "residual:Residual", "D2L 5.11",
         "Basic residual block (two 3x3 conv + BN) with optional 1x1 projection shortcut", (2, 8, 8, 8),
         {"channels": 16, "strides": 2, "use_projection": True}),
        ("residual_bottleneck", "residual:BottleneckResidual", "D2L 5.11",
         "Bottleneck residual block (1x1, 3x3, 1x1 conv + BN) with optional projection", (2, 16, 8, 8),
         {"channels": 16}),
        ("dense_block", "dense_block:DenseBlock", "D2L 5.12",
         "DenseNet dense block: each layer's output concatenated to its input", (2, 4, 8, 8),
         {"num_layers": 2, "growth_rate": 4, "bottleneck_width": 2}),
        ("transition_block", "dense_block:TransitionBlock", "D2L 5.12",
         "DenseNet transition layer: BN, ReLU, 1x1 conv, 2x2 average pooling", (2, 8, 8, 8), {"channels": 4}),
    ]
    for name, factory, section, description, shape, kwargs in blocks:
        registry.register(name, "gluonx.nn." + factory, task="convolution", description=description,
                          book_section=section, inputs=[InputSpec(shape, low=-1, high=1)], kwargs=kwargs,
                          onnx=True)
