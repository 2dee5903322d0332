"""Nested inputs and outputs: flatten them for an exported graph and regroup them afterwards.

An exported MXNet graph only knows a flat list of inputs (``data`` or ``data0, data1, ...``) and a flat
list of outputs, while a Gluon block may take ``net(x, [h, c])`` and return ``(out, [h, c])``. The
*format* of a nested value is a plain-JSON description of its nesting: ``0`` for one array, a list of
formats for a list or tuple. It is stored in the export manifest so that a
:class:`gluonx.Predictor` accepts and returns the same structure as the original block.
"""

__all__ = ["flatten", "regroup", "count_leaves"]


def _is_leaf(value):
    return not isinstance(value, (list, tuple))


def flatten(value, what="input"):
    """Flatten nested lists/tuples depth first.

    Parameters
    ----------
    value : array or nested list/tuple of arrays
    what : str
        Used in the error message (``"input"`` or ``"output"``).

    Returns
    -------
    flat : list
        The leaves, depth first (the order MXNet numbers exported inputs ``data0, data1, ...``).
    fmt : int or list
        The nesting format: ``0`` for a leaf, a list of formats for a sequence.

    Examples
    --------
    >>> flatten(["x", ["h", "c"]])
    (['x', 'h', 'c'], [0, [0, 0]])
    """
    if value is None:
        raise ValueError("gluonx export: an {} is None; exported graphs need every {} to be an array"
                         .format(what, what))
    if _is_leaf(value):
        return [value], 0
    flat, fmt = [], []
    for item in value:
        leaves, item_fmt = flatten(item, what)
        flat.extend(leaves)
        fmt.append(item_fmt)
    return flat, fmt


def count_leaves(fmt):
    """Number of arrays described by ``fmt``."""
    if fmt == 0:
        return 1
    return sum(count_leaves(item) for item in fmt)


def regroup(flat, fmt):
    """Inverse of :func:`flatten`: nest the leaves of ``flat`` as described by ``fmt`` (lists, not tuples).

    Examples
    --------
    >>> regroup(['x', 'h', 'c'], [0, [0, 0]])
    ['x', ['h', 'c']]
    """
    flat = list(flat)
    if count_leaves(fmt) != len(flat):
        raise ValueError("regroup: format {} describes {} arrays, got {}".format(fmt, count_leaves(fmt), len(flat)))
    grouped, rest = _regroup(flat, fmt)
    return grouped


def _regroup(flat, fmt):
    if fmt == 0:
        return flat[0], flat[1:]
    out = []
    for item in fmt:
        value, flat = _regroup(flat, item)
        out.append(value)
    return out, flat
