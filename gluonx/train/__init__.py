"""Training: the multi-device :class:`Trainer`, device-side metrics, event handlers and checkpoints."""
from .checkpoint import CheckpointError, list_checkpoints, load_checkpoint, read_checkpoint, save_checkpoint
from .handlers import (CheckpointHandler, EarlyStopping, EventHandler, HistoryHandler, LoggingHandler,
                       LRScheduleHandler, NaNGuard, ProgressBar, TensorBoardHandler, ValidationHandler)
from .metrics import Accuracy, DeviceMetric, Mean, TopKAccuracy
from .splitting import shard_sizes, split_batch
from .trainer import Trainer, TrainState, parse_contexts

__all__ = ["Trainer", "TrainState", "parse_contexts", "split_batch", "shard_sizes",
           "DeviceMetric", "Accuracy", "TopKAccuracy", "Mean",
           "EventHandler", "CheckpointHandler", "EarlyStopping", "HistoryHandler", "LoggingHandler",
           "LRScheduleHandler", "NaNGuard", "ProgressBar", "TensorBoardHandler", "ValidationHandler",
           "CheckpointError", "save_checkpoint", "load_checkpoint", "read_checkpoint", "list_checkpoints"]
