"""Training: the multi-device :class:`Trainer`, device-side metrics, event handlers and checkpoints."""
from .checkpoint import CheckpointError, list_checkpoints, load_checkpoint, read_checkpoint, save_checkpoint
from .handlers import (CheckpointHandler, EarlyStopping, EventHandler, HistoryHandler, LoggingHandler,
                       LRScheduleHandler, NaNGuard, ProgressBar, TensorBoardHandler, ValidationHandler)
from .metrics import (Accuracy, DeviceMetric, Mean, MeanAbsoluteError, MeanSquaredError, Perplexity,
                      TopKAccuracy)
from .optimizers import OptimizerGroup
from .splitting import shard_sizes, split_batch
from .step import StepOutput, TBPTTStep, TrainStep
from .trainer import Trainer, TrainState, parse_contexts

__all__ = ["Trainer", "TrainState", "parse_contexts", "split_batch", "shard_sizes",
           "TrainStep", "TBPTTStep", "StepOutput", "OptimizerGroup",
           "DeviceMetric", "Accuracy", "TopKAccuracy", "Mean", "MeanSquaredError", "MeanAbsoluteError", "Perplexity",
           "EventHandler", "CheckpointHandler", "EarlyStopping", "HistoryHandler", "LoggingHandler",
           "LRScheduleHandler", "NaNGuard", "ProgressBar", "TensorBoardHandler", "ValidationHandler",
           "CheckpointError", "save_checkpoint", "load_checkpoint", "read_checkpoint", "list_checkpoints"]
