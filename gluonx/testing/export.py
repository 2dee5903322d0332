"""Export, and reload in a process without gluonx (docs/conformance.md, step 3)."""
import os
import tempfile

import numpy as np

from ..deploy.graph_io import export_block
from ._arrays import as_ndarrays, assert_outputs_close, flatten_outputs, input_names
from .isolated import run_isolated

_RELOAD_SCRIPT = '''
import json, sys
import numpy as np
import mxnet as mx
folder, count, names = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
net = mx.gluon.SymbolBlock.imports(folder + "/model-symbol.json", names, folder + "/model-0000.params")
for i in range(count):
    with np.load("{}/inputs{}.npz".format(folder, i), allow_pickle=False) as data:
        arrays = [mx.nd.array(data["arr_%d" % k], dtype=data["arr_%d" % k].dtype) for k in range(len(names))]
    out = net(*arrays)
    out = out if isinstance(out, (list, tuple)) else [out]
    np.savez("{}/outputs{}.npz".format(folder, i), *[o.asnumpy() for o in out])
'''


def check_export(block, inputs, more_inputs=(), rtol=1e-4, atol=1e-5, directory=None, timeout=300):
    """Check that ``block`` exports and reloads with ``SymbolBlock.imports`` in a process without gluonx.

    Parameters
    ----------
    block : mx.gluon.HybridBlock
        An initialized block.
    inputs, more_inputs
        As in :func:`gluonx.testing.check_hybridize`; the reloaded model must match the in-process
        hybridized outputs on each input set.
    directory : str, optional
        Where to write the files (default: a temporary folder, removed afterwards).
    timeout : float
        Seconds allowed for the subprocess.

    Returns
    -------
    list of list of numpy.ndarray
        Outputs of the reloaded model per input set.
    """
    batches = [as_ndarrays(inputs)] + [as_ndarrays(b) for b in more_inputs]
    if directory is None:
        with tempfile.TemporaryDirectory(prefix="gluonx-export-") as tmp:
            return check_export(block, inputs, more_inputs, rtol, atol, directory=tmp, timeout=timeout)
    export_block(block, batches[0], os.path.join(directory, "model"))
    expected = [flatten_outputs(block(*batch)) for batch in batches]
    for index, batch in enumerate(batches):
        np.savez(os.path.join(directory, "inputs{}.npz".format(index)), *[x.asnumpy() for x in batch])
    import json
    run_isolated(_RELOAD_SCRIPT, [directory, str(len(batches)), json.dumps(input_names(len(batches[0])))],
                 cwd=directory, timeout=timeout)
    got = []
    for index in range(len(batches)):
        with np.load(os.path.join(directory, "outputs{}.npz".format(index)), allow_pickle=False) as data:
            got.append([data["arr_%d" % k] for k in range(len(data.files))])
        shapes = [tuple(x.shape) for x in batches[index]]
        assert_outputs_close(expected[index], got[index], rtol, atol,
                             "{}: exported symbol (fresh process without gluonx) vs in-process, inputs {}"
                             .format(type(block).__name__, shapes))
    return got
