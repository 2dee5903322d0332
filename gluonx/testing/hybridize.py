"""Imperative vs hybridized parity (hybridization contract, step 2; docs/conformance.md)."""
from ._arrays import as_ndarrays, assert_outputs_close, flatten_outputs


def check_hybridize(block, inputs, more_inputs=(), rtol=1e-4, atol=1e-5):
    """Check that ``block`` gives the same outputs imperatively and hybridized.

    The block is run imperatively on every input set, then hybridized with ``static_alloc=True,
    static_shape=True`` and run again; outputs are compared in inference mode. Several input sets with
    different batch sizes prove that the hybridized graph accepts a dynamic batch.

    Parameters
    ----------
    block : mx.gluon.HybridBlock
        An initialized block (deferred initialization is fine).
    inputs : sequence of NDArray
        One set of positional inputs.
    more_inputs : sequence of sequences of NDArray
        Further input sets, e.g. with other batch sizes.
    rtol, atol : float
        Tolerances of ``numpy.testing.assert_allclose``.

    Returns
    -------
    list of list of numpy.ndarray
        The hybridized outputs of each input set, flattened.

    Raises
    ------
    AssertionError
        Naming the input set and output that differ.
    """
    batches = [as_ndarrays(inputs)] + [as_ndarrays(b) for b in more_inputs]
    block.hybridize(active=False)
    expected = [flatten_outputs(block(*batch)) for batch in batches]
    block.hybridize(active=True, static_alloc=True, static_shape=True)
    got = [flatten_outputs(block(*batch)) for batch in batches]
    for index, (want, have) in enumerate(zip(expected, got)):
        shapes = [tuple(x.shape) for x in batches[index]]
        assert_outputs_close(want, have, rtol, atol,
                             "{}: hybridized vs imperative, inputs {}".format(type(block).__name__, shapes))
    return got
