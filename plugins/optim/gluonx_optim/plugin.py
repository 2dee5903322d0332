"""Hook implementations of the optimizers plugin (lazy "module:attr" factories only)."""
import gluonx


@gluonx.hookimpl
def register_optimizers(registry):
    """Optimizers of D2L 7 and DL 8."""


@gluonx.hookimpl
def register_lr_schedulers(registry):
    """Learning-rate schedules (D2L 7, DL 8.3)."""
