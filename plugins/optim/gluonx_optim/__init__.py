"""gluonx optimizers plugin: both books' optimization chapters (D2L 7, DL 8.3-8.7, DL 4.3-4.5).

Modules (importing this package imports none of them, nor MXNet):

- :mod:`~gluonx_optim.catalog` -- the tables (recipes, averaging methods, schedules) as plain data;
- :mod:`~gluonx_optim.plugin` -- the hook implementations registering them;
- :mod:`~gluonx_optim.transforms` -- composable ``(init, update)`` gradient transformations, ``chain``;
- :mod:`~gluonx_optim.recipes` -- SGD, momentum, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam, AdamW, proximal
  SGD as ``mx.optimizer.Optimizer`` classes, known to ``mx.optimizer`` as ``gluonx_<name>``;
- :mod:`~gluonx_optim.averaging` -- Polyak / EMA / SWA wrappers and the swap-in for evaluation and export;
- :mod:`~gluonx_optim.second_order`, :mod:`~gluonx_optim.line_search` -- Newton, nonlinear CG, BFGS, L-BFGS
  with a closure API;
- :mod:`~gluonx_optim.coordinate_descent` -- lasso / elastic net and quadratics;
- :mod:`~gluonx_optim.schedules` -- learning-rate schedules;
- :mod:`~gluonx_optim.lr_finder` -- the learning-rate range test;
- :mod:`~gluonx_optim.curriculum` -- a curriculum-learning sampler;
- :mod:`~gluonx_optim.state_io` -- optimizer state to and from files without pickle;
- :mod:`~gluonx_optim.viz` -- 2-D trajectories on the books' test functions.

Documentation: ``docs/optim/``.
"""
