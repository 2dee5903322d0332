"""Which keyword arguments a registry factory accepts, so ``gluonx.get_model(name, **kwargs)`` can refuse a
misspelt or foreign argument with one clear line instead of MXNet's ``HybridBlock.__init__() got an
unexpected keyword argument``.

Factories usually pass ``**kwargs`` on: a class's ``__init__`` to the next ``__init__`` of its MRO (ending
at ``mx.gluon.Block``, which takes ``prefix`` and ``params``), and a function such as
``gluonx.models.resnet.resnet18`` to the class it builds, which it names with :func:`forwards_kwargs`.
A factory whose chain cannot be followed accepts anything here; the TypeError it raises is then
translated by :func:`unexpected_argument`. Does not import MXNet.
"""
import difflib
import inspect
import re

_HINTS = {
    "ctx": "build the model, then call net.initialize(ctx=...) (or net.collect_params().reset_ctx(...)) "
           "to place its parameters on a device",
}


def forwards_kwargs(target):
    """Decorator: the function passes its ``**kwargs`` on to ``target`` (a class or a callable).

    Examples
    --------
    >>> @forwards_kwargs(dict)
    ... def make(**kwargs):
    ...     return dict(**kwargs)
    """
    def mark(function):
        function.forwards_kwargs_to = target
        return function
    return mark


def _parameters(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None, True
    names, open_ended = [], False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            open_ended = True
        elif parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            if parameter.name != "self":
                names.append(parameter.name)
    return names, open_ended


def accepted_arguments(factory):
    """The keyword arguments ``factory`` accepts along its ``**kwargs`` chain.

    Returns
    -------
    tuple of str or None
        The names in the order they are declared, or None when the chain ends in an open ``**kwargs``
        (or a signature that cannot be read): anything may be accepted.
    """
    names, seen, current = [], set(), factory
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if inspect.isclass(current):
            for klass in current.__mro__:
                if "__init__" not in vars(klass) or klass is object:
                    continue
                own, open_ended = _parameters(vars(klass)["__init__"])
                if own is None:
                    return None
                names.extend(n for n in own if n not in names)
                if not open_ended:
                    return tuple(names)
            return None
        own, open_ended = _parameters(current)
        if own is None:
            return None
        names.extend(n for n in own if n not in names)
        if not open_ended:
            return tuple(names)
        current = getattr(current, "forwards_kwargs_to", None)
    return None


def _refusal(what, name, accepted):
    if name == "pretrained":
        return ("{}: no pretrained weights ship with gluonx; load a parameter file with "
                "gluonx.get_model(name, weights=path) or net.load_parameters(path)".format(what))
    hint = _HINTS.get(name)
    if hint:
        return "{}: '{}' is not an argument of the model; {}".format(what, name, hint)
    close = difflib.get_close_matches(name, accepted or (), n=1, cutoff=0.6)
    return "{}: unknown argument '{}'{}; accepted: {}".format(
        what, name, " (did you mean '{}'?)".format(close[0]) if close else "",
        ", ".join(accepted) if accepted else "no keyword arguments")


def check_arguments(what, factory, kwargs):
    """Refuse keyword arguments ``factory`` does not accept.

    ``pretrained=False`` (as written for ``mx.gluon.model_zoo``) is dropped: it asks for what gluonx
    always does. Returns the keyword arguments to pass.

    Raises
    ------
    TypeError
        One line naming the argument, the closest accepted name and every accepted one; for
        ``pretrained=True`` how to load a parameter file, for ``ctx`` how to place the model on a device.
    """
    accepted = accepted_arguments(factory)
    if accepted is None or "pretrained" not in accepted:
        if "pretrained" in kwargs and kwargs["pretrained"] is False:
            kwargs = {k: v for k, v in kwargs.items() if k != "pretrained"}
    if accepted is None:
        return kwargs
    for name in kwargs:
        if name not in accepted:
            raise TypeError(_refusal(what, name, accepted))
    return kwargs


def unexpected_argument(what, factory, kwargs, err):
    """Translate a factory's ``unexpected keyword argument`` TypeError about one of ``kwargs``.

    Returns the clearer TypeError, or None when ``err`` is about something else.
    """
    match = re.search(r"unexpected keyword argument '(\w+)'", str(err))
    if not match or match.group(1) not in kwargs:
        return None
    accepted = accepted_arguments(factory)
    if accepted is None:
        accepted, _ = _parameters(factory)
    return TypeError(_refusal(what, match.group(1), accepted))
