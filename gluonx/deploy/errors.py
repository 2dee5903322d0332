"""Errors of export and deployment, each naming what was expected and what was received."""

__all__ = ["ExportError", "InputMismatchError"]


class ExportError(RuntimeError):
    """Exporting failed or the exported model does not reproduce the block (the message says which step)."""


class InputMismatchError(ValueError):
    """An input given to a :class:`gluonx.Predictor` does not fit the exported model (count, rank, shape,
    dtype, empty batch or non-finite values); the message names the input, the expected and the received."""
