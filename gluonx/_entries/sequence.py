"""Registry table of the core's entries of this family (data only: lazy "module:attr" factories).

Imported by :mod:`gluonx._core_plugin`; must not import MXNet.
"""


def register_models(registry):
    """Add this family's models to ``registry`` (a :class:`gluonx._registry.RegistryView`)."""


def register_blocks(registry):
    """Add this family's blocks to ``registry``."""
