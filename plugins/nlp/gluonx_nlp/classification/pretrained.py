"""Pretrained word vectors (GloVe ``.txt`` / fastText ``.vec``) loaded into a text classifier's embeddings
(D2L 10.7.2 loads GloVe 100d into the BiRNN; D2L 10.8.2 into both of textCNN's embeddings)."""
import mxnet as mx

from ..data.vectors import TextVectors

__all__ = ["load_pretrained_vectors"]


def load_pretrained_vectors(net, vocab, vectors, oov="zeros", seed=0, freeze=False):
    """Copy word vectors into every embedding of ``net`` (``net.embeddings()``), row ``i`` = ``vocab``'s token ``i``.

    Parameters
    ----------
    net : BiRNNClassifier or TextCNN
        An initialized classifier whose embedding size equals the vectors' dimension.
    vocab : Vocabulary
        The vocabulary the token ids come from.
    vectors : str or TextVectors
        A GloVe / fastText text file, or vectors already read.
    oov : {'zeros', 'mean', 'random'}
        Vector of a vocabulary token the file lacks (unknown and reserved tokens included): zeros, the file's
        mean vector, or a seeded normal draw with the file's per-dimension spread
        (:func:`gluonx_nlp.data.vectors.embedding_matrix`).
    seed : int
        Seed of ``oov='random'``.
    freeze : bool
        Stop training the trained embedding too (the book freezes the BiRNN's: ``grad_req='null'``). textCNN's
        constant embedding is never trained.

    Returns
    -------
    numpy.ndarray
        Boolean mask of the vocabulary tokens found in the file.
    """
    if not isinstance(vectors, TextVectors):
        vectors = TextVectors(vectors)
    weights, found = vectors.embedding_matrix(vocab, oov=oov, seed=seed)
    for embedding in net.embeddings():
        shape = embedding.weight.shape
        if tuple(shape) != weights.shape:
            raise ValueError("{}: embedding {} has shape {}, the vectors of {} give {} (vocabulary size x "
                             "dimension)".format(type(net).__name__, embedding.name, tuple(shape), vectors.path,
                                                 weights.shape))
        embedding.weight.set_data(mx.nd.array(weights, dtype=embedding.weight.dtype))
    if freeze:
        net.embeddings()[0].weight.grad_req = "null"
    return found
