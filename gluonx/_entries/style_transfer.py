"""Registry table of neural style transfer (D2L 9.11): its losses, the Gram matrix and the feature extractor
as blocks, and the ``gluonx style-transfer`` command (data only: lazy "module:attr" factories).

Imported by :mod:`gluonx._core_plugin`; must not import MXNet.
"""
from .._registry import InputSpec

_FEATURES = InputSpec((2, 3, 5, 4), low=-1, high=1, name="pred")


def register_losses(registry):
    """Add the content, style and total-variation losses."""
    registry.register("style_content", "gluonx.losses.style:ContentLoss", task="loss",
                      description="style transfer: mean squared difference of feature maps (content loss)",
                      book_section="D2L 9.11.6",
                      inputs=[_FEATURES, InputSpec((2, 3, 5, 4), low=-1, high=1, name="target")],
                      onnx=True, gradient_check=True)
    registry.register("style_gram", "gluonx.losses.style:StyleLoss", task="loss",
                      description="style transfer: mean squared difference of normalized Gram matrices "
                                  "X X^T / (C n) (style loss)",
                      book_section="D2L 9.11.6",
                      inputs=[_FEATURES, InputSpec((2, 3, 3), low=-0.5, high=0.5, name="target_gram")],
                      onnx=True, gradient_check=True)
    registry.register("total_variation", "gluonx.losses.style:TotalVariationLoss", task="loss",
                      description="style transfer: half the mean absolute vertical plus horizontal pixel "
                                  "differences (total-variation loss)",
                      book_section="D2L 9.11.6", inputs=[_FEATURES], onnx=True, gradient_check=True)


def register_blocks(registry):
    """Add the Gram matrix and the feature extractor."""
    registry.register("gram_matrix", "gluonx.losses.style:GramMatrix", task="style-transfer",
                      description="normalized Gram matrix X X^T / (C n) of (batch, C, H, W) features",
                      book_section="D2L 9.11.6",
                      inputs=[InputSpec((2, 3, 5, 4), low=-1, high=1, dynamic_axes={2: "height", 3: "width"})],
                      onnx=True, gradient_check=True)
    registry.register("feature_extractor", "gluonx.models.feature_extractor:feature_extractor",
                      task="style-transfer",
                      description="outputs of chosen layers of any registered CNN's features (shared parameters)",
                      book_section="D2L 9.11.4",
                      inputs=[InputSpec((2, 3, 16, 16), low=-1, high=1, dynamic_axes={2: "height", 3: "width"})],
                      kwargs={"backbone": "vgg11", "layers": (0, "features.1.0", 2), "width_divisor": 16,
                              "in_channels": 3, "hidden_units": 8},
                      onnx=True)


def register_commands(cli):
    """Add ``gluonx style-transfer``."""
    cli.add_command("style-transfer", "gluonx.apps.style_transfer_cli:run_style_transfer",
                    help="neural style transfer (D2L 9.11): CONTENT in the style of STYLE, as a PNG",
                    configure="gluonx.apps.style_transfer_cli:configure_style_transfer")
