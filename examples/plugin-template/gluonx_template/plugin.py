"""Hook implementations only: lazy "module:attr" factories keep ``gluonx plugins`` cheap."""
import gluonx
from gluonx import InputSpec


@gluonx.hookimpl
def register_models(registry):
    registry.register(
        "template_mlp", "gluonx_template.model:template_mlp",
        task="classification", description="Two-layer perceptron with a scaled-tanh hidden layer",
        book_section="D2L 3.8", inputs=[InputSpec((4, 16), name="features")],
        kwargs={"num_classes": 5}, onnx=True, gradient_check=True)


@gluonx.hookimpl
def register_blocks(registry):
    registry.register(
        "template_scaled_tanh", "gluonx_template.model:ScaledTanh",
        task="activation", description="LeCun's scaled tanh, 1.7159 * tanh(2x/3)",
        book_section="DL 6.3", inputs=[InputSpec((2, 3, 5), low=-3, high=3)],
        onnx=True, gradient_check=True)
