"""Lazy public names for packages whose import must stay cheap (plugin discovery imports every plugin's
package, and listing plugins must not import MXNet)."""
import importlib

__all__ = ["lazy_getattr"]


def lazy_getattr(package, public):
    """A module-level ``__getattr__`` (PEP 562) that imports a public name on first use.

    Parameters
    ----------
    package : str
        The package's name, for the error message (``"gluonx_detection"``).
    public : dict
        Public name -> ``"module"`` (the module itself) or ``"module:attribute"``.

    Returns
    -------
    callable
        ``__getattr__(name)``; raises ``AttributeError`` for names not in ``public``.

    Examples
    --------
    >>> __getattr__ = lazy_getattr("gluonx_demo", {"json": "json", "dumps": "json:dumps"})
    >>> __getattr__("dumps")([1])
    '[1]'
    """
    def __getattr__(name):
        target = public.get(name)
        if target is None:
            raise AttributeError("module {!r} has no attribute {!r}".format(package, name))
        module_name, _, attr = target.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attr) if attr else module
    return __getattr__
