"""Guard against non-finite gradients, detected on the device and checked at the log interval."""
from .base import EventHandler

POLICIES = ("raise", "skip", "stop")


class NaNGuard(EventHandler):
    """Detect NaN/Inf gradient norms without blocking; act when the trainer reads its metrics.

    Parameters
    ----------
    policy : {'raise', 'skip', 'stop'}
        'raise': ``FloatingPointError`` at the next log read. 'stop': finish training cleanly at the next
        log read. 'skip': every step whose gradient norm is not finite has its gradient replaced by zeros on
        the device (no sync), so plain SGD leaves the weights unchanged; stateful optimizers still apply
        their momentum/weight decay with a zero gradient. The count appears as ``nonfinite_steps``.
    """

    priority = -300

    def __init__(self, policy="raise"):
        if policy not in POLICIES:
            raise ValueError("NaNGuard policy must be one of {}, got {!r}".format(POLICIES, policy))
        self.policy = policy

    def train_begin(self, trainer):
        trainer.nan_policy = self.policy

    def train_end(self, trainer):
        trainer.nan_policy = None
