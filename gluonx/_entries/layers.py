"""Registry table of the core's layers (data only: lazy "module:attr" factories).

Imported by :mod:`gluonx._core_plugin`; must not import MXNet.
"""


def register_blocks(registry):
    """Add the core layers to ``registry`` (a :class:`gluonx._registry.RegistryView`)."""
