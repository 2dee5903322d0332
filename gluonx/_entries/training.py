"""The core's metrics, event handlers and datasets (data only: lazy "module:attr" factories)."""


def register_metrics(registry):
    """Device-side metrics read once per log interval."""
    registry.register("accuracy", "gluonx.train.metrics:Accuracy", task="classification",
                      description="top-1 accuracy, accumulated on the device", book_section="D2L 3.6")
    registry.register("top_k_accuracy", "gluonx.train.metrics:TopKAccuracy", task="classification",
                      description="top-k accuracy (top_k=5 by default), accumulated on the device",
                      book_section="D2L 3.6")
    registry.register("mean", "gluonx.train.metrics:Mean", higher_is_better=False,
                      description="mean of per-sample values such as losses", book_section="D2L 3.6")


def register_event_handlers(registry):
    """Training event handlers."""
    table = (
        ("validation", "ValidationHandler", "evaluate on a validation set at epoch ends", "D2L 4.4"),
        ("logging", "LoggingHandler", "log the scalars read at each log interval", "D2L 3.6"),
        ("early_stopping", "EarlyStopping", "stop when a monitored value stops improving", "DL 7.8"),
        ("checkpoint", "CheckpointHandler", "exact-resume checkpoints, keep-last-k and keep-best", "D2L 5.11"),
        ("lr_schedule", "LRScheduleHandler", "set the learning rate per epoch from a function", "D2L 7.x"),
        ("nan_guard", "NaNGuard", "detect non-finite gradients on the device: raise, skip or stop", "DL 8.2"),
        ("progress_bar", "ProgressBar", "tqdm bar with samples/s and the last metrics", "D2L 3.6"),
        ("tensorboard", "TensorBoardHandler", "TensorBoard scalars through tensorboardX", "D2L 3.6"),
        ("history", "HistoryHandler", "history.csv/json and a learning-curve PNG", "D2L 3.6"),
    )
    for name, cls, description, section in table:
        extra = {"tensorboard": "tensorboard", "history": "viz"}.get(name)
        registry.register(name, "gluonx.train.handlers:" + cls, description=description, book_section=section,
                          extra=extra)


def register_datasets(registry):
    """Embedded and real-format datasets."""
    registry.register("digits", "gluonx.data.digits:Digits", task="classification", embedded=True,
                      num_classes=10, sample_shape=(1, 28, 28), extra="data",
                      description="scikit-learn's bundled 8x8 handwritten digits (1,797 real images), "
                                  "upsampled to 28x28", book_section="D2L 3.5")
    registry.register("mnist", "gluonx.data.mnist:MNIST", task="classification", num_classes=10,
                      sample_shape=(1, 28, 28), description="MNIST idx-ubyte files (raw or .gz) from root",
                      book_section="D2L 3.5")
    registry.register("fashion_mnist", "gluonx.data.mnist:FashionMNIST", task="classification", num_classes=10,
                      sample_shape=(1, 28, 28), description="Fashion-MNIST idx-ubyte files (raw or .gz) from root",
                      book_section="D2L 3.5")
    registry.register("python_docs", "gluonx.data.python_docs:PythonDocs", task="language-model", embedded=True,
                      description="CPython's help text (pydoc_data.topics) as character ids: 90 % to train, "
                                  "the next 20,000 characters held out", book_section="D2L 6.3")
    registry.register("image_folder", "gluonx.data.image_folder:ImageFolder", task="classification", extra="data",
                      description="a folder of labelled pictures, root/train/<class>/*.png|jpg (the Kaggle "
                                  "layout), resized to image_size, with a stratified valid_fraction held out",
                      book_section="D2L 9.12")
