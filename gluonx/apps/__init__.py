"""Applications built from the core's pieces: whole methods of the books run end to end (imports nothing
until a module is imported, so the command line can configure its parser without MXNet).

- :mod:`gluonx.apps.style_transfer`: neural style transfer (D2L 9.11), ``gluonx style-transfer``.
"""
