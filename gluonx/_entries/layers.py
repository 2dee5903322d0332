"""Registry table of the core's layers (data only: lazy "module:attr" factories).

Imported by :mod:`gluonx._core_plugin`; must not import MXNet.
"""
from .._registry import InputSpec

_QUERIES = InputSpec((2, 3, 8), low=-1, high=1, name="queries")
_KEYS = InputSpec((2, 5, 8), low=-1, high=1, name="keys")
_VALUES = InputSpec((2, 5, 6), low=-1, high=1, name="values")
# Integer lengths in [1, num_keys]: every row keeps at least one key, and finite differences never
# cross a mask boundary.
_VALID_LENS = InputSpec((2,), dtype="int32", low=1, high=6, name="valid_lens")


def register_blocks(registry):
    """Add the core layers to ``registry`` (a :class:`gluonx._registry.RegistryView`)."""
    registry.register(
        "maxout", "gluonx.nn.maxout:Maxout", task="activation",
        description="Maxout units: max over k affine pieces", book_section="DL 6.3.3",
        inputs=[InputSpec((4, 12), low=-2, high=2)], kwargs={"units": 5, "num_pieces": 3},
        onnx=True, gradient_check=True)
    registry.register(
        "gaussian_noise", "gluonx.nn.noise:GaussianNoise", task="regularization",
        description="Additive N(0, stddev^2) noise in training, identity in inference (also in the graph)",
        book_section="DL 7.5", inputs=[InputSpec((4, 6), low=-1, high=1)], kwargs={"stddev": 0.5},
        onnx=True, gradient_check=True)
    registry.register(
        "locally_connected2d", "gluonx.nn.locally_connected:LocallyConnected2D", task="convolution",
        description="Unshared convolution: separate filters at every output position (NCHW)",
        book_section="DL 9.5", inputs=[InputSpec((2, 3, 6, 6), low=-1, high=1)],
        kwargs={"channels": 4, "kernel_size": 3, "in_channels": 3, "input_size": (6, 6), "strides": 2,
                "padding": 1},
        onnx=True, gradient_check=True)
    registry.register(
        "global_contrast_normalization", "gluonx.nn.contrast_normalization:GlobalContrastNormalization",
        task="normalization", description="Per-example global contrast normalization with lambda, s, epsilon",
        book_section="DL 12.2.1.1", inputs=[InputSpec((2, 3, 5, 5), low=0, high=255)],
        kwargs={"scale": 1.0, "regularization": 10.0, "epsilon": 1e-8}, onnx=True, gradient_check=True)
    registry.register(
        "dot_product_attention", "gluonx.nn.attention:DotProductAttention", task="attention",
        description="Scaled dot-product attention with masking by valid lengths",
        book_section="D2L 10.11", inputs=[_QUERIES, _KEYS, _VALUES, _VALID_LENS],
        onnx=True, gradient_check=True)
    registry.register(
        "additive_attention", "gluonx.nn.attention:AdditiveAttention", task="attention",
        description="Additive (Bahdanau) attention with masking by valid lengths",
        book_section="D2L 10.11.1",
        inputs=[InputSpec((2, 3, 7), low=-1, high=1, name="queries"), _KEYS, _VALUES, _VALID_LENS],
        kwargs={"units": 6}, onnx=True, gradient_check=True)
    registry.register(
        "multi_head_attention", "gluonx.nn.attention:MultiHeadAttention", task="attention",
        description="Multi-head scaled dot-product attention with masking by valid lengths",
        book_section="D2L 10.11.3", inputs=[_QUERIES, _KEYS, _VALUES, _VALID_LENS],
        kwargs={"units": 8, "num_heads": 2, "use_bias": True}, onnx=True, gradient_check=True)
    registry.register(
        "positional_encoding", "gluonx.nn.positional_encoding:PositionalEncoding", task="sequence",
        description="Sinusoidal positional encoding added to (batch, steps, units) inputs",
        book_section="D2L 10.11.3", inputs=[InputSpec((2, 5, 8), low=-1, high=1)], kwargs={"units": 8},
        onnx=True, gradient_check=True)
