"""Draw the figures of the optimizer docs (docs/optim/*.png) with the plugin's own code.

Run from the repository root: ``python docs/optim/make_figures.py [name ...]`` (default: all). Every figure
uses embedded data only (``sklearn.datasets``) and takes a few seconds on a laptop CPU.
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402
from mxnet import autograd, gluon  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def _save(figure, name):
    path = os.path.join(HERE, name + ".png")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    print("wrote {} ({:.0f} KB)".format(os.path.relpath(path), os.path.getsize(path) / 1024))


def recipes():
    from gluonx_optim import viz
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ill = {"sgd": dict(learning_rate=0.4), "momentum": dict(learning_rate=0.4, momentum=0.5),
           "adagrad": dict(learning_rate=0.4), "rmsprop": dict(learning_rate=0.4, gamma1=0.9),
           "adadelta": dict(rho=0.9, epsilon=1e-1, learning_rate=0.5), "adam": dict(learning_rate=0.2)}
    viz.plot_trajectories("ill_conditioned", {name: viz.trajectory("gluonx_" + name, "ill_conditioned", steps=25,
                                                                   **kw) for name, kw in ill.items()}, ax=axes[0])
    rosen = {"sgd": dict(learning_rate=2e-3), "momentum": dict(learning_rate=1e-3, momentum=0.95),
             "nesterov": dict(learning_rate=1e-3, momentum=0.95), "adam": dict(learning_rate=0.1)}
    viz.plot_trajectories("rosenbrock", {name: viz.trajectory("gluonx_" + name, "rosenbrock", steps=400, **kw)[::4]
                                         for name, kw in rosen.items()}, ax=axes[1])
    _save(figure, "recipes")


def averaging():
    rng = np.random.RandomState(0)
    opt = {m: mx.optimizer.create("gluonx_" + m, optimizer="gluonx_sgd", learning_rate=0.1, **kw)
           for m, kw in [("polyak", {"start": 50}), ("ema", {"decay": 0.95}), ("swa", {"start": 50, "every": 10})]}
    weight = mx.nd.array([-4.0, 3.0], dtype="float64")
    states = {m: o.create_state(0, weight) for m, o in opt.items()}
    iterates, averages = [], {m: [] for m in opt}
    curvature = np.array([1.0, 3.0])
    weights = {m: weight.copy() for m in opt}
    for _ in range(200):
        noise = rng.randn(2) * 2.0
        for m, o in opt.items():
            w = weights[m]
            grad = mx.nd.array(curvature * w.asnumpy() + noise, dtype="float64")
            o.update(0, w, grad, states[m])
            averages[m].append(states[m][1].asnumpy().copy())
        iterates.append(weights["ema"].asnumpy().copy())
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    iterates = np.array(iterates)
    axes[0].plot(iterates[:, 0], iterates[:, 1], ".", color="0.7", ms=3, label="SGD iterates (noisy gradients)")
    for m in opt:
        path = np.array(averages[m])
        axes[0].plot(path[:, 0], path[:, 1], lw=1.5, label=m)
    axes[0].plot(0, 0, "k*", ms=10)
    axes[0].legend(fontsize=8)
    axes[0].set_title("averages of the iterates, f = (x1^2 + 3 x2^2)/2", fontsize=10)
    for m in opt:
        axes[1].semilogy([np.linalg.norm(a) for a in averages[m]], label=m)
    axes[1].semilogy(np.linalg.norm(iterates, axis=1), color="0.7", label="iterate")
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("distance to the minimum")
    axes[1].legend(fontsize=8)
    _save(figure, "averaging")


def _digits_problem(binary=True):
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    classes = 1 if binary else 10
    net = gluon.nn.Dense(classes, in_units=64, dtype="float64")
    net.initialize(mx.init.Zero())
    data = mx.nd.array(X, dtype="float64")
    label = mx.nd.array((y >= 5) if binary else y, dtype="float64")
    loss_fn = gluon.loss.SigmoidBinaryCrossEntropyLoss() if binary else gluon.loss.SoftmaxCrossEntropyLoss()

    def closure():
        with autograd.record():
            out = net(data)
            loss = loss_fn(out.reshape((-1,)) if binary else out, label).mean() + 5e-4 * (net.weight.data() ** 2).sum()
        loss.backward()
        return loss
    return net, closure


def second_order():
    from gluonx_optim.second_order import BFGS, LBFGS, Newton, NonlinearCG
    from gluonx_optim import viz
    methods = [("L-BFGS", LBFGS, {}), ("BFGS", BFGS, {}), ("CG Polak-Ribiere", NonlinearCG, {}),
               ("CG Fletcher-Reeves", NonlinearCG, {"method": "fletcher-reeves"}), ("Newton-CG", Newton, {})]
    results = {}
    for label, cls, kw in methods:
        net, closure = _digits_problem()
        results[label] = cls(net.collect_params(), **kw).minimize(closure, max_iter=400, gtol=1e-8)
    best = min(r.fun for r in results.values())
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for label, result in results.items():
        axes[0].semilogy(np.maximum(np.array(result.history) - best, 1e-16), label="{} ({} it.)".format(
            label, result.nit))
    axes[0].set_xlabel("iteration")
    axes[0].set_ylabel("f - f*")
    axes[0].set_title("logistic regression on load_digits (0-4 vs 5-9)", fontsize=10)
    axes[0].legend(fontsize=8)
    paths = {label: viz.closure_trajectory(cls, "rosenbrock", steps=60, **kw) for label, cls, kw in methods}
    viz.plot_trajectories("rosenbrock", paths, ax=axes[1])
    _save(figure, "second_order")


def coordinate_descent():
    from sklearn.datasets import load_diabetes
    from gluonx_optim.coordinate_descent import lasso, minimize_quadratic
    X, y = load_diabetes(return_X_y=True)
    alphas = np.logspace(-3, 0.5, 40)
    path, coef = [], None
    for alpha in alphas[::-1]:
        coef = lasso(X, y, alpha, coef=coef).coef   # warm starts along the path
        path.append(coef)
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    axes[0].semilogx(alphas[::-1], np.array(path))
    axes[0].set_xlabel("alpha")
    axes[0].set_ylabel("coefficient")
    axes[0].set_title("lasso path on load_diabetes", fontsize=10)
    A, b = np.array([[1.0, 0.9], [0.9, 1.0]]), np.array([0.5, -0.3])
    points = [np.array([-1.5, 1.5])]
    for _ in range(12):   # record both coordinate moves of each sweep
        x = points[-1].copy()
        x[0] = (b[0] - A[0, 1] * x[1]) / A[0, 0]
        points.append(x.copy())
        x[1] = (b[1] - A[1, 0] * x[0]) / A[1, 1]
        points.append(x.copy())
    points = np.array(points)
    grid = np.linspace(-2, 2, 200)
    gx, gy = np.meshgrid(grid, grid)
    values = 0.5 * (A[0, 0] * gx ** 2 + 2 * A[0, 1] * gx * gy + A[1, 1] * gy ** 2) - b[0] * gx - b[1] * gy
    axes[1].contour(gx, gy, values, 25, colors="0.75", linewidths=0.6)
    axes[1].plot(points[:, 0], points[:, 1], "-o", ms=2.5, color="C3")
    solution = minimize_quadratic(A, b).coef
    axes[1].plot(*solution, "k*", ms=10)
    axes[1].set_title("coordinate descent on correlated coordinates", fontsize=10)
    _save(figure, "coordinate_descent")


def schedules():
    from gluonx_optim import schedules as s
    shown = {
        "step(25, 0.5)": s.StepSchedule(25, 0.5, base_lr=0.1),
        "multistep([40, 70], 0.3)": s.MultiStepSchedule([40, 70], 0.3, base_lr=0.1),
        "exponential(0.97)": s.ExponentialSchedule(0.97, base_lr=0.1),
        "polynomial(100, power 2)": s.PolynomialSchedule(100, 2.0, base_lr=0.1),
        "cosine(100) + warmup 10": s.CosineSchedule(100, base_lr=0.1, warmup_steps=10),
        "one_cycle(100)": s.OneCycleSchedule(100, base_lr=0.1),
    }
    figure, ax = plt.subplots(figsize=(7, 3.6))
    updates = np.arange(0, 121)
    for label, schedule in shown.items():
        ax.plot(updates, [schedule(n) for n in updates], label=label)
    ax.set_xlabel("update")
    ax.set_ylabel("learning rate")
    ax.legend(fontsize=8)
    _save(figure, "schedules")


def lr_finder():
    from sklearn.datasets import load_digits
    from gluonx_optim.lr_finder import find_learning_rate
    X, y = load_digits(return_X_y=True)
    dataset = gluon.data.ArrayDataset(mx.nd.array(X / 16.0), mx.nd.array(y))
    loader = gluon.data.DataLoader(dataset, batch_size=64, shuffle=True)
    mx.random.seed(0)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(64, activation="relu"), gluon.nn.Dense(10))
    net.initialize(mx.init.Xavier())
    result = find_learning_rate(net, gluon.loss.SoftmaxCrossEntropyLoss(), loader, "gluonx_momentum",
                                {"momentum": 0.9}, start_lr=1e-4, end_lr=10, num_steps=150)
    figure, ax = plt.subplots(figsize=(6, 3.6))
    result.plot(ax=ax)
    ax.set_title("LR range test: MLP on load_digits, SGD + momentum 0.9", fontsize=10)
    _save(figure, "lr_finder")


def curriculum():
    from gluonx_optim.curriculum import PACING, CurriculumSampler
    figure, ax = plt.subplots(figsize=(6, 3.4))
    epochs = np.arange(0, 13)
    for pacing in PACING:
        sampler = CurriculumSampler(np.arange(1000), pacing=pacing, start_fraction=0.1, full_epoch=10)
        ax.step(epochs, [len(sampler.admitted(e)) / 1000 for e in epochs], where="post", label=pacing)
    ax.set_xlabel("epoch")
    ax.set_ylabel("share of the data admitted")
    ax.set_title("pacing functions (start_fraction 0.1, full_epoch 10)", fontsize=10)
    ax.legend(fontsize=8)
    _save(figure, "curriculum")


def state_io():
    import tempfile
    from gluonx_optim import state_io as sio
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    data, label = mx.nd.array(X[:512] / 16.0), mx.nd.array(y[:512])

    def build():
        mx.random.seed(0)
        net = gluon.nn.Dense(10, in_units=64)
        net.initialize(mx.init.Xavier())
        return net, gluon.Trainer(net.collect_params(), "gluonx_adam", {"learning_rate": 0.01})

    def train(net, trainer, first, count):
        losses = []
        for step in range(first, first + count):
            batch = slice((step * 64) % 512, (step * 64) % 512 + 64)
            with autograd.record():
                loss = gluon.loss.SoftmaxCrossEntropyLoss()(net(data[batch]), label[batch])
            loss.backward()
            trainer.step(64)
            losses.append(float(loss.mean().asscalar()))
        return losses

    net, trainer = build()
    uninterrupted = train(net, trainer, 0, 80)
    net, trainer = build()
    first = train(net, trainer, 0, 40)
    with tempfile.TemporaryDirectory() as tmp:
        net.save_parameters(os.path.join(tmp, "net.params"))
        sio.save_states(trainer, os.path.join(tmp, "adam.states"))
        net, trainer = build()
        net.load_parameters(os.path.join(tmp, "net.params"))
        sio.load_states(trainer, os.path.join(tmp, "adam.states"))
    resumed = train(net, trainer, 40, 40)
    # Parameters without the optimizer state: Adam restarts its moments and bias correction.
    net, trainer = build()
    train(net, trainer, 0, 40)
    restarted_net, fresh = build()
    for target, source in zip(restarted_net.collect_params().values(), net.collect_params().values()):
        target.set_data(source.data())
    restarted = train(restarted_net, fresh, 40, 40)
    figure, ax = plt.subplots(figsize=(6, 3.4))
    ax.plot(range(80), uninterrupted, color="0.6", lw=4, label="uninterrupted")
    ax.plot(range(40, 80), resumed, color="C0", label="resumed from parameters + saved states")
    ax.plot(range(40, 80), restarted, color="C3", ls="--", label="resumed from parameters only")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title("Adam on load_digits: resuming at step 40", fontsize=10)
    ax.legend(fontsize=8)
    _save(figure, "state_io")


FIGURES = [recipes, averaging, second_order, coordinate_descent, schedules, lr_finder, curriculum, state_io]

if __name__ == "__main__":
    wanted = set(sys.argv[1:])
    for figure_function in FIGURES:
        if not wanted or figure_function.__name__ in wanted:
            figure_function()
