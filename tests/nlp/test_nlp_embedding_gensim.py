"""word2vec against gensim (D2L 10.3): skip-gram with negative sampling trained by gluonx.Trainer and gensim's
Word2Vec with the same window, dimension, epochs, min_count, subsampling and noise words on the same embedded
corpus give similar similarity structure: the Spearman correlation of the two models' cosine similarities over
the pairs of the most frequent words is far above that of unrelated embeddings."""
import importlib.util

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("gensim") is None,
                                reason="gensim is not installed (pip install 'gluonx[test]')")


def _pair_cosines(vectors):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return (unit @ unit.T)[np.triu_indices(len(vectors), k=1)]


def test_skipgram_similarities_rank_like_gensims():
    from gensim.models import Word2Vec
    from scipy.stats import spearmanr
    import gluonx
    from gluonx_nlp.data.embedded import PythonDocsSentences
    from gluonx_nlp.embedding.corpus import WordIdCorpus
    from gluonx_nlp.embedding.tasks import Word2VecTask

    sentences = PythonDocsSentences().sentences
    corpus = WordIdCorpus(sentences, min_count=5)
    settings = dict(window=5, negatives=5, sample=1e-3)
    net = gluonx.get_model("skipgram_ns", vocab_size=corpus.vocab_size, embed_size=50)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.005},
                             task=Word2VecTask(**settings), seed=0)
    trainer.fit(corpus, epochs=3, batch_size=1024)
    model = Word2Vec(sentences, vector_size=50, window=5, min_count=5, sg=1, hs=0, negative=5, sample=1e-3,
                     epochs=3, seed=0, workers=1)
    assert set(model.wv.index_to_key) == set(corpus.idx_to_token[1:])  # the same vocabulary
    frequent = corpus.idx_to_token[1:101]
    ours = net.embedding_matrix()[[corpus.vocab.token_to_idx[w] for w in frequent]]
    theirs = np.stack([model.wv[w] for w in frequent])
    correlation = spearmanr(_pair_cosines(ours), _pair_cosines(theirs)).correlation
    unrelated = spearmanr(_pair_cosines(np.random.RandomState(0).randn(100, 50)), _pair_cosines(theirs)).correlation
    # measured: 0.51 (two gensim seeds: 0.95; unrelated vectors: 0.03); benchmarks/word2vec.py measures the
    # recipe's 100-d, 5-epoch setting (docs/nlp.md)
    again = Word2Vec(sentences, vector_size=50, window=5, min_count=5, sg=1, hs=0, negative=5, sample=1e-3,
                     epochs=3, seed=1, workers=1)
    between_seeds = spearmanr(_pair_cosines(np.stack([again.wv[w] for w in frequent])),
                              _pair_cosines(theirs)).correlation
    print("gluonx vs gensim {:.3f}, gensim seed 1 vs 0 {:.3f}, unrelated {:.3f}".format(
        correlation, between_seeds, unrelated))
    assert abs(unrelated) < 0.1
    assert correlation > 0.35, correlation
