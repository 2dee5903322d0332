"""A small model and block written as every gluonx entry is: ``hybrid_forward`` with ``F.*`` only."""
from mxnet.gluon import nn

__all__ = ["ScaledTanh", "TemplateMLP", "template_mlp"]


class ScaledTanh(nn.HybridBlock):
    """LeCun's scaled hyperbolic tangent ``a * tanh(b * x)`` with ``a = 1.7159``, ``b = 2/3``.

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, section 6.3 (hidden units).
    """

    def __init__(self, scale=1.7159, slope=2.0 / 3.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.slope = slope

    def hybrid_forward(self, F, x):
        return self.scale * F.tanh(self.slope * x)


class TemplateMLP(nn.HybridBlock):
    """Dense → ScaledTanh → Dense classifier."""

    def __init__(self, num_classes=10, hidden=32, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.hidden = nn.Dense(hidden)
            self.activation = ScaledTanh()
            self.output = nn.Dense(num_classes)

    def hybrid_forward(self, F, x):
        return self.output(self.activation(self.hidden(x)))


def template_mlp(num_classes=10, hidden=32, **kwargs):
    """Build :class:`TemplateMLP` (uninitialized)."""
    return TemplateMLP(num_classes=num_classes, hidden=hidden, **kwargs)
