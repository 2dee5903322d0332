"""Every extension point of gluonx.

A plugin is a module (or object) with functions decorated by :data:`hookimpl` whose names match the
specifications below. Plugins are found through the ``gluonx`` entry-point group::

    # setup.cfg of a plugin distribution
    [options.entry_points]
    gluonx =
        myplugin = my_package.plugin

Registration hooks receive a *registry view* and add entries to it with ``registry.register(name, factory,
**metadata)``. The factory is a lazy ``"module:attr"`` string (preferred: nothing is imported until the
entry is built) or a callable. The view records the plugin as the owner of each entry; the same name from two
plugins is an error that names both.

Hooks only ever grow by new keyword arguments, and an implementation may accept a subset of the arguments
(pluggy passes only the ones it names), so plugins written against an older gluonx keep working.

Every registration hook is called once per plugin, when a registry is first used (lazy loading), in plugin
order: the core plugin first, then entry points sorted by name. :func:`register_onnx_converters` is the
exception: it runs once per process, right before the first ONNX conversion.
"""
import pluggy

PROJECT_NAME = "gluonx"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Decorator for hook implementations in plugins: ``@gluonx.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_models(registry):
    """Register models (complete networks) that users build with :func:`gluonx.get_model`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        Call ``registry.register(name, factory, task=..., inputs=[InputSpec(...)], book_section=...,
        description=..., extra=..., onnx=..., dynamic_batch=...)`` once per model. ``factory`` is a
        ``"module:attr"`` string naming a callable that returns an *uninitialized* HybridBlock; the keyword
        arguments of :func:`gluonx.get_model` are passed to it. The record type is
        :class:`gluonx.ModelInfo`.

    Returns
    -------
    None
        Results are ignored; entries are added through ``registry``.

    Notes
    -----
    Every model must satisfy the hybridization contract (imperative run, hybridize with
    ``static_alloc=True, static_shape=True``, export and reload without gluonx, ONNX where ``onnx=True``);
    ``tests/conformance`` checks each registered entry with :mod:`gluonx.testing`.
    """


@hookspec
def register_blocks(registry):
    """Register reusable layers (HybridBlocks smaller than a model), built with :func:`gluonx.get_block`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        Same call as :func:`register_models`; the record type is :class:`gluonx.BlockInfo`. Set
        ``gradient_check=True`` for custom numerical layers so the conformance kit compares autograd with
        finite differences.
    """


@hookspec
def register_optimizers(registry):
    """Register optimizers, built with :func:`gluonx.get_optimizer`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        ``registry.register(name, factory, ...)`` where ``factory`` returns an ``mx.optimizer.Optimizer``;
        the record type is :class:`gluonx.OptimizerInfo`.
    """


@hookspec
def register_lr_schedulers(registry):
    """Register learning-rate schedules, built with :func:`gluonx.get_lr_scheduler`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        ``factory`` returns an ``mx.lr_scheduler.LRScheduler`` (a callable from update count to learning
        rate); the record type is :class:`gluonx.LRSchedulerInfo`.
    """


@hookspec
def register_losses(registry):
    """Register loss functions, built with :func:`gluonx.get_loss`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        ``factory`` returns a ``gluon.loss.Loss`` (a HybridBlock taking prediction and label); give
        ``inputs`` for both so the conformance kit can check it. The record type is :class:`gluonx.LossInfo`.
    """


@hookspec
def register_metrics(registry):
    """Register evaluation metrics, built with :func:`gluonx.get_metric`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        ``factory`` returns an ``mx.metric.EvalMetric``-compatible object; the record type is
        :class:`gluonx.MetricInfo`.
    """


@hookspec
def register_datasets(registry):
    """Register datasets, built with :func:`gluonx.get_dataset`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        ``factory`` returns a ``gluon.data.Dataset`` (keyword arguments such as ``root`` and ``train`` are
        passed through). Datasets that need files on disk must raise a clear error naming the expected
        files when they are absent. The record type is :class:`gluonx.DatasetInfo`.
    """


@hookspec
def register_event_handlers(registry):
    """Register training event handlers, built with :func:`gluonx.get_event_handler`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        ``factory`` returns an event handler for the gluonx trainer; the record type is
        :class:`gluonx.EventHandlerInfo`.
    """


@hookspec
def register_tasks(registry):
    """Register tasks (what a model is trained for), built with :func:`gluonx.get_task`.

    Parameters
    ----------
    registry : gluonx._registry.RegistryView
        ``registry.register(name, factory, primary_metric=..., description=..., book_section=...)`` where
        ``factory`` names a :class:`gluonx.tasks.base.Task` subclass: it supplies the loss, the metrics,
        the training step, how a dataset becomes batches and what ``gluonx train`` prints. Models name
        their task in ``ModelInfo.task``. The record type is :class:`gluonx.TaskInfo`.
    """


@hookspec
def register_recipes(registry):
    """Register recipes: named hyper-parameters for a model trained on a dataset (:func:`gluonx.get_recipe`).

    Parameters
    ----------
    registry : gluonx._registry.RecipeView
        ``registry.register(name, model=..., dataset=..., optimizer=..., lr=..., epochs=..., batch_size=...,
        lr_schedule=..., model_args={...}, augmentation={...}, threads=..., book_section=...,
        description=...)``; no factory is needed. ``gluonx train MODEL --dataset D`` uses the recipe
        registered for that pair when no hyper-parameter flag is given, and any flag overrides it. Cite
        the book section the values come from; say in ``description`` what was adapted and what the
        recipe reaches. The record type is :class:`gluonx.RecipeInfo`.
    """


@hookspec
def register_commands(cli):
    """Add sub-commands to the ``gluonx`` command line.

    Parameters
    ----------
    cli : gluonx.cli.CommandRegistry
        Call ``cli.add_command(name, run, help=..., configure=...)``: ``configure(parser)`` adds arguments
        to the sub-command's ``argparse.ArgumentParser``; ``run(args)`` executes it and returns an exit code
        (``None`` means 0). Commands are owned by the plugin; two plugins adding the same command is an
        error that names both.
    """


@hookspec
def register_onnx_converters(opset):
    """Register converters from MXNet operators to ONNX in ``mx.onnx``'s translation registry.

    Called once per process for every loaded plugin, right before the first ONNX conversion
    (:func:`gluonx.deploy.onnx_convert.export_onnx`, which ``gluonx.export`` and the conformance kit use),
    so converter modules are imported only when something is converted. A plugin registered later (see
    :meth:`gluonx._plugins.PluginHost.register`) is called as soon as it is registered.

    Parameters
    ----------
    opset : int
        The ONNX opset the conversion targets (:data:`gluonx.deploy.onnx_convert.OPSET`). Register each
        converter for this opset, ``mxnet.onnx.mx2onnx._export_onnx.MXNetGraph.register(op_name, opset)``:
        ``mx.onnx`` looks a converter up from the target opset downwards, so one registered for ``opset``
        replaces MXNet's own converter of the same operator.

    Returns
    -------
    None
        Results are ignored. A converter must emit standard ONNX operators only, so the exported file loads
        in onnxruntime without gluonx or the plugin.

    Notes
    -----
    A hook that raises is reported like a failing plugin: :class:`gluonx.PluginError` under
    ``GLUONX_STRICT_PLUGINS=1``, otherwise a :class:`gluonx._plugins.PluginWarning` (the conversion then
    uses MXNet's own converters).
    """
