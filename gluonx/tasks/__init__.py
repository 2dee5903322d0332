"""Tasks: what a kind of model is trained for -- its loss, metrics, training step, batching, and what
``gluonx train`` / ``gluonx predict`` print. The core's: classification, regression, language modelling."""
from .base import Task
from .classification import ClassificationTask
from .language_model import LanguageModelTask, SequentialSource
from .regression import RegressionTask

__all__ = ["Task", "ClassificationTask", "RegressionTask", "LanguageModelTask", "SequentialSource"]
