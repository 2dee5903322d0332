"""Parameter names that survive ``export``, ``save_parameters`` and another name scope.

MXNet 1.9 names one parameter three ways, and its loaders accept only one each:

- ``HybridBlock.export`` writes *full names with a role*: ``arg:lenet0_conv0_weight``;
- ``save_parameters`` writes *structural names*: ``features.0.weight``;
- ``ParameterDict.save`` writes *full names*: ``lenet0_conv0_weight``.

A full name also carries the name scope the block was built in, so parameters exported from ``lenet0``
do not load into a second ``lenet1`` (or a LeNet built inside another block), and ``load_parameters``
rejects an exported ``.params`` file outright. :func:`load_parameters` reads any of the three files (or an
export folder, whose manifest records each parameter's structural and exported name) into a block built
under any name scope, and checks every shape.

Examples
--------
>>> import mxnet as mx
>>> from gluonx.deploy import load_parameters, parameter_names
>>> net = mx.gluon.nn.Dense(3, in_units=2); net.initialize()
>>> parameter_names(net)                                     # doctest: +SKIP
{'weight': 'dense0_weight', 'bias': 'dense0_bias'}
>>> net.export("/tmp/dense")                                  # doctest: +SKIP
>>> other = mx.gluon.nn.Dense(3, in_units=2)                  # another name scope: dense1_
>>> load_parameters(other, "/tmp/dense-0000.params")          # doctest: +SKIP
"""
import os

__all__ = ["ParameterMismatchError", "parameter_names", "read_parameter_file", "match_parameters",
           "load_parameters"]

_ROLE_PREFIXES = ("arg:", "aux:")


class ParameterMismatchError(ValueError):
    """A parameter file does not fit a block: names missing or left over, or shapes that differ."""


def parameter_names(block):
    """Map each structural name of ``block`` (as in ``save_parameters``) to the parameter's full name.

    The full name is the one ``export`` writes into the graph and the ``.params`` file.
    """
    return {key: param.name for key, param in block._collect_params_with_prefix().items()}


def read_parameter_file(path):
    """Read a ``.params`` file written by ``export``, ``save_parameters`` or ``ParameterDict.save``.

    Returns
    -------
    arrays : dict of str to NDArray
        Keyed by name, with ``export``'s ``arg:``/``aux:`` role prefixes removed.
    kind : str
        ``"export"`` when the file had role prefixes, else ``"names"``.

    Raises
    ------
    ValueError
        If the file is missing, unreadable, or holds an unnamed list of arrays.
    """
    import mxnet as mx
    if not os.path.isfile(path):
        raise ValueError("parameter file {} does not exist".format(path))
    try:
        loaded = mx.nd.load(path)
    except (mx.base.MXNetError, UnicodeDecodeError):  # a corrupted array name fails to decode as UTF-8
        raise ValueError("cannot read parameter file {}: it is corrupted, truncated or not an MXNet NDArray "
                         "file".format(path)) from None
    if isinstance(loaded, list) and not loaded:
        return {}, "names"  # a block without parameters exports an empty file
    if not isinstance(loaded, dict):
        raise ValueError("parameter file {} holds {} unnamed arrays; expected named parameters (written by "
                         "export, save_parameters or ParameterDict.save)".format(path, len(loaded)))
    if loaded and all(key.startswith(_ROLE_PREFIXES) for key in loaded):
        return {key[4:]: value for key, value in loaded.items()}, "export"
    return dict(loaded), "names"


def _relative_name(param_name, prefix):
    # A child built outside its parent's name_scope() has a name that does not start with the prefix.
    return param_name[len(prefix):] if prefix and param_name.startswith(prefix) else param_name


def _scope_candidates(keys, relative):
    """Name-scope prefixes P such that P + relative name is a key, with how many parameters each explains."""
    counts = {}
    for key in keys:
        for rel in relative:
            if key.endswith(rel):
                prefix = key[:len(key) - len(rel)]
                counts[prefix] = counts.get(prefix, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], len(item[0])))


def match_parameters(block, names, mapping=None):
    """Decide which stored name holds each parameter of ``block``.

    Tried in order, the first that explains every parameter wins (else the one explaining most):
    ``mapping`` (structural name → stored name, from an export manifest), structural names, full names,
    and full names under another name scope (``lenet0_conv0_weight`` for the ``lenet1_conv0_weight`` of a
    second instance).

    Parameters
    ----------
    block : mx.gluon.Block
    names : iterable of str
        Names available in the file.
    mapping : dict, optional
        Structural name → stored name.

    Returns
    -------
    found : dict
        Structural name → stored name, for the parameters found.
    strategy : str
        Which rule matched.
    """
    names = set(names)
    params = block._collect_params_with_prefix()
    candidates = []
    if mapping:
        candidates.append(("manifest", {key: mapping.get(key) for key in params}))
    candidates.append(("structural names", {key: key for key in params}))
    candidates.append(("full names", {key: param.name for key, param in params.items()}))
    relative = {key: _relative_name(param.name, block.prefix) for key, param in params.items()}
    for prefix, _ in _scope_candidates(names, set(relative.values()))[:3]:
        candidates.append(("name scope '{}'".format(prefix),
                           {key: (param.name if param.name in names else prefix + relative[key])
                            for key, param in params.items()}))
    best = None
    for strategy, guess in candidates:
        found = {key: name for key, name in guess.items() if name in names}
        if len(found) == len(params):
            return found, strategy
        if best is None or len(found) > len(best[0]):
            best = (found, strategy)
    return best if best is not None else ({}, "none")


def _brief(names, limit=6):
    names = sorted(names)
    text = ", ".join("'{}'".format(n) for n in names[:limit])
    return text + (", ... ({} in all)".format(len(names)) if len(names) > limit else "")


def _source_arrays(source):
    """Arrays and an optional structural mapping from a file, an export folder or a dict."""
    if isinstance(source, dict):
        return dict(source), None, "the given dict"
    source = os.fspath(source)
    if os.path.isdir(source) or os.path.basename(source) == "manifest.json":
        from .manifest import read_manifest
        manifest, folder = read_manifest(source)
        params_file = manifest.file_path(folder, "params")
        arrays, _ = read_parameter_file(params_file)
        mapping = {key: entry["name"] for key, entry in manifest.data.get("parameters", {}).items()}
        return arrays, mapping, params_file
    arrays, _ = read_parameter_file(source)
    return arrays, None, source


def load_parameters(block, source, ctx=None, allow_missing=False, ignore_extra=False):
    """Load parameters into ``block`` whatever wrote them and whatever name scope ``block`` was built in.

    Parameters
    ----------
    block : mx.gluon.Block
        Initialized or not (uninitialized parameters are initialized from the file).
    source : str or dict
        A ``.params`` file from ``export``, ``save_parameters`` or ``ParameterDict.save``; a folder written
        by :func:`gluonx.export` (or its ``manifest.json``); or a dict of name → NDArray.
    ctx : Context or list of Context, optional
        Where to place the parameters (default: the current context, or where they already are).
    allow_missing : bool
        Leave parameters that the file lacks as they are instead of raising.
    ignore_extra : bool
        Ignore arrays of the file that no parameter uses instead of raising.

    Returns
    -------
    str
        The naming rule that matched (``"structural names"``, ``"full names"``, ``"manifest"``, ...).

    Raises
    ------
    ParameterMismatchError
        Naming the block, the parameters missing from the file, the arrays left over, or the parameter
        whose shape differs (expected vs received).

    References
    ----------
    D2L 4.2 (parameter access and names); D2L 4.5 (saving and loading parameters).
    """
    arrays, mapping, where = _source_arrays(source)
    params = block._collect_params_with_prefix()
    found, strategy = match_parameters(block, arrays, mapping)
    label = type(block).__name__
    missing = sorted(set(params) - set(found))
    if missing and not allow_missing:
        raise ParameterMismatchError(
            "{}: {} of its {} parameters are not in {} (best match: {}): missing {}; the file has {}. "
            "Pass allow_missing=True to keep them as they are.".format(
                label, len(missing), len(params), where, strategy,
                _brief("{} ({})".format(k, params[k].name) for k in missing), _brief(arrays)))
    extra = sorted(set(arrays) - set(found.values()))
    if extra and not ignore_extra:
        raise ParameterMismatchError("{}: {} contains arrays that no parameter uses: {}. Pass "
                                     "ignore_extra=True to skip them.".format(label, where, _brief(extra)))
    for key, name in found.items():
        param, value = params[key], arrays[name]
        known = param.shape
        if known is not None and (len(known) != len(value.shape)
                                  or any(d not in (0, -1, v) for d, v in zip(known, value.shape))):
            raise ParameterMismatchError("{}: parameter '{}' ({}) expects shape {}, but {} has {} for '{}'"
                                         .format(label, key, param.name, tuple(known), where,
                                                 tuple(value.shape), name))
    for key, name in found.items():
        params[key]._load_init(arrays[name], ctx, cast_dtype=True, dtype_source="current")
    return strategy
