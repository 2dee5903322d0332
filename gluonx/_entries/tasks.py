"""The core's tasks (data only: lazy "module:attr" factories naming :class:`gluonx.tasks.base.Task` classes).

Imported by :mod:`gluonx._core_plugin`; must not import MXNet.
"""


def register_tasks(registry):
    """Add the core's tasks to ``registry`` (a :class:`gluonx._registry.RegistryView`)."""
    registry.register("classification", "gluonx.tasks.classification:ClassificationTask",
                      primary_metric="accuracy", book_section="D2L 3.4",
                      description="class logits; softmax cross-entropy loss, top-1 accuracy")
    registry.register("regression", "gluonx.tasks.regression:RegressionTask", primary_metric="mse",
                      book_section="D2L 3.1", description="real-valued targets; squared (L2) loss, MSE and MAE")
    registry.register("language-model", "gluonx.tasks.language_model:LanguageModelTask",
                      primary_metric="perplexity", book_section="D2L 6.1",
                      description="next-token prediction with recurrent state carried across batches "
                                  "(truncated BPTT); cross-entropy loss, perplexity")
    # Encoders are parts of larger models (seq2seq, classifiers over their features): no loss of their own.
    registry.register("sequence-encoder", "gluonx.tasks.base:Task", primary_metric="loss", trainable=False,
                      book_section="D2L 6.10",
                      description="per-step features of a token sequence, trained inside a larger model")
