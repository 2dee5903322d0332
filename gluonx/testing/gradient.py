"""Finite-difference gradient check in float64 against MXNet's autograd."""
import numpy as np

from ._arrays import as_ndarrays


def _scalar_objective(outputs, weights):
    total = None
    for out, weight in zip(outputs, weights):
        term = (out * weight).sum()
        total = term if total is None else total + term
    return total


def _flat(outputs):
    if isinstance(outputs, (list, tuple)):
        return [leaf for item in outputs for leaf in _flat(item)]
    return [outputs]


def check_gradient(block, inputs, eps=1e-6, rtol=1e-5, atol=1e-7, num_checks=12, seed=0,
                   check_params=True):
    """Compare autograd gradients with central finite differences, in float64.

    The block is cast to float64 and the objective is a fixed random projection of every output,
    ``f = sum_i <W_i, out_i>``, so that no gradient cancels by symmetry. Gradients with respect to every
    floating-point input and (optionally) every trainable parameter are checked on up to ``num_checks``
    random coordinates each. Both passes run in inference mode, so stochastic layers are deterministic.

    Parameters
    ----------
    block : mx.gluon.HybridBlock
        An initialized block (it is cast to float64 in place).
    inputs : sequence of NDArray
        Positional inputs; floating inputs are cast to float64, integer inputs are left as they are.
    eps : float
        Finite-difference step.
    rtol, atol : float
        A coordinate passes if ``|numeric - autograd| <= atol + rtol * max(|numeric|, |autograd|)``.
    num_checks : int
        Coordinates sampled per tensor.
    seed : int
        Seed of the projection weights and the sampled coordinates.
    check_params : bool
        Also check parameter gradients.

    Raises
    ------
    AssertionError
        Naming the tensor and coordinate whose gradients differ.
    """
    import mxnet as mx
    from mxnet import autograd
    rng = np.random.RandomState(seed)
    arrays = [x.astype("float64") if np.issubdtype(x.dtype, np.floating) else x for x in as_ndarrays(inputs)]
    block.cast("float64")
    block.hybridize(active=False)
    first = _flat(block(*arrays))
    weights = [mx.nd.array(rng.uniform(-1, 1, size=o.shape), dtype="float64") for o in first]
    params = [p for p in block.collect_params().values() if p.grad_req != "null"] if check_params else []

    def objective():
        with autograd.predict_mode():
            return _scalar_objective(_flat(block(*arrays)), weights).asscalar()

    differentiable = [i for i, x in enumerate(arrays) if np.issubdtype(x.dtype, np.floating)]
    for i in differentiable:
        arrays[i].attach_grad()
    with autograd.record(train_mode=False):
        loss = _scalar_objective(_flat(block(*arrays)), weights)
    loss.backward()
    targets = [("input {}".format(i), arrays[i], None) for i in differentiable]
    targets += [("parameter " + p.name, p.data(), p) for p in params]
    for label, tensor, param in targets:
        analytic = (tensor.grad if param is None else param.grad()).asnumpy()
        values = tensor.asnumpy()
        flat_count = values.size
        for flat_index in rng.choice(flat_count, size=min(num_checks, flat_count), replace=False):
            index = np.unravel_index(flat_index, values.shape)
            estimates = []
            for step in (eps, -eps):
                shifted = values.copy()
                shifted[index] += step
                _assign(tensor, param, shifted)
                estimates.append(objective())
            _assign(tensor, param, values)
            numeric = (estimates[0] - estimates[1]) / (2 * eps)
            want = analytic[index]
            if abs(numeric - want) > atol + rtol * max(abs(numeric), abs(want)):
                raise AssertionError("{}: gradient of {} at {}: autograd {:.10g}, finite differences {:.10g}"
                                     .format(type(block).__name__, label, tuple(int(i) for i in index),
                                             want, numeric))


def _assign(tensor, param, values):
    if param is None:
        tensor[:] = values
    else:
        param.set_data(values.astype("float64"))
