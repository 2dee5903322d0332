"""Registry tables of the core plugin, one module per family: data only (lazy ``"module:attr"``
factories and metadata), importing neither MXNet nor model code, so ``gluonx plugins`` stays cheap."""
