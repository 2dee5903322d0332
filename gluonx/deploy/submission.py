"""``gluonx predict EXPORT DIR_OR_FILES --csv submission.csv``: a Kaggle-style submission (D2L 9.12-9.13).

One row per picture, ``id,label``: the id is the file's stem (``test/17.png`` -> ``17``), the label the
predicted class name (the class index when the export names no classes). Rows are sorted by id, numerically
when every id is an integer (Kaggle's CIFAR-10 order: 1, 2, ..., 10), else as text. The file is written
atomically.
"""
import csv
import io
import os

from .preprocessing import IMAGE_SUFFIXES

__all__ = ["SubmissionError", "collect_pictures", "submission_rows", "write_submission"]


class SubmissionError(ValueError):
    """The inputs or the export do not make a submission; the one-line message says why."""


def collect_pictures(inputs):
    """Picture paths from files and folders (a folder gives its own pictures, not its subfolders').

    Raises
    ------
    SubmissionError
        For a path that is neither a picture nor a folder, a folder without pictures, or two pictures with
        the same stem (their ids would collide).
    """
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            found = sorted(os.path.join(item, n) for n in os.listdir(item) if not n.startswith(".")
                           and os.path.splitext(n)[1].lower() in IMAGE_SUFFIXES
                           and os.path.isfile(os.path.join(item, n)))
            if not found:
                raise SubmissionError("{}: no picture in this folder ({})".format(item, ", ".join(IMAGE_SUFFIXES)))
            paths.extend(found)
        elif os.path.splitext(item)[1].lower() in IMAGE_SUFFIXES:
            if not os.path.isfile(item):
                raise SubmissionError("picture {} does not exist".format(item))
            paths.append(item)
        else:
            raise SubmissionError("--csv: {} is neither a folder nor a picture ({})".format(
                item, ", ".join(IMAGE_SUFFIXES)))
    seen = {}
    for path in paths:
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem in seen and os.path.abspath(seen[stem]) != os.path.abspath(path):
            raise SubmissionError("--csv: {} and {} have the same id {!r}".format(seen[stem], path, stem))
        seen[stem] = path
    return [seen[stem] for stem in seen]


def _sort_key(ids):
    if all(i.isdigit() for i in ids):
        return lambda row: (int(row[0]), row[0])
    return lambda row: row[0]


def submission_rows(predictor, paths, batch_size=64):
    """``[(id, label), ...]`` sorted by id: the most probable class of each picture.

    Raises
    ------
    SubmissionError
        If the export is not a one-input image classifier.
    """
    import numpy as np
    if len(predictor.inputs) != 1 or not predictor.manifest.preprocessing:
        raise SubmissionError("--csv needs a one-input image classifier; {} takes {} input(s){}".format(
            predictor.folder, len(predictor.inputs),
            "" if predictor.manifest.preprocessing else " without image preprocessing"))
    labels = []
    for start in range(0, len(paths), batch_size):
        chunk = paths[start:start + batch_size]
        batch = np.concatenate([predictor.preprocess_image(path) for path in chunk], axis=0)
        scores = predictor.predict_flat(batch)
        if len(scores) != 1 or scores[0].ndim != 2:
            raise SubmissionError("--csv needs a classifier with one N x C output; {} returns shapes {}".format(
                predictor.folder, [s.shape for s in scores]))
        labels.extend(int(i) for i in scores[0].argmax(axis=1))
    names = predictor.class_names
    rows = [(os.path.splitext(os.path.basename(path))[0], names[label] if names else str(label))
            for path, label in zip(paths, labels)]
    return sorted(rows, key=_sort_key([row[0] for row in rows]))


def write_submission(path, rows, header=("id", "label")):
    """Write ``rows`` under ``header`` to ``path`` atomically (the umask's permissions)."""
    from ..utils.atomic import atomic_write
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    with atomic_write(path, "w", encoding="utf-8") as handle:
        handle.write(text.getvalue())


def run_submission(args):
    """The ``--csv`` branch of ``gluonx predict``: returns the exit code."""
    from .predictor import Predictor
    predictor = Predictor(args.folder, ctx=args.ctx, backend=args.backend, batch_size=args.batch_size)
    paths = collect_pictures(args.inputs)
    rows = submission_rows(predictor, paths, batch_size=args.batch_size or 64)
    write_submission(args.csv, rows)
    print("wrote {} row(s) to {} (id = file stem, label = {})".format(
        len(rows), args.csv, "class name" if predictor.class_names else "class index"))
    return 0
