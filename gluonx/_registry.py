"""Registries of named entries (models, blocks, optimizers, ...) with typed, lazy info records.

An entry is a record (:class:`EntryInfo` or one of its subclasses) holding a *lazy factory*: a
``"module:attr"`` string that is imported only when the entry is built, so listing never imports heavy
dependencies. Records know which plugin owns them and which extra they need, so a missing dependency is
reported as the ``pip install`` command that fixes it.
"""
import dataclasses
import difflib
import fnmatch
import importlib
import importlib.util
import re
from typing import Any, Callable, ClassVar, Dict, Optional, Tuple, Union

#: Modules that must be importable for each extra of the gluonx distribution.
EXTRA_MODULES = {
    "cpu": ("mxnet",),
    "detection": ("gluoncv",),
    "segmentation": ("gluoncv",),
    "nlp": ("gluonnlp",),
    "onnx": ("onnx", "onnxruntime"),
    "viz": ("matplotlib",),
    "tensorboard": ("tensorboardX",),
    "data": ("sklearn",),
    "optim": ("scipy",),
}


class UnknownEntryError(KeyError):
    """Raised for a name that no plugin registered; the message lists the closest names."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class DuplicateEntryError(ValueError):
    """Raised when two plugins (or one plugin twice) register the same name."""


class MissingExtraError(ImportError):
    """Raised when building an entry whose optional dependencies (its extra) are not installed."""


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """Describes one example input of a block, for the conformance kit and for export.

    Parameters
    ----------
    shape : tuple of int
        Full example shape, batch axis included.
    dtype : str
        NumPy dtype name.
    low, high : float
        Range of generated values: uniform in ``[low, high)`` for floats, integers in ``[low, high)`` for
        integer dtypes (token ids, labels).
    batch_axis : int or None
        Axis that holds the batch (``None``: no batch axis, e.g. a recurrent state of fixed size).
    name : str, optional
        Human-readable name, shown by ``gluonx info`` and written in export manifests; a
        :class:`gluonx.Predictor` also accepts inputs keyed by it.
    dynamic_axes : dict of int to str, optional
        Axes besides the batch whose size may change, each with a name shared by the inputs that must
        agree on it: ``{0: "time"}`` for (T, N) token ids, ``{2: "height", 3: "width"}`` for images. The
        conformance kit checks the entry at other sizes of these axes and ``gluonx.export`` probes them
        and keeps them dynamic in the symbol and (where onnxruntime accepts it) in ONNX.
    vocab_size : int, optional
        For integer token ids: the vocabulary size; sets ``low=0, high=vocab_size`` (ids are in
        ``[0, vocab_size)``, and a Predictor refuses ids outside it).
    length_of : (int, int), optional
        For valid lengths: ``(input index, axis)`` of the sequence they measure; generated values are in
        ``[max(low, 1), size of that axis]`` at every sequence length.

    Examples
    --------
    Token ids and their valid lengths, with a dynamic batch and sequence length::

        tokens = InputSpec((2, 5), dtype="int32", vocab_size=100, dynamic_axes={1: "time"}, name="tokens")
        lengths = InputSpec((2,), dtype="int32", low=1, length_of=(0, 1), name="valid_length")
    """

    shape: Tuple[int, ...]
    dtype: str = "float32"
    low: float = 0.0
    high: float = 1.0
    batch_axis: Optional[int] = 0
    name: Optional[str] = None
    dynamic_axes: Any = ()
    vocab_size: Optional[int] = None
    length_of: Optional[Tuple[int, int]] = None

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        if any(s <= 0 for s in self.shape):
            raise ValueError("InputSpec shape must be positive, got {}".format(self.shape))
        rank = len(self.shape)
        if self.batch_axis is not None and not -rank <= self.batch_axis < rank:
            raise ValueError("InputSpec batch_axis {} is out of range for shape {}".format(
                self.batch_axis, self.shape))
        if self.batch_axis is not None and self.batch_axis < 0:
            object.__setattr__(self, "batch_axis", self.batch_axis % rank)
        pairs = self.dynamic_axes.items() if isinstance(self.dynamic_axes, dict) else (self.dynamic_axes or ())
        axes = []
        for axis, axis_name in pairs:
            if isinstance(axis, str) and axis.lstrip("-").isdigit():
                axis = int(axis)  # the JSON form (to_dict) keys axes by strings
            if isinstance(axis, bool) or not isinstance(axis, int) or not -rank <= axis < rank:
                raise ValueError("InputSpec dynamic axis {!r} is out of range for shape {}".format(axis, self.shape))
            if not isinstance(axis_name, str) or not axis_name or axis_name == "batch":
                raise ValueError("InputSpec dynamic axis {} needs a name other than 'batch' (e.g. 'time', "
                                 "'height'), got {!r}".format(axis, axis_name))
            if axis % rank == self.batch_axis:
                raise ValueError("InputSpec dynamic axis {} is the batch axis, which is dynamic already".format(axis))
            axes.append((axis % rank, axis_name))
        if len({a for a, _ in axes}) != len(axes):
            raise ValueError("InputSpec dynamic_axes names axis twice: {}".format(self.dynamic_axes))
        object.__setattr__(self, "dynamic_axes", tuple(sorted(axes)))
        if self.vocab_size is not None:
            if not self.is_integer:
                raise ValueError("InputSpec vocab_size needs an integer dtype, got {}".format(self.dtype))
            if isinstance(self.vocab_size, bool) or not isinstance(self.vocab_size, int) or self.vocab_size < 1:
                raise ValueError("InputSpec vocab_size must be a positive integer, got {!r}".format(self.vocab_size))
            object.__setattr__(self, "low", 0)
            object.__setattr__(self, "high", self.vocab_size)
        if self.length_of is not None:
            if not self.is_integer or len(tuple(self.length_of)) != 2:
                raise ValueError("InputSpec length_of must be (input index, axis) on an integer input, got {!r} "
                                 "with dtype {}".format(self.length_of, self.dtype))
            object.__setattr__(self, "length_of", tuple(int(v) for v in self.length_of))
        if self.is_integer and self.length_of is None and int(self.high) <= int(self.low):
            raise ValueError("InputSpec integer range [{}, {}) is empty".format(self.low, self.high))

    @property
    def axis_names(self):
        """Axis → name for the batch axis (``"batch"``) and every dynamic axis."""
        names = dict(self.dynamic_axes)
        if self.batch_axis is not None:
            names[self.batch_axis] = "batch"
        return dict(sorted(names.items()))

    @property
    def is_integer(self):
        """True for integer dtypes (generated with ``randint``)."""
        return self.dtype.startswith(("int", "uint"))

    def with_batch(self, batch_size):
        """Return the shape with the batch axis set to ``batch_size`` (unchanged if there is none)."""
        if self.batch_axis is None:
            return self.shape
        shape = list(self.shape)
        shape[self.batch_axis] = int(batch_size)
        return tuple(shape)

    @property
    def batch_size(self):
        """The batch size of the example shape, or None."""
        return None if self.batch_axis is None else self.shape[self.batch_axis]

    def to_dict(self):
        """Plain-JSON form (for manifests and ``gluonx info``)."""
        out = dataclasses.asdict(self)
        out["dynamic_axes"] = {str(axis): name for axis, name in self.dynamic_axes}
        return out


def _split_factory(factory):
    if not isinstance(factory, str) or not re.fullmatch(r"[\w.]+:[\w.]+", factory):
        raise ValueError("factory must be a 'module:attr' string or a callable, got {!r}".format(factory))
    return factory.split(":", 1)


def import_object(spec):
    """Import ``"module:attr"`` (``attr`` may be dotted) and return the object; callables pass through."""
    if callable(spec):
        return spec
    module_name, attr = _split_factory(spec)
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AttributeError("{!r} names no attribute '{}' in module {}".format(spec, part, module_name)) from None
    return obj


@dataclasses.dataclass
class EntryInfo:
    """Common record of every registry entry.

    Parameters
    ----------
    name : str
        Registry name (lower case, unique across all plugins).
    factory : str or callable
        ``"module:attr"`` naming the callable that builds the entry (imported lazily), or the callable.
    plugin : str
        Owner plugin; filled in by the plugin host.
    description : str
        One line shown in listings.
    book_section : str
        The book section implemented, e.g. ``"D2L 5.5"`` or ``"DL 9.5"``.
    task : str
        Free-form task family, e.g. ``"classification"``, ``"language-model"``.
    extra : str, optional
        The gluonx extra that provides this entry's dependencies (``"detection"``, ``"nlp"``...).
    requires : tuple of str
        Modules that must be importable; by default those of ``extra`` (see :data:`EXTRA_MODULES`).
    install : str, optional
        Install command shown when ``requires`` is missing; by default ``pip install 'gluonx[EXTRA]'``.
    tags : tuple of str
        Free-form labels.
    """

    kind: ClassVar[str] = "entry"

    name: str
    factory: Union[str, Callable[..., Any]]
    plugin: str = ""
    description: str = ""
    book_section: str = ""
    task: str = ""
    extra: Optional[str] = None
    requires: Tuple[str, ...] = ()
    install: Optional[str] = None
    tags: Tuple[str, ...] = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", self.name):
            raise ValueError("{} name must be letters, digits, '_', '-' or '.', got {!r}".format(
                self.kind, self.name))
        if not callable(self.factory):
            _split_factory(self.factory)
        if not self.requires and self.extra:
            self.requires = EXTRA_MODULES.get(self.extra, ())
        self.requires = tuple(self.requires)
        self.tags = tuple(self.tags)

    @property
    def missing_modules(self):
        """Modules of ``requires`` that cannot be imported (checked without importing them)."""
        missing = []
        for module in self.requires:
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                missing.append(module)
        return tuple(missing)

    @property
    def extra_installed(self):
        """True when every module this entry requires is importable."""
        return not self.missing_modules

    @property
    def install_hint(self):
        """The command that installs this entry's dependencies."""
        if self.install:
            return self.install
        if self.extra:
            return "pip install 'gluonx[{}]'".format(self.extra)
        return "pip install " + " ".join(self.requires)

    def _missing_extra_error(self, cause=None):
        return MissingExtraError("{} '{}' (plugin '{}') needs the '{}' extra, which is not installed "
                                 "(missing: {}). Install it with: {}".format(
                                     self.kind, self.name, self.plugin, self.extra or "optional",
                                     ", ".join(self.missing_modules) or cause, self.install_hint))

    def resolve(self):
        """Import and return the factory callable.

        Raises
        ------
        MissingExtraError
            If the entry's extra is not installed (the message gives the ``pip install`` command).
        """
        if callable(self.factory):
            return self.factory
        if self.missing_modules:
            raise self._missing_extra_error()
        try:
            return import_object(self.factory)
        except ImportError as err:
            if self.missing_modules:
                raise self._missing_extra_error(err) from err
            raise
        except AttributeError as err:
            raise AttributeError("{} '{}' (plugin '{}'): {}".format(self.kind, self.name, self.plugin, err)) from None

    def create(self, **kwargs):
        """Build the entry: ``resolve()(**kwargs)``."""
        return self.resolve()(**kwargs)

    def summary(self):
        """A plain dict of the record for tables and JSON (factory shown as text)."""
        out = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "factory" and callable(value):
                value = "{}:{}".format(value.__module__, value.__qualname__)
            elif field.name == "inputs":
                value = [spec.to_dict() for spec in value]
            out[field.name] = value
        out["kind"] = self.kind
        out["extra_installed"] = self.extra_installed
        return out


@dataclasses.dataclass
class _ConformantInfo(EntryInfo):
    """Record of an entry that builds a HybridBlock and is checked by the conformance kit.

    Parameters
    ----------
    inputs : tuple of InputSpec
        Example inputs, in call order. Required for the conformance kit.
    kwargs : dict
        Keyword arguments for the factory used by the conformance kit and ``gluonx info``.
    dynamic_batch : bool
        The block accepts any batch size (the kit checks several).
    onnx : bool
        ONNX export is supported and checked for parity in onnxruntime.
    export : bool
        Symbol export is supported (False only with a stated reason in ``description``).
    gradient_check : bool
        Compare autograd with finite differences in float64.
    rtol, atol : float
        Tolerances used by the conformance kit.
    """

    inputs: Tuple[InputSpec, ...] = ()
    kwargs: Dict[str, Any] = dataclasses.field(default_factory=dict)
    dynamic_batch: bool = True
    onnx: bool = False
    export: bool = True
    gradient_check: bool = False
    rtol: float = 1e-4
    atol: float = 1e-5

    def __post_init__(self):
        super().__post_init__()
        inputs = self.inputs
        if isinstance(inputs, (InputSpec, dict)):
            inputs = (inputs,)
        self.inputs = tuple(spec if isinstance(spec, InputSpec) else InputSpec(**spec) for spec in inputs)
        self.kwargs = dict(self.kwargs)


@dataclasses.dataclass
class ModelInfo(_ConformantInfo):
    """Record of a model (a complete network)."""

    kind: ClassVar[str] = "model"


@dataclasses.dataclass
class BlockInfo(_ConformantInfo):
    """Record of a reusable layer."""

    kind: ClassVar[str] = "block"


@dataclasses.dataclass
class LossInfo(_ConformantInfo):
    """Record of a loss function (a HybridBlock taking prediction and label)."""

    kind: ClassVar[str] = "loss"


@dataclasses.dataclass
class OptimizerInfo(EntryInfo):
    """Record of an optimizer.

    Parameters
    ----------
    mx_name : str, optional
        Name under which the optimizer is also known to ``mx.optimizer`` (``gluon.Trainer(params, mx_name)``).
    """

    kind: ClassVar[str] = "optimizer"
    mx_name: Optional[str] = None


@dataclasses.dataclass
class LRSchedulerInfo(EntryInfo):
    """Record of a learning-rate schedule."""

    kind: ClassVar[str] = "lr_scheduler"


@dataclasses.dataclass
class MetricInfo(EntryInfo):
    """Record of an evaluation metric.

    Parameters
    ----------
    higher_is_better : bool
        Direction used by early stopping and keep-best checkpoints.
    """

    kind: ClassVar[str] = "metric"
    higher_is_better: bool = True


@dataclasses.dataclass
class DatasetInfo(EntryInfo):
    """Record of a dataset.

    Parameters
    ----------
    embedded : bool
        The data ships with an installed package (usable offline, e.g. by ``make demo``).
    num_classes : int, optional
        Number of classes for classification datasets.
    sample_shape : tuple of int, optional
        Shape of one sample, e.g. ``(1, 28, 28)``.
    """

    kind: ClassVar[str] = "dataset"
    embedded: bool = False
    num_classes: Optional[int] = None
    sample_shape: Optional[Tuple[int, ...]] = None


@dataclasses.dataclass
class EventHandlerInfo(EntryInfo):
    """Record of a training event handler."""

    kind: ClassVar[str] = "event_handler"


@dataclasses.dataclass
class TaskInfo(EntryInfo):
    """Record of a task: what a model is trained for, and how (loss, metrics, step, printed result).

    ``factory`` names a :class:`gluonx.tasks.base.Task` subclass; :func:`gluonx.get_task` returns an
    instance. A model's record names its task in :attr:`ModelInfo.task`.

    Parameters
    ----------
    primary_metric : str
        The validation scalar ``gluonx train`` reports as the result (``"accuracy"``, ``"perplexity"``...),
        shown by ``gluonx list tasks`` without importing the task.
    trainable : bool
        False for tasks of building blocks that are trained only inside a larger model (an encoder's
        features have no loss of their own); ``gluonx train`` refuses their models with that reason.
    """

    kind: ClassVar[str] = "task"
    primary_metric: str = "loss"
    trainable: bool = True


#: Fields of a :class:`RecipeInfo` that are training settings (the rest describe the record).
RECIPE_SETTINGS = ("optimizer", "lr", "wd", "optimizer_params", "lr_schedule", "epochs", "batch_size",
                   "clip_global_norm", "model_args", "augmentation", "seq_len", "threads")


@dataclasses.dataclass
class RecipeInfo(EntryInfo):
    """Record of a recipe: named hyper-parameters for one model trained on one dataset.

    Every setting left ``None`` (or empty) falls back to ``gluonx train``'s own default; a flag given on the
    command line overrides the recipe. ``book_section`` cites where the book gives the values, and
    ``description`` says what was adapted and what the recipe reaches.

    Parameters
    ----------
    factory : str or callable
        Builds the object :func:`gluonx.get_recipe` returns from the settings; by default
        ``"gluonx.recipes:Recipe"`` (a plain, read-only record of the settings).
    model, dataset : str
        The registered model and dataset the recipe is for.
    optimizer : str
        Registered optimizer name (``gluonx list optimizers``).
    lr, wd : float
        Learning rate and weight decay.
    optimizer_params : dict
        Further optimizer arguments, e.g. ``{"momentum": 0.9}``.
    lr_schedule : str
        Per-epoch schedule of ``gluonx train --lr-schedule`` (``constant``, ``cosine``, ``step``).
    epochs, batch_size : int
        Length of training and samples per batch.
    clip_global_norm : float
        Rescale gradients whose global L2 norm exceeds this (recurrent models, D2L 6.4).
    model_args : dict
        Keyword arguments of the model's factory (``{"activation": "relu"}``).
    augmentation : dict
        Training-time augmentation of image batches, e.g. ``{"random_shift": 2}`` (pixels).
    seq_len : int
        Time steps per batch for language models (truncated backpropagation through time, D2L 6.6).
    threads : int
        MXNet OpenMP threads that suit this model (``gluonx train --threads auto`` uses it, capped by the
        cores available).
    """

    kind: ClassVar[str] = "recipe"
    factory: Union[str, Callable[..., Any]] = "gluonx.recipes:Recipe"
    model: str = ""
    dataset: str = ""
    optimizer: Optional[str] = None
    lr: Optional[float] = None
    wd: Optional[float] = None
    optimizer_params: Dict[str, Any] = dataclasses.field(default_factory=dict)
    lr_schedule: Optional[str] = None
    epochs: Optional[int] = None
    batch_size: Optional[int] = None
    clip_global_norm: Optional[float] = None
    model_args: Dict[str, Any] = dataclasses.field(default_factory=dict)
    augmentation: Dict[str, Any] = dataclasses.field(default_factory=dict)
    seq_len: Optional[int] = None
    threads: Optional[int] = None

    def __post_init__(self):
        super().__post_init__()
        import math
        self.optimizer_params = dict(self.optimizer_params)
        self.model_args = dict(self.model_args)
        self.augmentation = dict(self.augmentation)
        for name in ("epochs", "batch_size", "seq_len", "threads"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError("recipe '{}': {} must be an integer >= 1, got {!r}".format(self.name, name, value))
        for name in ("lr", "wd", "clip_global_norm"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError("recipe '{}': {} must be a finite number >= 0, got {!r}".format(
                    self.name, name, value))

    def settings(self):
        """The training settings this recipe sets (``None`` and empty values left out)."""
        out = {}
        for name in RECIPE_SETTINGS:
            value = getattr(self, name)
            if value is not None and value != {}:
                out[name] = dict(value) if isinstance(value, dict) else value
        return out

    def create(self, **overrides):
        """Build the recipe object from :meth:`settings` updated by ``overrides``."""
        unknown = sorted(set(overrides) - set(RECIPE_SETTINGS))
        if unknown:
            raise TypeError("recipe '{}': unknown settings {}; a recipe sets {}".format(
                self.name, unknown, list(RECIPE_SETTINGS)))
        settings = self.settings()
        settings.update(overrides)
        return self.resolve()(name=self.name, model=self.model, dataset=self.dataset, **settings)


def _natural_key(text):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text.lower())]


def _as_patterns(pattern):
    if pattern is None:
        return ()
    if isinstance(pattern, str):
        return (pattern,)
    return tuple(pattern)


class Registry:
    """A name → record table of one kind of entry.

    Parameters
    ----------
    kind : str
        Plural name, e.g. ``"models"``.
    info_cls : type
        The :class:`EntryInfo` subclass of its records.
    on_access : callable, optional
        Called before every read (the plugin host loads plugins lazily through it).
    """

    def __init__(self, kind, info_cls, on_access=None):
        self.kind = kind
        self.info_cls = info_cls
        self._on_access = on_access
        self._entries = {}
        #: Appended to the unknown-name error (the plugin host explains a disabled core plugin here).
        self.unknown_hint = ""

    def _access(self):
        if self._on_access is not None:
            self._on_access()
        return self._entries

    def make_info(self, name, factory=None, plugin="", **metadata):
        """Build a record of this registry's type, with a clear error for unknown metadata."""
        fields = {f.name for f in dataclasses.fields(self.info_cls)}
        unknown = sorted(set(metadata) - fields)
        if unknown:
            raise TypeError("{} '{}': unknown metadata {}; a {} accepts {}".format(
                self.info_cls.kind, name, unknown, self.info_cls.__name__,
                sorted(fields - {"name", "factory", "plugin"})))
        if factory is not None:
            metadata["factory"] = factory
        return self.info_cls(name=name, plugin=plugin, **metadata)

    def add(self, info):
        """Add a record; raises :class:`DuplicateEntryError` naming both owners if the name is taken."""
        if not isinstance(info, self.info_cls):
            raise TypeError("the {} registry takes {} records, got {}".format(
                self.kind, self.info_cls.__name__, type(info).__name__))
        key = info.name.lower()
        if key in self._entries:
            other = self._entries[key]
            raise DuplicateEntryError("{} '{}' is registered by two plugins: '{}' and '{}'".format(
                info.kind, info.name, other.plugin, info.plugin))
        self._entries[key] = info
        return info

    def check_free(self, name, plugin):
        """Raise :class:`DuplicateEntryError` if ``name`` is already owned (without reading plugins)."""
        other = self._entries.get(name.lower())
        if other is not None:
            raise DuplicateEntryError("{} '{}' is registered by two plugins: '{}' and '{}'".format(
                self.info_cls.kind, name, other.plugin, plugin))

    def remove_plugin(self, plugin):
        """Drop every record owned by ``plugin``."""
        for key in [k for k, v in self._entries.items() if v.plugin == plugin]:
            del self._entries[key]

    def clear(self):
        """Drop every record."""
        self._entries.clear()

    def infos(self, pattern="*", task=None, plugin=None, exclude=None):
        """Records matching the filters, in natural name order (``resnet18`` before ``resnet101``).

        Parameters
        ----------
        pattern : str or sequence of str
            Shell-style wildcards (case-insensitive); a record matching any of them is kept.
        task, plugin : str, optional
            Keep only records of this task / owner plugin (wildcards allowed).
        exclude : str or sequence of str, optional
            Wildcards of names to drop.
        """
        includes = _as_patterns(pattern) or ("*",)
        excludes = _as_patterns(exclude)
        out = []
        for info in self._access().values():
            name = info.name.lower()
            if not any(fnmatch.fnmatchcase(name, p.lower()) for p in includes):
                continue
            if any(fnmatch.fnmatchcase(name, p.lower()) for p in excludes):
                continue
            if task is not None and not fnmatch.fnmatchcase(info.task.lower(), task.lower()):
                continue
            if plugin is not None and not fnmatch.fnmatchcase(info.plugin.lower(), plugin.lower()):
                continue
            out.append(info)
        return sorted(out, key=lambda i: _natural_key(i.name))

    def list(self, pattern="*", task=None, plugin=None, exclude=None):
        """Names of the records matching the filters (see :meth:`infos`)."""
        return [info.name for info in self.infos(pattern, task=task, plugin=plugin, exclude=exclude)]

    def get_info(self, name):
        """The record called ``name`` (case-insensitive).

        Raises
        ------
        KeyError
            :class:`UnknownEntryError` listing the closest registered names.
        """
        entries = self._access()
        if not isinstance(name, str):
            raise TypeError("{} name must be a string, got {!r}".format(self.info_cls.kind, name))
        try:
            return entries[name.lower()]
        except KeyError:
            names = {info.name.lower(): info.name for info in entries.values()}
            close_names = [names[n] for n in difflib.get_close_matches(name.lower(), names, n=5, cutoff=0.7)]
            hint = ("; closest: " + ", ".join(close_names)) if close_names else ""
            raise UnknownEntryError("unknown {} '{}'{} ({} registered; see gluonx.list_{}()){}".format(
                self.info_cls.kind, name, hint, len(names), self.kind, self.unknown_hint)) from None

    def create(self, name, **kwargs):
        """Build the entry called ``name`` with ``kwargs`` passed to its factory."""
        return self.get_info(name).create(**kwargs)

    def __contains__(self, name):
        return isinstance(name, str) and name.lower() in self._access()

    def __len__(self):
        return len(self._access())

    def __iter__(self):
        return iter(self.list())

    def __repr__(self):
        return "Registry({!r}, {} entries)".format(self.kind, len(self._entries))


class RegistryView:
    """What a registration hook receives: adds records owned by one plugin.

    Records are staged and committed by the plugin host once all of the plugin's hooks ran, so a plugin
    that fails half-way leaves nothing behind.
    """

    def __init__(self, registry, plugin, staged):
        self._registry = registry
        self.plugin = plugin
        self._staged = staged

    @property
    def kind(self):
        """Plural name of the target registry, e.g. ``"models"``."""
        return self._registry.kind

    def register(self, name, factory, **metadata):
        """Register ``name`` built by ``factory`` (``"module:attr"`` or callable) with its metadata.

        The accepted metadata are the fields of this registry's record type (see :class:`ModelInfo`...).
        Returns the record.
        """
        info = self._registry.make_info(name, factory, plugin=self.plugin, **metadata)
        self.add(info)
        return info

    def add(self, info):
        """Stage a ready-made record (its ``plugin`` is set to the owner)."""
        info.plugin = self.plugin
        for registry, staged in self._staged:
            if registry is self._registry and staged.name.lower() == info.name.lower():
                raise DuplicateEntryError("{} '{}' is registered twice by plugin '{}'".format(
                    info.kind, info.name, self.plugin))
        self._registry.check_free(info.name, self.plugin)
        if not isinstance(info, self._registry.info_cls):
            raise TypeError("the {} registry takes {} records, got {}".format(
                self.kind, self._registry.info_cls.__name__, type(info).__name__))
        self._staged.append((self._registry, info))
        return info

    def __repr__(self):
        return "RegistryView({!r}, plugin={!r})".format(self.kind, self.plugin)


class RecipeView(RegistryView):
    """What :func:`gluonx.hookspecs.register_recipes` receives: ``register(name, model=..., dataset=...,
    **settings)``; the factory is optional (see :class:`RecipeInfo`)."""

    def register(self, name, factory=None, **metadata):
        """Register recipe ``name``; ``metadata`` are the fields of :class:`RecipeInfo`. Returns the record."""
        if factory is not None:
            metadata["factory"] = factory
        info = self._registry.make_info(name, plugin=self.plugin, **metadata)
        self.add(info)
        return info
