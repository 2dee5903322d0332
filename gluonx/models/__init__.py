"""The books' classic architectures, registered by the core plugin (imports of model code are lazy:
build them with :func:`gluonx.get_model`)."""
