"""Recurrent layers the books teach beyond ``gluon.rnn``: leaky-integrator units, echo-state reservoirs and
skip connections through time (DL 10.8, 10.9.1, 10.9.2).

Each layer is unrolled over a sequence length fixed at construction, so that the whole recurrence is one
static graph that hybridizes (``static_alloc``, ``static_shape``), exports, and converts to ONNX. Every layer
takes its recurrent state as an input and returns the new state, so an exported symbol can be run chunk by
chunk: ``outputs, state = layer(x, state)``. The state may be omitted to start from zeros.

Two choices keep the graphs convertible by ``mx.onnx.export_model``: time steps are cut with
``slice_axis`` (its converter for ``split`` emits a ``Split`` node without sizes, which the opset it targets
rejects), and each step's arithmetic is written so that the input sequence is reached before the state and
the outputs are produced in their declared order (the converter numbers graph inputs and outputs in node
order, not in call order).
"""
import numpy as np
import mxnet as mx
from mxnet.gluon import nn

__all__ = ["LeakyIntegratorRNN", "EchoStateReservoir", "EchoStateNetwork", "SkipConnectionRNN",
           "echo_state_weights"]

_ACTIVATIONS = ("tanh", "relu", "sigmoid", "softrelu")
_LAYOUTS = ("TNC", "NTC")


def _positive_int(block, name, value, minimum=1):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError("{}: {} must be an integer >= {}, got {!r}".format(block, name, minimum, value))
    return int(value)


def _choice(block, name, value, choices):
    if value not in choices:
        raise ValueError("{}: {} must be one of {}, got {!r}".format(block, name, choices, value))
    return value


class _FixedArray(mx.init.Initializer):
    """Sets a parameter to an array computed at construction.

    Unlike ``mx.init.Constant(array)``, the array is not serialized into the symbol's attributes (it is in
    the saved parameters already), and two instances compare equal, so ``params=`` sharing works.
    """

    def __init__(self, value):
        super().__init__()
        self._value = np.array(value)

    def _init_weight(self, _, arr):
        arr[:] = self._value


class _UnrolledRNN(nn.HybridBlock):
    """Shared plumbing: argument checks, the time loop's slicing and stacking, zero start state, and the
    shape check of NDArray inputs (made in :meth:`forward`, outside the graph, so it costs the graph nothing).

    Subclasses implement ``_state_shape(batch_size)`` and ``hybrid_forward``.
    """

    def __init__(self, hidden_size, seq_len, layout="TNC", input_size=0, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self._hidden_size = _positive_int(name, "hidden_size", hidden_size)
        self._seq_len = _positive_int(name, "seq_len", seq_len)
        self._layout = _choice(name, "layout", layout, _LAYOUTS)
        self._input_size = _positive_int(name, "input_size", input_size, minimum=0)
        self._time_axis = layout.find("T")

    @property
    def seq_len(self):
        """The number of time steps the layer is unrolled over."""
        return self._seq_len

    def _state_shape(self, batch_size):
        return (batch_size, self._hidden_size)

    def begin_state(self, batch_size, ctx=None, dtype="float32"):
        """Zeros of the recurrent state's shape for a batch of ``batch_size`` sequences."""
        return mx.nd.zeros(self._state_shape(batch_size), ctx=ctx, dtype=dtype)

    def forward(self, x, *args):
        if isinstance(x, mx.nd.NDArray):
            self._check_inputs(x, args[0] if args else None)
        return super().forward(x, *args)

    def _check_inputs(self, x, state):
        name = type(self).__name__
        want = ["N", "N", "C"]
        want[self._time_axis] = "seq_len={}".format(self._seq_len)
        want[2] = "C" if not self._input_size else "input_size={}".format(self._input_size)
        expected = "({}) in layout {}".format(", ".join(want), self._layout)
        if x.ndim != 3 or x.shape[self._time_axis] != self._seq_len or (
                self._input_size and x.shape[2] != self._input_size):
            raise ValueError("{}: expected input of shape {}, got {}".format(name, expected, x.shape))
        if state is not None:
            batch_size = x.shape[self._layout.find("N")]
            if not isinstance(state, mx.nd.NDArray) or state.shape != self._state_shape(batch_size):
                got = state.shape if isinstance(state, mx.nd.NDArray) else type(state).__name__
                raise ValueError("{}: expected a state of shape {}, got {}".format(
                    name, self._state_shape(batch_size), got))

    def _steps(self, F, sequence):
        """The ``seq_len`` time slices of ``sequence`` as (N, C) arrays."""
        return [F.squeeze(F.slice_axis(sequence, axis=self._time_axis, begin=t, end=t + 1),
                          axis=self._time_axis) for t in range(self._seq_len)]

    def _stack(self, F, steps):
        return F.stack(*steps, axis=self._time_axis)

    def _last_step(self, F, sequence):
        # Read back from the stacked outputs so that the state node follows the outputs in the graph.
        return F.squeeze(F.slice_axis(sequence, axis=self._time_axis, begin=self._seq_len - 1,
                                      end=self._seq_len), axis=self._time_axis)

    def _project_inputs(self, F, x, weight, bias=None):
        """All time steps' input projections ``W x_t + b`` in one matrix product, then sliced by step."""
        if bias is None:
            projected = F.FullyConnected(x, weight, no_bias=True, num_hidden=self._hidden_size, flatten=False)
        else:
            projected = F.FullyConnected(x, weight, bias, num_hidden=self._hidden_size, flatten=False)
        return self._steps(F, projected)

    def _hidden_params(self, input_size):
        self.i2h_weight = self.params.get("i2h_weight", shape=(self._hidden_size, input_size),
                                          allow_deferred_init=True)
        self.i2h_bias = self.params.get("i2h_bias", shape=(self._hidden_size,), init="zeros")
        self.h2h_weight = self.params.get("h2h_weight", shape=(self._hidden_size, self._hidden_size))

    def __repr__(self):
        return "{}(hidden_size={}, seq_len={}, layout={})".format(
            type(self).__name__, self._hidden_size, self._seq_len, self._layout)


class LeakyIntegratorRNN(_UnrolledRNN):
    r"""Recurrent layer of leaky-integrator units, each with its own time constant.

    .. math:: h_t = \left(1 - \tfrac{1}{\tau}\right) \odot h_{t-1}
              + \tfrac{1}{\tau} \odot f(W x_t + U h_{t-1} + b)

    A unit with ``tau = 1`` is an ordinary recurrent unit; a unit with a large ``tau`` changes slowly and
    remembers far into the past, so a spread of time constants gives the layer several time scales.
    Fixed time constants are stored as a non-trainable parameter; learned ones are parametrized as
    ``tau = 1 + softplus(rho)`` so that they stay above 1 whatever the optimizer does.

    Parameters
    ----------
    hidden_size : int
        Number of units.
    seq_len : int
        Number of time steps the layer is unrolled over (inputs must have exactly this length).
    time_constant : float or sequence of float
        ``tau`` of every unit (one value) or of each unit (``hidden_size`` values); ``>= 1``, and ``> 1``
        when learned.
    learn_time_constant : bool
        Train the time constants with the weights.
    activation : str
        ``f``: one of ``'tanh'``, ``'relu'``, ``'sigmoid'``, ``'softrelu'``.
    layout : str
        ``'TNC'`` (time major, as ``gluon.rnn``) or ``'NTC'``.
    input_size : int
        Input features ``C``; 0 infers it at the first call.

    Inputs: ``x`` of shape (seq_len, N, C) for TNC, and optionally ``state`` (N, hidden_size).
    Outputs: ``outputs`` (seq_len, N, hidden_size) for TNC, and the last state (N, hidden_size).

    Examples
    --------
    >>> layer = LeakyIntegratorRNN(4, seq_len=6, time_constant=np.geomspace(1, 20, 4))
    >>> layer.initialize()
    >>> outputs, state = layer(mx.nd.ones((6, 2, 3)), layer.begin_state(2))
    >>> outputs.shape, state.shape
    ((6, 2, 4), (2, 4))

    References
    ----------
    DL 10.9.2 (leaky units and a spectrum of time scales).
    """

    def __init__(self, hidden_size, seq_len, time_constant=2.0, learn_time_constant=False,
                 activation="tanh", layout="TNC", input_size=0, **kwargs):
        super().__init__(hidden_size, seq_len, layout=layout, input_size=input_size, **kwargs)
        name = type(self).__name__
        self._activation = _choice(name, "activation", activation, _ACTIVATIONS)
        self._learn_time_constant = bool(learn_time_constant)
        if np.ndim(time_constant) != 0 and np.size(time_constant) != self._hidden_size:
            raise ValueError("{}: time_constant must be one value or {} values (one per unit), got shape {}"
                             .format(name, self._hidden_size, np.shape(time_constant)))
        tau = np.broadcast_to(np.asarray(time_constant, dtype="float64").ravel(), (self._hidden_size,))
        # A unit with tau < 1 would leak more than its whole state per step; learned constants need tau > 1
        # because the softplus parametrization only reaches 1 in the limit.
        too_small = np.any(tau <= 1.0) if self._learn_time_constant else np.any(tau < 1.0)
        if not np.all(np.isfinite(tau)) or too_small:
            raise ValueError("{}: time_constant must be finite and {}, got {}".format(
                name, "> 1 when learned" if self._learn_time_constant else ">= 1", tau.min()))
        with self.name_scope():
            self._hidden_params(self._input_size)
            if self._learn_time_constant:
                # softplus^-1(tau - 1): the learned parametrization starts at the requested constants.
                rho = np.log(np.expm1(tau - 1.0))
                self.time_constant_offset = self.params.get(
                    "time_constant_offset", shape=(self._hidden_size,), init=_FixedArray(rho))
            else:
                self.time_constant = self.params.get(
                    "time_constant", shape=(self._hidden_size,), init=_FixedArray(tau),
                    grad_req="null", differentiable=False)

    def _tau(self, F, time_constant=None, time_constant_offset=None):
        if self._learn_time_constant:
            return F.Activation(time_constant_offset, act_type="softrelu") + 1.0
        return time_constant

    def time_constants(self):
        """The current time constants ``tau`` (NDArray of shape (hidden_size,))."""
        if self._learn_time_constant:
            return self._tau(mx.nd, time_constant_offset=self.time_constant_offset.data())
        return self.time_constant.data().copy()

    def hybrid_forward(self, F, x, state=None, i2h_weight=None, i2h_bias=None, h2h_weight=None,
                       time_constant=None, time_constant_offset=None):
        rate = F.reciprocal(self._tau(F, time_constant, time_constant_offset)).reshape((1, -1))
        projected = self._project_inputs(F, x, i2h_weight, i2h_bias)
        h = F.zeros_like(projected[0]) if state is None else state
        outputs = []
        for x_t in projected:
            target = F.Activation(x_t + F.FullyConnected(h, h2h_weight, no_bias=True,
                                                        num_hidden=self._hidden_size),
                                  act_type=self._activation)
            # (1/tau)(target - h) + h is the book's convex combination with one multiply less.
            h = F.broadcast_mul(rate, target - h) + h
            outputs.append(h)
        outputs = self._stack(F, outputs)
        return outputs, self._last_step(F, outputs)


def echo_state_weights(hidden_size, input_size, spectral_radius=0.9, input_scale=1.0, connectivity=1.0,
                       seed=None):
    """Draw the fixed weights of an echo-state reservoir with NumPy.

    The recurrent matrix is uniform in [-1, 1], keeps a fraction ``connectivity`` of its entries, and is
    rescaled so that its largest absolute eigenvalue is ``spectral_radius``; the input matrix is uniform
    in [-input_scale, input_scale].

    Returns
    -------
    reservoir : numpy.ndarray
        (hidden_size, hidden_size) recurrent weights.
    inputs : numpy.ndarray
        (hidden_size, input_size) input weights.

    Raises
    ------
    ValueError
        If the drawn recurrent matrix is nilpotent (all eigenvalues zero, e.g. too sparse to rescale).
    """
    rng = np.random.RandomState(seed) if not isinstance(seed, np.random.RandomState) else seed
    reservoir = rng.uniform(-1.0, 1.0, size=(hidden_size, hidden_size))
    reservoir *= rng.uniform(size=reservoir.shape) < connectivity
    radius = np.abs(np.linalg.eigvals(reservoir)).max()
    if not radius > 1e-12:
        raise ValueError("echo_state_weights: the drawn reservoir of {} units with connectivity {} has "
                         "spectral radius 0 and cannot be rescaled; raise connectivity or hidden_size"
                         .format(hidden_size, connectivity))
    reservoir *= spectral_radius / radius
    inputs = rng.uniform(-input_scale, input_scale, size=(hidden_size, input_size))
    return reservoir, inputs


class EchoStateReservoir(_UnrolledRNN):
    r"""The fixed random reservoir of an echo-state network: ``h_t = tanh(W_in x_t + W h_{t-1})``.

    ``W`` is drawn once, at construction, and scaled with NumPy's eigenvalues to the chosen spectral
    radius (below 1 the state forgets its start: the echo-state property). Both matrices are stored as
    parameters with ``grad_req='null'``, so they are saved and exported but never trained.

    Parameters
    ----------
    hidden_size : int
        Reservoir units.
    seq_len : int
        Number of time steps the layer is unrolled over.
    input_size : int
        Input features (needed at construction: the input weights are drawn then).
    spectral_radius : float
        Largest absolute eigenvalue of ``W`` (> 0).
    input_scale : float
        Half-width of the uniform input weights (> 0).
    connectivity : float
        Fraction of non-zero recurrent weights, in (0, 1].
    seed : int, optional
        Seed of the NumPy generator (default: NumPy's global generator).
    layout : str
        ``'TNC'`` or ``'NTC'``.

    Inputs: ``x`` (seq_len, N, input_size) for TNC and optionally ``state`` (N, hidden_size).
    Outputs: the reservoir states (seq_len, N, hidden_size) and the last state.

    Examples
    --------
    >>> reservoir = EchoStateReservoir(50, seq_len=10, input_size=1, spectral_radius=0.9, seed=0)
    >>> reservoir.initialize()
    >>> states, last = reservoir(mx.nd.ones((10, 2, 1)))
    >>> round(reservoir.spectral_radius, 6)
    0.9

    References
    ----------
    DL 10.8 (echo state networks).
    """

    def __init__(self, hidden_size, seq_len, input_size, spectral_radius=0.9, input_scale=1.0,
                 connectivity=1.0, seed=None, layout="TNC", **kwargs):
        super().__init__(hidden_size, seq_len, layout=layout, input_size=input_size, **kwargs)
        name = type(self).__name__
        if not self._input_size:
            raise ValueError("{}: input_size must be given (the input weights are drawn at construction), "
                             "got 0".format(name))
        for arg, value, upper in (("spectral_radius", spectral_radius, np.inf),
                                  ("input_scale", input_scale, np.inf), ("connectivity", connectivity, 1.0)):
            if not (np.isscalar(value) and 0 < value <= upper):
                raise ValueError("{}: {} must be a number in (0, {}], got {!r}".format(name, arg, upper, value))
        reservoir, inputs = echo_state_weights(self._hidden_size, self._input_size, spectral_radius,
                                               input_scale, connectivity, seed)
        #: Spectral radius of the stored recurrent matrix, measured with NumPy after rescaling.
        self.spectral_radius = float(np.abs(np.linalg.eigvals(reservoir)).max())
        with self.name_scope():
            self.input_weight = self.params.get("input_weight", shape=inputs.shape, grad_req="null",
                                                init=_FixedArray(inputs), differentiable=False)
            self.reservoir_weight = self.params.get("reservoir_weight", shape=reservoir.shape,
                                                    grad_req="null", init=_FixedArray(reservoir),
                                                    differentiable=False)

    def hybrid_forward(self, F, x, state=None, input_weight=None, reservoir_weight=None):
        projected = self._project_inputs(F, x, input_weight)
        h = F.zeros_like(projected[0]) if state is None else state
        states = []
        for x_t in projected:
            h = F.tanh(x_t + F.FullyConnected(h, reservoir_weight, no_bias=True, num_hidden=self._hidden_size))
            states.append(h)
        states = self._stack(F, states)
        return states, self._last_step(F, states)


class EchoStateNetwork(nn.HybridBlock):
    """Echo-state network: a fixed :class:`EchoStateReservoir` and a trained linear readout.

    Only the readout (a ``Dense`` layer applied at every step) has trainable parameters, so training with
    any gluon ``Trainer`` leaves the reservoir untouched; the readout can also be fitted in closed form on
    the reservoir's states (``net.reservoir(x)``).

    Parameters
    ----------
    hidden_size, seq_len, input_size, spectral_radius, input_scale, connectivity, seed, layout
        As in :class:`EchoStateReservoir`.
    output_size : int
        Readout outputs per step.

    Inputs: ``x`` (seq_len, N, input_size) for TNC and optionally ``state`` (N, hidden_size).
    Outputs: readout (seq_len, N, output_size) and the reservoir's last state (N, hidden_size).

    Examples
    --------
    >>> net = EchoStateNetwork(50, seq_len=10, input_size=1, output_size=1, seed=0)
    >>> net.initialize()
    >>> [p.name.split('_', 1)[1] for p in net.collect_params().values() if p.grad_req != 'null']
    ['dense0_weight', 'dense0_bias']

    References
    ----------
    DL 10.8 (echo state networks).
    """

    def __init__(self, hidden_size, seq_len, input_size, output_size, spectral_radius=0.9, input_scale=1.0,
                 connectivity=1.0, seed=None, layout="TNC", **kwargs):
        super().__init__(**kwargs)
        output_size = _positive_int(type(self).__name__, "output_size", output_size)
        with self.name_scope():
            self.reservoir = EchoStateReservoir(hidden_size, seq_len, input_size, spectral_radius, input_scale,
                                                connectivity, seed, layout)
            self.readout = nn.Dense(output_size, flatten=False, in_units=hidden_size)

    def begin_state(self, batch_size, ctx=None, dtype="float32"):
        """Zeros of the reservoir state's shape (N, hidden_size)."""
        return self.reservoir.begin_state(batch_size, ctx=ctx, dtype=dtype)

    def forward(self, x, *args):
        if isinstance(x, mx.nd.NDArray):
            self.reservoir._check_inputs(x, args[0] if args else None)
        return super().forward(x, *args)

    def hybrid_forward(self, F, x, state=None):
        states, last = self.reservoir(x, state)
        return self.readout(states), last


class SkipConnectionRNN(_UnrolledRNN):
    r"""Recurrent layer with a skip connection through time of delay ``d``.

    .. math:: h_t = f(W x_t + U h_{t-1} + V h_{t-d} + b)

    The delayed connection lets gradients cross ``d`` steps in one hop, so they shrink or explode over
    ``tau / d`` steps instead of ``tau``. Since ``h_t`` needs the last ``d`` states, the recurrent state is
    that window, oldest first: shape (d, N, hidden_size), ``state[-1]`` being the latest ``h``.

    Parameters
    ----------
    hidden_size : int
        Number of units.
    seq_len : int
        Number of time steps the layer is unrolled over.
    delay : int
        ``d >= 2`` (``d = 1`` is the ordinary recurrence).
    activation : str
        ``f``: one of ``'tanh'``, ``'relu'``, ``'sigmoid'``, ``'softrelu'``.
    layout : str
        ``'TNC'`` or ``'NTC'``.
    input_size : int
        Input features; 0 infers it at the first call.

    Inputs: ``x`` (seq_len, N, C) for TNC and optionally ``state`` (delay, N, hidden_size).
    Outputs: ``outputs`` (seq_len, N, hidden_size) and the new state window (delay, N, hidden_size).

    Examples
    --------
    >>> layer = SkipConnectionRNN(4, seq_len=6, delay=3)
    >>> layer.initialize()
    >>> outputs, window = layer(mx.nd.ones((6, 2, 3)), layer.begin_state(2))
    >>> outputs.shape, window.shape
    ((6, 2, 4), (3, 2, 4))

    References
    ----------
    DL 10.9.1 (adding skip connections through time).
    """

    def __init__(self, hidden_size, seq_len, delay=2, activation="tanh", layout="TNC", input_size=0, **kwargs):
        super().__init__(hidden_size, seq_len, layout=layout, input_size=input_size, **kwargs)
        name = type(self).__name__
        self._delay = _positive_int(name, "delay", delay, minimum=2)
        self._activation = _choice(name, "activation", activation, _ACTIVATIONS)
        with self.name_scope():
            self._hidden_params(self._input_size)
            self.skip_weight = self.params.get("skip_weight", shape=(self._hidden_size, self._hidden_size))

    @property
    def delay(self):
        """The delay ``d`` of the skip connection."""
        return self._delay

    def _state_shape(self, batch_size):
        return (self._delay, batch_size, self._hidden_size)

    def hybrid_forward(self, F, x, state=None, i2h_weight=None, i2h_bias=None, h2h_weight=None,
                       skip_weight=None):
        projected = self._project_inputs(F, x, i2h_weight, i2h_bias)
        if state is None:
            zeros = F.zeros_like(projected[0])
            history = [zeros] * self._delay
        else:
            history = [F.squeeze(F.slice_axis(state, axis=0, begin=k, end=k + 1), axis=0)
                       for k in range(self._delay)]
        outputs = []
        for x_t in projected:
            recurrent = F.FullyConnected(history[-1], h2h_weight, no_bias=True, num_hidden=self._hidden_size)
            skipped = F.FullyConnected(history[-self._delay], skip_weight, no_bias=True,
                                       num_hidden=self._hidden_size)
            h = F.Activation(x_t + recurrent + skipped, act_type=self._activation)
            history.append(h)
            outputs.append(h)
        return self._stack(F, outputs), F.stack(*history[-self._delay:], axis=0)

    def __repr__(self):
        return "{}(hidden_size={}, seq_len={}, delay={}, layout={})".format(
            type(self).__name__, self._hidden_size, self._seq_len, self._delay, self._layout)
