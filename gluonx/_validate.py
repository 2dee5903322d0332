"""Argument validators shared by the command line and the library: one place, one wording.

Each ``*_arg`` function is an ``argparse`` ``type=``: it turns text into a value or raises
``argparse.ArgumentTypeError`` with one line saying what was expected, which argparse prints as a usage
error (exit 2). The ``check_*`` functions do the same for Python callers and raise ``ValueError``.

Examples
--------
>>> positive_int_arg("3")
3
>>> finite_float_arg("1e-3")
0.001
"""
import argparse
import math

__all__ = ["UsageError", "check_finite", "check_positive", "check_non_negative", "positive_int_arg",
           "non_negative_int_arg", "finite_float_arg", "positive_float_arg", "non_negative_float_arg",
           "key_value_arg"]


class UsageError(ValueError):
    """A value given by the user is not what was expected; the message says what was."""


def _number(text, kind):
    try:
        return kind(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError("expected {}, got {!r}".format(
            "an integer" if kind is int else "a number", text)) from None


def check_finite(name, value):
    """Return ``value`` as a float, or raise :class:`UsageError` if it is NaN or infinite."""
    value = float(value)
    if not math.isfinite(value):
        raise UsageError("{} must be a finite number, got {}".format(name, value))
    return value


def check_positive(name, value):
    """Return ``value`` if it is finite and > 0, else raise :class:`UsageError`."""
    if not check_finite(name, value) > 0:
        raise UsageError("{} must be positive, got {}".format(name, value))
    return value


def check_non_negative(name, value):
    """Return ``value`` if it is finite and >= 0, else raise :class:`UsageError`."""
    if not check_finite(name, value) >= 0:
        raise UsageError("{} must be zero or more, got {}".format(name, value))
    return value


def _as_arg(check, kind):
    def parse(text):
        value = _number(text, kind)
        try:
            check("the value", value)
        except UsageError as err:
            raise argparse.ArgumentTypeError(str(err).replace("the value ", "expected a value that ", 1)
                                             .replace("must be", "is")) from None
        return value
    return parse


positive_int_arg = _as_arg(check_positive, int)
positive_int_arg.__doc__ = "``type=`` for an integer >= 1."
non_negative_int_arg = _as_arg(check_non_negative, int)
non_negative_int_arg.__doc__ = "``type=`` for an integer >= 0."
finite_float_arg = _as_arg(check_finite, float)
finite_float_arg.__doc__ = "``type=`` for a finite number (no nan/inf)."
positive_float_arg = _as_arg(check_positive, float)
positive_float_arg.__doc__ = "``type=`` for a finite number > 0."
non_negative_float_arg = _as_arg(check_non_negative, float)
non_negative_float_arg.__doc__ = "``type=`` for a finite number >= 0."


def key_value_arg(text):
    """``type=`` for ``KEY=VALUE``; the value is parsed as JSON when it can be (``3``, ``0.5``, ``true``,
    ``[1,2]``), else kept as text."""
    import json
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError("expected KEY=VALUE, got {!r}".format(text))
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value
