"""Training event handlers: one base class, each handler family in its own module."""
from .base import EventHandler
from .checkpointing import CheckpointHandler
from .early_stopping import EarlyStopping
from .history import HistoryHandler
from .logging_handler import LoggingHandler
from .lr_schedule import LRScheduleHandler
from .nan_guard import NaNGuard
from .progress import ProgressBar
from .tensorboard import TensorBoardHandler
from .validation import ValidationHandler

__all__ = ["EventHandler", "CheckpointHandler", "EarlyStopping", "HistoryHandler", "LoggingHandler",
           "LRScheduleHandler", "NaNGuard", "ProgressBar", "TensorBoardHandler", "ValidationHandler"]
