"""Saving matplotlib figures atomically (a killed process never leaves a half-written image)."""
import io
import os

from .atomic import write_bytes


def save_figure(figure, path, dpi=None, close=True):
    """Render ``figure`` in memory and write it to ``path`` atomically; the format follows the suffix.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    path : str
        Target file, e.g. ``"curve.png"``.
    dpi : int, optional
        Resolution (matplotlib's default if None).
    close : bool
        Close the figure afterwards (frees its memory in long-running processes).
    """
    buffer = io.BytesIO()
    suffix = os.path.splitext(str(path))[1].lstrip(".").lower() or "png"
    figure.savefig(buffer, format=suffix, dpi=dpi)
    if close:
        import matplotlib.pyplot as plt
        plt.close(figure)
    write_bytes(path, buffer.getvalue())
    return path
