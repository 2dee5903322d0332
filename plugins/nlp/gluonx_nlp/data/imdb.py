"""The IMDb review folders ``aclImdb`` (D2L 10.7.1, sentiment analysis).

Layout (Maas et al. 2011)::

    aclImdb/train/pos/<id>_<rating>.txt    rating 7..10
    aclImdb/train/neg/<id>_<rating>.txt    rating 1..4
    aclImdb/test/pos/..., aclImdb/test/neg/...
    (aclImdb/train/unsup/ holds unlabelled reviews: not read)

Each file holds one review (HTML line breaks ``<br />`` kept, as in the book). Label 1 = positive.
"""
import os
import re

from .errors import TextFormatError, read_lines

__all__ = ["IMDbReviews"]

_NAME = re.compile(r"^(\d+)_(\d+)\.txt$")
_RATINGS = {"pos": range(5, 11), "neg": range(1, 5)}


class IMDbReviews:
    """One split of ``aclImdb`` as ``(review text, label)`` samples, negatives first, files in id order.

    Parameters
    ----------
    root : str
        The ``aclImdb`` folder (or a folder containing it).
    split : {'train', 'test'}
    """

    def __init__(self, root, split="train"):
        if split not in ("train", "test"):
            raise ValueError("split must be 'train' or 'test', got {!r}".format(split))
        if not os.path.isdir(os.path.join(root, split)) and os.path.isdir(os.path.join(root, "aclImdb")):
            root = os.path.join(root, "aclImdb")
        self.root = root
        self.texts, self.labels, self.ratings, self.paths = [], [], [], []
        for label, folder in enumerate(("neg", "pos")):
            directory = os.path.join(root, split, folder)
            if not os.path.isdir(directory):
                raise FileNotFoundError("{}: IMDb folder not found (expected aclImdb/{}/{{pos,neg}})".format(
                    directory, split))
            named = []
            for name in os.listdir(directory):
                match = _NAME.match(name)
                path = os.path.join(directory, name)
                if not match:
                    raise TextFormatError(path, 0, "IMDb review files are named <id>_<rating>.txt")
                named.append((int(match.group(1)), int(match.group(2)), path))
            for _, rating, path in sorted(named):
                if rating not in _RATINGS[folder]:
                    raise TextFormatError(path, 0, "rating {} is not a {} rating ({}..{})".format(
                        rating, folder, _RATINGS[folder][0], _RATINGS[folder][-1]))
                text = "\n".join(line for _, line in read_lines(path, "IMDb review"))
                self.texts.append(text)
                self.labels.append(label)
                self.ratings.append(rating)
                self.paths.append(path)

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, idx):
        return self.texts[idx], self.labels[idx]
