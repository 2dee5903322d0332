"""Batch and second-order methods with a closure API over Gluon parameters: Newton, nonlinear conjugate
gradients (Fletcher-Reeves, Polak-Ribiere), BFGS and L-BFGS.

The model stays in MXNet: ``closure()`` runs the forward pass under ``autograd.record()``, calls
``backward()`` and returns the loss (or one loss per context; gradients are summed over contexts). The
methods see the parameters as one vector and do their own algebra in float64 NumPy, because curvature pairs
``s'y`` and conjugacy coefficients lose their meaning in float32 round-off; a float64 model
(``dtype='float64'`` layers) gives them float64 gradients too. Hessian-vector
products are central finite differences of gradients, ``(g(x + e v) - g(x - e v)) / 2e``, as MXNet's
higher-order autograd covers few operators.

Examples
--------
>>> from mxnet import autograd
>>> opt = LBFGS(net.collect_params(), memory=10)                      # doctest: +SKIP
>>> def closure():                                                     # doctest: +SKIP
...     with autograd.record():
...         loss = loss_fn(net(X), y).mean()
...     loss.backward()
...     return loss
>>> result = opt.minimize(closure, max_iter=200, gtol=1e-6)            # doctest: +SKIP
>>> opt.step(closure)   # or one iteration at a time                   # doctest: +SKIP

References
----------
DL 8.6 (Newton 8.6.1, conjugate gradients 8.6.2, BFGS and L-BFGS 8.6.3), DL 4.3 (gradient-based
optimization, Jacobian and Hessian).
"""
import collections
import dataclasses
from typing import List

import mxnet as mx
import numpy as np

from .line_search import backtracking, strong_wolfe

__all__ = ["ParameterVector", "OptimizeResult", "LineSearchError", "ClosureOptimizer", "Newton", "NonlinearCG",
           "BFGS", "LBFGS", "hessian_vector_product"]


class ParameterVector:
    """Gluon parameters seen as one float64 vector (values read from the first context, written to all).

    Parameters
    ----------
    params : ParameterDict or list of Parameter
        Parameters with ``grad_req='null'`` are left out.
    """

    def __init__(self, params):
        params = list(params.values()) if hasattr(params, "values") else list(params)
        self.params = [p for p in params if p.grad_req != "null"]
        if not self.params:
            raise ValueError("ParameterVector: no trainable parameter was given")
        for param in self.params:
            if param.grad_req == "add":
                raise ValueError("ParameterVector: parameter {} has grad_req='add'; closure methods need "
                                 "'write' so each closure() gives one gradient".format(param.name))
        self.shapes = [p.shape for p in self.params]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.offsets = np.cumsum([0] + self.sizes)
        #: Machine epsilon of the least precise parameter: the precision of gradients.
        self.epsilon = max(np.finfo(np.dtype(p.dtype)).eps for p in self.params)

    @property
    def size(self):
        return int(self.offsets[-1])

    def get(self):
        """Current values as a float64 vector."""
        return np.concatenate([p.data().asnumpy().ravel() for p in self.params]).astype(np.float64)

    def set(self, vector):
        """Write ``vector`` into the parameters on every context."""
        for param, start, stop in zip(self.params, self.offsets[:-1], self.offsets[1:]):
            values = vector[start:stop].reshape(param.shape)
            for data in param.list_data():
                data[:] = values.astype(data.dtype, copy=False)   # a synchronous host copy, no temporary NDArray

    def grad(self):
        """Gradient as a float64 vector, summed over contexts (a data-parallel closure splits the batch)."""
        parts = []
        for param in self.params:
            grads = param.list_grad()
            total = grads[0].asnumpy().astype(np.float64)
            for other in grads[1:]:
                total += other.asnumpy()
            parts.append(total.ravel())
        return np.concatenate(parts)


@dataclasses.dataclass
class OptimizeResult:
    """What :meth:`ClosureOptimizer.minimize` returns (fields named as in ``scipy.optimize``)."""

    fun: float
    nit: int
    nfev: int
    grad_norm: float
    success: bool
    message: str
    history: List[float]


def _loss_value(loss):
    if isinstance(loss, (list, tuple)):   # one loss per context from a data-parallel closure
        return sum(_loss_value(part) for part in loss)
    if isinstance(loss, mx.nd.NDArray):
        return float(loss.sum().asscalar())
    return float(loss)


def hessian_vector_product(objective, x, v, epsilon=None):
    """Central-difference ``H(x) v`` from gradients: ``(g(x + e v) - g(x - e v)) / 2e``.

    Parameters
    ----------
    objective : callable
        ``objective(x) -> (value, gradient)`` on float64 vectors.
    x, v : numpy.ndarray
    epsilon : float, optional
        Relative step; default ``eps_machine ** (1/3)`` (float64), the balance of truncation and round-off.
    """
    norm = np.linalg.norm(v)
    if norm == 0:
        return np.zeros_like(x)
    relative = np.finfo(np.float64).eps ** (1.0 / 3.0) if epsilon is None else epsilon
    h = relative * max(1.0, np.linalg.norm(x)) / norm
    _, plus = objective(x + h * v)
    _, minus = objective(x - h * v)
    return (plus - minus) / (2.0 * h)


class ClosureOptimizer:
    """Base of the closure methods: one iteration per :meth:`step`, a loop in :meth:`minimize`.

    Parameters
    ----------
    params : ParameterDict or list of Parameter
    """

    def __init__(self, params):
        self.vector = ParameterVector(params)
        self.nit = 0
        self.nfev = 0
        self.history = []
        self._x = self._value = self._grad = None
        self._closure = None

    # -- evaluation -----------------------------------------------------------------------------------
    def _objective(self, x):
        """Objective and gradient at ``x`` (the parameters are left at ``x``)."""
        self.vector.set(x)
        value = _loss_value(self._closure())
        self.nfev += 1
        return value, self.vector.grad()

    def _start(self, closure):
        self._closure = closure
        if self._x is None:
            self._x = self.vector.get()
            self._value, self._grad = self._objective(self._x)
            self.history.append(self._value)

    def _line_objective(self, x, direction, trials):
        def evaluate(step):
            value, grad = self._objective(x + step * direction)
            trials[step] = (value, grad)
            return value, float(grad @ direction)
        return evaluate

    def _accept(self, x_new, value, grad):
        self._x, self._value, self._grad = x_new, value, grad
        self.vector.set(x_new)
        self.history.append(value)

    def reset(self):
        """Forget the cached point and curvature (after changing the parameters or the objective)."""
        self._x = self._value = self._grad = None
        self._reset_memory()

    def _reset_memory(self):
        pass

    # -- public API -----------------------------------------------------------------------------------
    def step(self, closure):
        """One iteration; returns the loss before it (the closure is re-evaluated only where needed).

        Returns
        -------
        float
        """
        self._start(closure)
        before = self._value
        if np.any(self._grad):   # at an exact stationary point there is nothing to do
            self._iterate()
        self.nit += 1
        return before

    def _iterate(self):
        raise NotImplementedError

    def minimize(self, closure, max_iter=200, gtol=1e-5, ftol=1e-12, callback=None):
        """Iterate until ``max|g| <= gtol``, the relative decrease of the loss is below ``ftol``, a line
        search fails, or ``max_iter`` iterations.

        Returns
        -------
        OptimizeResult
        """
        self._start(closure)
        message = "maximum number of iterations reached"
        success = False
        for _ in range(max_iter):
            if np.max(np.abs(self._grad)) <= gtol:
                message, success = "gradient norm below gtol", True
                break
            before = self._value
            try:
                self.step(closure)
            except LineSearchError as err:
                message = str(err)
                success = np.max(np.abs(self._grad)) <= gtol
                break
            if callback is not None:
                callback(self)
            if (before - self._value) <= ftol * max(abs(before), abs(self._value), 1.0):
                message, success = "relative reduction of the loss below ftol", True
                break
        else:
            if np.max(np.abs(self._grad)) <= gtol:
                message, success = "gradient norm below gtol", True
        return OptimizeResult(fun=self._value, nit=self.nit, nfev=self.nfev,
                              grad_norm=float(np.max(np.abs(self._grad))), success=bool(success),
                              message=message, history=list(self.history))


class LineSearchError(RuntimeError):
    """A line search found no step that decreases the loss (at the precision limit, or a bad closure)."""


def _search(optimizer, direction, step, c1, c2, wolfe=True):
    x, value, grad = optimizer._x, optimizer._value, optimizer._grad
    trials = {}
    evaluate = optimizer._line_objective(x, direction, trials)
    slope = float(grad @ direction)
    if wolfe:
        result = strong_wolfe(evaluate, value, slope, step=step, c1=c1, c2=c2)
    else:
        result = backtracking(evaluate, value, slope, step=step, c1=c1)
    if result.step == 0.0 or result.step not in trials:
        optimizer.vector.set(x)
        raise LineSearchError("line search found no step that decreases the loss (precision limit)")
    new_value, new_grad = trials[result.step]
    optimizer._accept(x + result.step * direction, new_value, new_grad)
    return result


class BFGS(ClosureOptimizer):
    """BFGS with a dense inverse-Hessian approximation and a strong Wolfe line search.

    Parameters
    ----------
    params : ParameterDict or list of Parameter
    c1, c2 : float
        Wolfe constants.

    Notes
    -----
    Memory is ``n^2`` floats: for models of up to a few thousand parameters; use :class:`LBFGS` beyond.

    References
    ----------
    DL 8.6.3.
    """

    def __init__(self, params, c1=1e-4, c2=0.9):
        super().__init__(params)
        self.c1, self.c2 = c1, c2
        self._inverse_hessian = None

    def _reset_memory(self):
        self._inverse_hessian = None

    def _iterate(self):
        grad = self._grad
        first = self._inverse_hessian is None
        direction = -grad if first else -self._inverse_hessian @ grad
        if grad @ direction >= 0:
            self._inverse_hessian, direction, first = None, -grad, True
        step = min(1.0, 1.0 / np.linalg.norm(grad)) if first else 1.0
        x_old, grad_old = self._x, grad
        _search(self, direction, step, self.c1, self.c2)
        s, y = self._x - x_old, self._grad - grad_old
        sy = float(s @ y)
        if sy <= 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            return  # no curvature information: keep the approximation
        if self._inverse_hessian is None:
            # H0 = I, as SciPy's BFGS. Nocedal & Wright's scaled start (s'y / y'y) I follows the stiffest
            # direction and, on badly scaled problems like logistic regression on raw pixels, cost 75% more
            # iterations here; the first step's length comes from the line search instead.
            self._inverse_hessian = np.eye(s.size)
        rho = 1.0 / sy
        hy = self._inverse_hessian @ y
        # H <- (I - rho s y') H (I - rho y s') + rho s s', expanded to rank-two updates.
        self._inverse_hessian += (rho * rho * float(y @ hy) + rho) * np.outer(s, s) \
            - rho * (np.outer(hy, s) + np.outer(s, hy))


class LBFGS(ClosureOptimizer):
    """Limited-memory BFGS: the last ``memory`` curvature pairs, two-loop recursion, strong Wolfe search.

    Parameters
    ----------
    params : ParameterDict or list of Parameter
    memory : int
        Number of ``(s, y)`` pairs kept (> 0).
    c1, c2 : float
        Wolfe constants.

    References
    ----------
    DL 8.6.3.
    """

    def __init__(self, params, memory=10, c1=1e-4, c2=0.9):
        if int(memory) != memory or memory < 1:
            raise ValueError("LBFGS: memory must be an integer >= 1, got {!r}".format(memory))
        super().__init__(params)
        self.memory, self.c1, self.c2 = int(memory), c1, c2
        self._pairs = collections.deque(maxlen=self.memory)

    def _reset_memory(self):
        self._pairs.clear()

    def _direction(self, grad):
        q = grad.copy()
        alphas = []
        for s, y, rho in reversed(self._pairs):
            alpha = rho * float(s @ q)
            q -= alpha * y
            alphas.append(alpha)
        s, y, _ = self._pairs[-1]
        q *= float(s @ y) / float(y @ y)
        for (s, y, rho), alpha in zip(self._pairs, reversed(alphas)):
            q += (alpha - rho * float(y @ q)) * s
        return -q

    def _iterate(self):
        grad = self._grad
        first = not self._pairs
        direction = -grad if first else self._direction(grad)
        if grad @ direction >= 0:
            self._pairs.clear()
            direction, first = -grad, True
        step = min(1.0, 1.0 / np.linalg.norm(grad)) if first else 1.0
        x_old, grad_old = self._x, grad
        _search(self, direction, step, self.c1, self.c2)
        s, y = self._x - x_old, self._grad - grad_old
        sy = float(s @ y)
        if sy > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):
            self._pairs.append((s, y, 1.0 / sy))


#: Conjugacy coefficients ``beta(g_new, g_old, d_old)``; Polak-Ribiere is clipped at 0 (PR+), which restarts
#: along the gradient instead of losing descent.
CG_BETAS = {
    "fletcher-reeves": lambda g, g_old, d: float(g @ g) / float(g_old @ g_old),
    "polak-ribiere": lambda g, g_old, d: max(0.0, float(g @ (g - g_old)) / float(g_old @ g_old)),
}


class NonlinearCG(ClosureOptimizer):
    """Nonlinear conjugate gradients with a strong Wolfe line search and restarts.

    Parameters
    ----------
    params : ParameterDict or list of Parameter
    method : {'polak-ribiere', 'fletcher-reeves'}
    restart : int, optional
        Restart along the gradient every ``restart`` iterations (default: the number of parameters).
    c1, c2 : float
        Wolfe constants; ``c2 < 1/2`` keeps Fletcher-Reeves directions descending.

    References
    ----------
    DL 8.6.2.
    """

    def __init__(self, params, method="polak-ribiere", restart=None, c1=1e-4, c2=0.1):
        if method not in CG_BETAS:
            raise ValueError("NonlinearCG: method must be one of {}, got {!r}".format(sorted(CG_BETAS), method))
        super().__init__(params)
        self.method, self.c1, self.c2 = method, c1, c2
        self.restart = int(restart) if restart else self.vector.size
        self._direction = None
        self._previous_slope = None
        self._previous_step = None
        self._since_restart = 0

    def _reset_memory(self):
        self._direction = None

    def _iterate(self):
        grad = self._grad
        direction = self._direction
        if direction is None or self._since_restart >= self.restart or grad @ direction >= 0:
            direction, self._since_restart = -grad, 0
            step = min(1.0, 1.0 / np.linalg.norm(grad)) if self._previous_step is None else self._previous_step
        else:
            # Nocedal & Wright (3.60): the first trial keeps the previous first-order change.
            step = self._previous_step * self._previous_slope / float(grad @ direction)
        slope = float(grad @ direction)
        grad_old = grad
        result = _search(self, direction, step, self.c1, self.c2)
        self._previous_step, self._previous_slope = result.step, slope
        beta = CG_BETAS[self.method](self._grad, grad_old, direction)
        self._direction = -self._grad + beta * direction
        self._since_restart += 1


class Newton(ClosureOptimizer):
    """Newton's method, ``x <- x - a H^-1 g``, with finite-difference Hessian-vector products.

    Parameters
    ----------
    params : ParameterDict or list of Parameter
    solver : {'cg', 'full'}
        ``'cg'`` solves ``H d = -g`` by conjugate gradients on Hessian-vector products (Newton-CG, no matrix);
        ``'full'`` builds ``H`` column by column (``n`` closure calls: small models only), symmetrizes it
        and replaces its eigenvalues by ``max(|lambda|, damping)`` so that saddle points repel.
    damping : float
        ``alpha`` of the regularized step ``(H + alpha I)^-1 g`` (DL 8.6.1) for ``'cg'``; the eigenvalue floor
        for ``'full'``.
    max_cg : int, optional
        Inner iterations of ``'cg'`` (default ``n``).
    epsilon : float, optional
        Relative step of the central differences of ``'cg'`` (default ``eps ** (1/3)`` of the parameters'
        dtype); ``'full'`` uses forward differences with ``sqrt(eps)``.

    References
    ----------
    DL 8.6.1, DL 4.3.1 (Jacobian and Hessian).
    """

    def __init__(self, params, solver="cg", damping=0.0, max_cg=None, epsilon=None, c1=1e-4):
        if solver not in ("cg", "full"):
            raise ValueError("Newton: solver must be 'cg' or 'full', got {!r}".format(solver))
        if damping < 0:
            raise ValueError("Newton: damping must be >= 0, got {!r}".format(damping))
        super().__init__(params)
        self.solver, self.damping, self.c1 = solver, float(damping), c1
        self.max_cg = int(max_cg) if max_cg else self.vector.size
        self.epsilon = self.vector.epsilon ** (1.0 / 3.0) if epsilon is None else float(epsilon)

    def _hvp(self, v):
        product = hessian_vector_product(self._objective, self._x, v, self.epsilon)
        return product + self.damping * v

    def _cg_direction(self, grad):
        # Nocedal & Wright, algorithm 7.1: stop at a residual of min(0.5, sqrt|g|) |g|, or at negative curvature.
        norm = np.linalg.norm(grad)
        tolerance = min(0.5, np.sqrt(norm)) * norm
        z = np.zeros_like(grad)
        r, p = grad.copy(), -grad
        for iteration in range(self.max_cg):
            hp = self._hvp(p)
            curvature = float(p @ hp)
            if curvature <= 0:
                return -grad if iteration == 0 else z
            alpha = float(r @ r) / curvature
            z = z + alpha * p
            r_new = r + alpha * hp
            if np.linalg.norm(r_new) < tolerance:
                break
            p = -r_new + (float(r_new @ r_new) / float(r @ r)) * p
            r = r_new
        return z

    def _full_direction(self, grad):
        # Forward differences against the known gradient: n closure calls instead of 2n, with a step of
        # sqrt(eps) for their O(h) truncation error.
        n = grad.size
        hessian = np.empty((n, n))
        relative = np.sqrt(self.vector.epsilon)
        for column in range(n):
            h = relative * max(1.0, abs(self._x[column]))
            shifted = self._x.copy()
            shifted[column] += h
            hessian[:, column] = (self._objective(shifted)[1] - grad) / h
        eigenvalues, vectors = np.linalg.eigh((hessian + hessian.T) / 2.0)
        floor = max(self.damping, 1e-8 * max(1.0, np.abs(eigenvalues).max()))
        return -vectors @ ((vectors.T @ grad) / np.maximum(np.abs(eigenvalues), floor))

    def _iterate(self):
        grad = self._grad
        direction = self._cg_direction(grad) if self.solver == "cg" else self._full_direction(grad)
        self.vector.set(self._x)
        if grad @ direction >= 0:
            direction = -grad
        _search(self, direction, 1.0, self.c1, None, wolfe=False)
