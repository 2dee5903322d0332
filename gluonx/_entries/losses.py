"""Registry table of the core's losses (data only: lazy "module:attr" factories).

Imported by :mod:`gluonx._core_plugin`; must not import MXNet. Class ids and lengths are integer inputs,
which the gradient check leaves alone, so only the differentiable inputs are checked against finite
differences.
"""
from .._registry import InputSpec

_LOGITS = InputSpec((4, 5), low=-3, high=3, name="pred")
_CLASS_IDS = InputSpec((4,), dtype="int32", low=0, high=5, name="label")
_VECTORS = InputSpec((4, 6), low=-2, high=2)

#: Why the entries flagged onnx=False do not convert (checked by tests/losses/test_losses_registry.py).
_NO_ONNX_REASON = ("MXNet has no ONNX converter for pick nor for comparisons with a scalar "
                   "(_greater_equal_scalar and its kin)")

#: name, class, description, book section, inputs, kwargs, onnx
_TABLE = (
    ("masked_softmax_ce", "sequence:MaskedSoftmaxCELoss",
     "softmax cross-entropy of padded sequences: per-sample mean over the valid positions", "D2L 10.12.3",
     # lengths in [0, steps]: 0 checks the all-padded row
     [InputSpec((3, 4, 6), low=-3, high=3, name="pred"), InputSpec((3, 4), dtype="int32", low=0, high=6,
                                                                   name="label"),
      InputSpec((3,), dtype="int32", low=0, high=5, name="valid_len")], {}, False),
    ("focal", "focal:FocalLoss",
     "sigmoid focal loss -alpha_t (1 - p_t)^gamma log p_t from logits; background and ignored ids",
     "D2L 9.7 (exercises)",
     # ids in [-2, 5): -1 is background, -2 ignored
     [InputSpec((2, 3, 5), low=-4, high=4, name="pred"), InputSpec((2, 3), dtype="int32", low=-2, high=5,
                                                                   name="label")],
     {"alpha": 0.25, "gamma": 2.0, "ignore_label": -2}, False),
    ("masked_smooth_l1", "box:MaskedSmoothL1Loss",
     "smooth-L1 of box offsets on the positive anchors of a mask (sigma), mean over the unmasked entries",
     "D2L 9.7.2", [InputSpec((2, 8), low=-2, high=2, name="pred"), InputSpec((2, 8), low=-2, high=2, name="label"),
                   InputSpec((2, 8), low=0, high=1, name="mask")], {"sigma": 2.0}, True),
    ("label_smoothing_ce", "smoothing:LabelSmoothingCELoss",
     "softmax cross-entropy against one-hot labels smoothed towards uniform", "DL 7.5.1",
     [_LOGITS, _CLASS_IDS], {"smoothing": 0.1}, False),
    ("multiclass_hinge", "margin:MultiClassHingeLoss",
     "multi-class SVM hinge: sum over wrong classes of max(0, s_j - s_y + margin)", "DL 5.7.2",
     [_LOGITS, _CLASS_IDS], {"margin": 1.0}, False),
    ("multiclass_squared_hinge", "margin:MultiClassSquaredHingeLoss",
     "multi-class squared hinge: sum over wrong classes of max(0, s_j - s_y + margin)^2", "DL 5.7.2",
     [_LOGITS, _CLASS_IDS], {"margin": 1.0}, False),
    ("contrastive", "margin:ContrastiveLoss",
     "contrastive loss of embedding pairs: d^2/2 if similar, max(0, margin - d)^2/2 if not", "DL 5.7.2",
     [InputSpec((4, 6), low=-1, high=1, name="anchor"), InputSpec((4, 6), low=-1, high=1, name="other"),
      InputSpec((4,), low=0, high=1, name="label")], {"margin": 2.0}, True),
    ("gaussian_kl", "vae:GaussianKLLoss",
     "VAE: KL(N(mu, exp(log_var)) || N(0, I)) per sample, summed over the latent units", "DL 20.10.3",
     [InputSpec((4, 3), low=-2, high=2, name="mu"), InputSpec((4, 3), low=-2, high=2, name="log_var")], {}, True),
    ("bernoulli_reconstruction", "vae:BernoulliReconstructionLoss",
     "VAE: -log p(x | z) of a Bernoulli decoder from logits, summed over the features", "DL 20.10.3",
     [InputSpec((4, 6), low=-4, high=4, name="logits"), InputSpec((4, 6), low=0, high=1, name="x")], {}, True),
    ("gaussian_reconstruction", "vae:GaussianReconstructionLoss",
     "VAE: -log N(x; mean, exp(log_var)) of a Gaussian decoder, summed over the features", "DL 20.10.3",
     [InputSpec((4, 6), low=-1, high=1, name="mean"), InputSpec((4, 6), low=-1, high=1, name="x")],
     {"log_var": -1.0}, True),
    ("gan_discriminator", "gan:GANDiscriminatorLoss",
     "GAN: -log D(x) - log(1 - D(G(z))) from the discriminator's logits", "DL 20.10.4",
     [InputSpec((4, 1), low=-5, high=5, name="real_logits"), InputSpec((4, 1), low=-5, high=5,
                                                                        name="fake_logits")], {}, True),
    ("gan_generator", "gan:GANGeneratorLoss",
     "GAN: non-saturating generator loss -log D(G(z)) from logits", "DL 20.10.4",
     [InputSpec((4, 1), low=-5, high=5, name="fake_logits")], {}, True),
)


def register_losses(registry):
    """Add the core losses to ``registry`` (a :class:`gluonx._registry.RegistryView`).

    The ``kwargs`` of a record only configure the conformance check; ``gluonx.get_loss(name)`` uses the
    class's defaults, so a name that implies a setting has its own class.
    """
    for name, factory, description, section, inputs, kwargs, onnx in _TABLE:
        if not onnx:
            description += " (no ONNX: " + _NO_ONNX_REASON + ")"
        registry.register(name, "gluonx.losses." + factory, task="loss", description=description,
                          book_section=section, inputs=inputs, kwargs=kwargs, onnx=onnx, gradient_check=True)
