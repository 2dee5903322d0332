"""Run every applicable check of the hybridization contract on a registry entry.

``tests/conformance`` parametrizes :func:`check_entry` over every registered model, block and loss, so a
newly registered entry is checked with no new test code. Third-party plugins use the same functions::

    from gluonx.testing import check_entry, conformance_entries

    @pytest.mark.parametrize("info", conformance_entries(plugin="myplugin"), ids=lambda i: i.name)
    def test_conformance(info):
        check_entry(info)
"""
from .export import check_export
from .gradient import check_gradient
from .hybridize import check_hybridize
from .onnx_parity import check_onnx
from ._arrays import make_inputs

#: Registries whose entries build HybridBlocks with example inputs.
CONFORMANCE_KINDS = ("models", "blocks", "losses")
#: Extra batch sizes tried when an entry says its batch is dynamic.
EXTRA_BATCH_SIZES = (1, 3)


def build_entry(info, seed=0, dtype=None):
    """Build ``info``'s block with its conformance ``kwargs``, seeded and initialized (Xavier)."""
    import mxnet as mx
    import numpy as np
    mx.random.seed(seed)
    np.random.seed(seed)
    block = info.create(**info.kwargs)
    if dtype is not None:
        block.cast(dtype)
    block.initialize(mx.init.Xavier(), force_reinit=True)
    return block


def axis_sizes(specs):
    """Example size of every named dynamic axis of ``specs`` (``{"time": 5}``); inputs sharing a name must
    agree on its size."""
    sizes = {}
    for index, spec in enumerate(specs):
        for axis, name in spec.dynamic_axes:
            if sizes.setdefault(name, spec.shape[axis]) != spec.shape[axis]:
                raise AssertionError("example inputs disagree on the size of axis '{}': {} and {} (input {})"
                                     .format(name, sizes[name], spec.shape[axis], index))
    return sizes


def other_axis_sizes(size):
    """The sizes a named dynamic axis of example size ``size`` is also checked at: half and double."""
    return sorted({max(1, size // 2), size * 2} - {size})


def entry_inputs(info, seed=0):
    """The example inputs of ``info`` and input sets at other batch sizes (for a dynamic batch) and at other
    sizes of every named dynamic axis (sequence length, height, width), one axis at a time."""
    inputs = make_inputs(info.inputs, seed=seed)
    more = []
    example_batch = next((spec.batch_size for spec in info.inputs if spec.batch_axis is not None), None)
    if info.dynamic_batch and example_batch is not None:
        more = [make_inputs(info.inputs, batch_size=b, seed=seed + b)
                for b in EXTRA_BATCH_SIZES if b != example_batch]
    for offset, (name, size) in enumerate(sorted(axis_sizes(info.inputs).items())):
        more += [make_inputs(info.inputs, seed=seed + 100 * (offset + 1) + other, sizes={name: other})
                 for other in other_axis_sizes(size)]
    return inputs, more


def entry_dynamic_axes(info):
    """Per input, the axes exported as dynamic by the ONNX check: the batch axis (for a dynamic batch) and
    the named dynamic axes."""
    return [sorted(([spec.batch_axis] if info.dynamic_batch and spec.batch_axis is not None else [])
                   + [axis for axis, _ in spec.dynamic_axes]) for spec in info.inputs]


def check_entry(info, checks=("hybridize", "export", "onnx", "gradient"), seed=0):
    """Run the checks that ``info`` claims: hybridize always, export unless ``export=False``, ONNX when
    ``onnx=True``, gradients when ``gradient_check=True``.

    Parameters
    ----------
    info : gluonx.ModelInfo or gluonx.BlockInfo or gluonx.LossInfo
        The registry record.
    checks : sequence of str
        Subset of checks to consider.
    seed : int
        Seed of initialization and inputs.

    Returns
    -------
    list of str
        The checks that ran.
    """
    if not info.inputs:
        raise AssertionError("{} '{}' (plugin '{}') has no example inputs: register it with "
                             "inputs=[InputSpec(...)]".format(info.kind, info.name, info.plugin))
    ran = []
    inputs, more = entry_inputs(info, seed)
    tol = dict(rtol=info.rtol, atol=info.atol)
    if "hybridize" in checks:
        check_hybridize(build_entry(info, seed), inputs, more, **tol)
        ran.append("hybridize")
    if "export" in checks and info.export:
        check_export(build_entry(info, seed), inputs, more, **tol)
        ran.append("export")
    if "onnx" in checks and info.onnx:
        dynamic = entry_dynamic_axes(info)
        check_onnx(build_entry(info, seed), inputs, more if any(dynamic) else (), dynamic_axes=dynamic, **tol)
        ran.append("onnx")
    if "gradient" in checks and info.gradient_check:
        check_gradient(build_entry(info, seed), inputs, seed=seed)
        ran.append("gradient")
    return ran


def conformance_entries(pattern="*", plugin=None, kinds=CONFORMANCE_KINDS):
    """Every registered record that the conformance kit checks (models, blocks and losses).

    Meant for ``pytest.mark.parametrize``, so it never returns an empty list: a suite parametrized over
    nothing would pass green while checking nothing (for instance when the plugin failed to load).

    Raises
    ------
    LookupError
        When no record matches, naming the filters and, for ``plugin``, that plugin's status and error.
    """
    from .._api import registry
    out = []
    for kind in kinds:
        out.extend(registry(kind).infos(pattern, plugin=plugin))
    if not out:
        raise LookupError(_no_entries_message(pattern, plugin, kinds))
    return out


def _no_entries_message(pattern, plugin, kinds):
    from .._plugins import list_plugins
    filters = ", ".join("{}={!r}".format(key, value) for key, value in
                        (("pattern", pattern if pattern != "*" else None), ("plugin", plugin),
                         ("kinds", tuple(kinds) if tuple(kinds) != CONFORMANCE_KINDS else None))
                        if value is not None)
    message = "conformance_entries({}) matched no model, block or loss".format(filters)
    if plugin is not None:
        found = [p for p in list_plugins() if p.name == plugin]
        if not found:
            message += "; no plugin called '{}' is installed (gluonx plugins lists them)".format(plugin)
        for info in found:
            if info.status == "failed":
                message += "; plugin '{}' failed to load: {}".format(plugin, info.error)
            elif info.status != "loaded":
                message += "; plugin '{}' is {} (see GLUONX_PLUGINS / GLUONX_DISABLED_PLUGINS)".format(
                    plugin, info.status)
    return message
