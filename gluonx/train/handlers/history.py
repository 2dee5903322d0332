"""Training history as CSV and JSON, and a learning-curve PNG (matplotlib, the ``viz`` extra)."""
import csv
import io
import os

from ...utils.atomic import write_bytes, write_json
from ...utils.figures import save_figure
from .base import EventHandler


class HistoryHandler(EventHandler):
    """Write ``history.json``, ``history.csv`` (one row per epoch) and ``learning_curve.png`` to ``directory``.

    Files are rewritten atomically at every epoch end, so they are complete even if training is killed.
    """

    priority = 300

    def __init__(self, directory, plot=True):
        self.directory = directory
        self.plot = plot
        os.makedirs(directory, exist_ok=True)

    def epoch_end(self, trainer, scalars):
        epochs = [{k: v for k, v in row.items() if k != "end_of_epoch"} for row in trainer.state.epochs]
        write_json(os.path.join(self.directory, "history.json"),
                   {"epochs": epochs, "log": trainer.state.history})
        columns = sorted({key for row in epochs for key in row})
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns)
        writer.writeheader()
        writer.writerows(epochs)
        write_bytes(os.path.join(self.directory, "history.csv"), text.getvalue().encode())
        if self.plot:
            self._plot(epochs)

    def _plot(self, epochs):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        figure, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        x = [row["epoch"] + 1 for row in epochs]
        for key in ("loss", "val_loss"):
            if any(key in row for row in epochs):
                axes[0].plot(x, [row.get(key, float("nan")) for row in epochs], marker="o", label=key)
        for key in sorted({k for row in epochs for k in row if "accuracy" in k}):
            axes[1].plot(x, [row.get(key, float("nan")) for row in epochs], marker="o", label=key)
        for axis, title in zip(axes, ("loss", "accuracy")):
            axis.set_xlabel("epoch")
            axis.set_title(title)
            axis.grid(alpha=0.3)
            if axis.lines:
                axis.legend()
        figure.tight_layout()
        save_figure(figure, os.path.join(self.directory, "learning_curve.png"), dpi=90)
