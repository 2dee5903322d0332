"""The Stanford Natural Language Inference corpus, JSON-lines files (``snli_1.0_{train,dev,test}.jsonl``).

Each line is a JSON object with ``gold_label``, ``sentence1`` (premise) and ``sentence2`` (hypothesis), among
other fields (parses, annotator labels). ``gold_label == '-'`` means the annotators did not agree: such pairs
are skipped, as the book's SNLI reader does (the English edition's D2L 15.4, natural language inference).
"""
import json

from .errors import TextFormatError, read_lines

__all__ = ["SNLI_LABELS", "SNLIPairs"]

#: Label indices in the book's order.
SNLI_LABELS = ("entailment", "contradiction", "neutral")


class SNLIPairs:
    """``(premise, hypothesis, label index)`` samples of one SNLI JSONL file.

    A line that is not a JSON object, lacks a field, or has an unknown ``gold_label`` raises
    :class:`~gluonx_nlp.data.errors.TextFormatError` naming the file and line.
    """

    def __init__(self, path):
        self.path = path
        self.premises, self.hypotheses, self.labels = [], [], []
        self.skipped = 0
        for number, line in read_lines(path, "SNLI JSONL file"):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as e:
                raise TextFormatError(path, number, "not a JSON object ({})".format(e)) from None
            if not isinstance(record, dict):
                raise TextFormatError(path, number, "expected a JSON object, found {}".format(
                    type(record).__name__))
            for key in ("gold_label", "sentence1", "sentence2"):
                if not isinstance(record.get(key), str):
                    raise TextFormatError(path, number, "field {!r} is missing or not a string".format(key))
            label = record["gold_label"]
            if label == "-":
                self.skipped += 1
                continue
            if label not in SNLI_LABELS:
                raise TextFormatError(path, number, "gold_label must be one of {} or '-', found {!r}".format(
                    list(SNLI_LABELS), label))
            self.premises.append(record["sentence1"])
            self.hypotheses.append(record["sentence2"])
            self.labels.append(SNLI_LABELS.index(label))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.premises[idx], self.hypotheses[idx], self.labels[idx]
