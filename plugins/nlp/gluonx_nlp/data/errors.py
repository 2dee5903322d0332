"""The one error type of the text loaders: its one-line message names the file and the line."""
import os

__all__ = ["TextFormatError", "read_lines", "require_file"]


class TextFormatError(ValueError):
    """A text file is malformed; the message reads ``PATH:LINE: what was expected``."""

    def __init__(self, path, line_number, message):
        self.path = str(path)
        self.line_number = line_number
        super().__init__("{}:{}: {}".format(self.path, line_number, message))


def require_file(path, what):
    """Raise :class:`FileNotFoundError` naming ``path`` (described as ``what``) unless it is a file."""
    if not os.path.isfile(path):
        raise FileNotFoundError("{}: {} not found".format(path, what))
    return path


def read_lines(path, what="text file"):
    """Yield ``(line_number, line)`` (1-based, without the line break) of a UTF-8 file.

    Undecodable bytes raise :class:`TextFormatError` naming the line, not a bare ``UnicodeDecodeError``.
    """
    require_file(path, what)
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise TextFormatError(path, number, "not UTF-8 text ({})".format(e.reason)) from None
            if number == 1 and line.startswith("\ufeff"):
                line = line[1:]  # a byte-order mark is not part of the first token
            yield number, line.rstrip("\r\n")
