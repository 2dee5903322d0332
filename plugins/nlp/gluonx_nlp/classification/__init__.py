"""Text classification (D2L 10.7-10.8): a bidirectional RNN and a textCNN that mask by valid lengths, pretrained
word vectors loaded into their embeddings, the ``text-classification`` task (length-bucketed batches with valid
lengths) and a scikit-learn bag-of-words baseline.

Importing this package imports none of its modules (nor MXNet).
"""
from gluonx.utils.lazy import lazy_getattr

_PUBLIC = {
    "BiRNNClassifier": "gluonx_nlp.classification.birnn:BiRNNClassifier",
    "TextCNN": "gluonx_nlp.classification.text_cnn:TextCNN",
    "TextClassificationTask": "gluonx_nlp.classification.task:TextClassificationTask",
    "BucketedTextSource": "gluonx_nlp.classification.task:BucketedTextSource",
    "load_pretrained_vectors": "gluonx_nlp.classification.pretrained:load_pretrained_vectors",
    "bag_of_words_baseline": "gluonx_nlp.classification.baseline:bag_of_words_baseline",
}

__all__ = sorted(_PUBLIC)

__getattr__ = lazy_getattr(__name__, _PUBLIC)
