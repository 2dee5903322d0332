"""Word embeddings, piece by piece (D2L 10.1-10.6): the Huffman tree, the batches, the forward passes and
losses against NumPy, fastText's subwords and hashing, GloVe's co-occurrences and loss, k-NN and analogies."""
import heapq
import itertools

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx_nlp.embedding.batches import NoiseSampler, Word2VecSource, noise_distribution
from gluonx_nlp.embedding.corpus import PythonDocsWordIds, WordIdCorpus, subsample
from gluonx_nlp.embedding.fasttext import fasttext_hash, subword_rows
from gluonx_nlp.embedding.glove import GloVeSource, cooccurrence, glove_weight
from gluonx_nlp.embedding.huffman import HuffmanTree
from gluonx_nlp.embedding.similarity import WordEmbedding
from gluonx_nlp.text.subword import char_ngrams


def _log_sigmoid(x):
    return -np.logaddexp(0, -x)


@pytest.fixture(scope="module")
def docs():
    return PythonDocsWordIds(held_out=0.1, max_sentences=1500)


# -- Huffman tree (D2L 10.2.2) ------------------------------------------------------------------------------
@pytest.mark.parametrize("counts", [[5, 1, 1, 2, 9, 3, 3, 0, 7], [1, 1], list(range(1, 40)), [4] * 16])
def test_huffman_codes_are_optimal_prefix_codes_and_probabilities_sum_to_one(counts):
    tree = HuffmanTree(counts)
    codes = ["".join(str(int(b)) for b in tree.codes[w, :tree.lengths[w]]) for w in range(len(counts))]
    assert len(set(codes)) == len(codes)
    for a, b in itertools.permutations(codes, 2):
        assert not b.startswith(a), (a, b)  # prefix-free: every word is a leaf
    # optimal: the weighted code length equals the cost of Huffman's merges, computed independently
    heap = list(counts)
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    assert int(np.dot(counts, tree.lengths)) == cost
    # the same inner node has the same id wherever paths share a prefix
    for a, b in itertools.combinations(range(len(counts)), 2):
        shared = 0
        while shared < min(tree.lengths[a], tree.lengths[b]) and codes[a][:shared] == codes[b][:shared]:
            assert tree.nodes[a, shared] == tree.nodes[b, shared]
            shared += 1
    rng = np.random.RandomState(0)
    log_p = tree.log_probabilities(rng.randn(3, 4), rng.randn(len(counts) - 1, 4))
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1, rtol=1e-9)


def test_huffman_rejects_one_word():
    with pytest.raises(ValueError, match="at least 2 words"):
        HuffmanTree([3])


# -- corpus and batches (D2L 10.3) --------------------------------------------------------------------------
def test_word_id_corpus_drops_rare_words_and_counts():
    corpus = WordIdCorpus([["a", "b", "a", "c"], ["c", "a"], ["d"]], min_count=2)
    assert corpus.idx_to_token == ["<unk>", "a", "c"]
    assert [s.tolist() for s in corpus.sentences] == [[1, 1, 2], [2, 1]]  # the one-word 'd' sentence is gone
    assert corpus.token_counts == [0, 3, 2]


def test_subsampling_keeps_words_at_the_books_rate():
    counts = np.array([0, 5000, 500, 50, 5], dtype=float)
    sentences = [np.repeat(np.arange(1, 5), counts[1:].astype(int))]
    kept = subsample(sentences, counts, 1e-3, np.random.RandomState(0))[0]
    frequency = counts / counts.sum()
    expected = np.minimum(1, np.sqrt(1e-3 / frequency[1:]))
    observed = np.bincount(kept, minlength=5)[1:] / counts[1:]
    tolerance = 4 * np.sqrt(expected * (1 - expected) / counts[1:]) + 1e-9
    assert (np.abs(observed - expected) <= tolerance).all(), (observed, expected)
    assert expected[0] < 0.1 and expected[-1] == 1


def test_batches_hold_exactly_the_window_contexts_in_the_sentence(docs):
    source = Word2VecSource(docs, batch_size=97, window=3, negatives=2, sample=1e-3, seed=4)
    seen = 0
    for batch in itertools.islice(source.batches(0), 5):
        assert batch["negatives"].shape == (len(batch["center"]), 6 * 2)
        for row in range(len(batch["center"])):
            seen += 1
            mask = batch["mask"][row].astype(bool)
            assert mask.any()
            # recover the position from the contexts (brute force): the window must be one symmetric span
            ctx = batch["contexts"][row][mask].astype(int).tolist()
            assert batch["contexts"][row][~mask].sum() == 0
            assert all(0 < c < docs.vocab_size for c in ctx)
    assert seen == 5 * 97
    # brute force over the subsampled corpus: every (position, window) gives the same contexts
    rng = np.random.RandomState(1)
    for position in rng.randint(0, source.num_centers, 50):
        span = rng.randint(1, 4)
        batch = source.make_batch(np.array([position]), np.array([span]), rng)
        sentence = source.sentence[position]
        expected = [int(source.tokens[position + o]) for o in source.offsets
                    if abs(o) <= span and 0 <= position + o < source.num_centers
                    and source.sentence[position + o] == sentence]
        assert batch["contexts"][0][batch["mask"][0] > 0].astype(int).tolist() == expected


def test_batches_resume_mid_epoch_and_cover_every_center_once(docs):
    source = Word2VecSource(docs, batch_size=500, window=2, negatives=3, seed=2)
    full = list(source.batches(3))
    assert sum(len(b["center"]) for b in full) == source.num_centers == len(source.tokens)
    assert len(full) == len(source)
    resumed = list(source.batches(3, start=2))
    for a, b in zip(full[2:], resumed):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(full[0]["center"], next(iter(source.batches(4)))["center"])


def test_noise_words_follow_unigram_to_the_075():
    counts = np.array([0, 1000, 300, 50, 7, 1])
    p = noise_distribution(counts)
    np.testing.assert_allclose(p, np.r_[0, counts[1:] ** 0.75] / (counts[1:] ** 0.75).sum())
    draws = NoiseSampler(p).draw(np.random.RandomState(0), 200000)
    observed = np.bincount(draws, minlength=len(p)) / len(draws)
    assert (np.abs(observed - p) <= 4 * np.sqrt(p * (1 - p) / len(draws)) + 2e-5).all(), (observed, p)
    assert observed[0] == 0


# -- forward passes and losses against NumPy (D2L 10.2) -----------------------------------------------------
def _built(name, **kwargs):
    net = gluonx.get_model(name, vocab_size=40, embed_size=6, **kwargs)
    net.initialize(mx.init.Uniform(0.5))
    net.hybridize()
    return net


def _batch(rng, size=5, width=4, negatives=3):
    mask = (rng.rand(size, width) < 0.7).astype("float32")
    mask[:, 0] = 1
    return {"center": rng.randint(1, 40, size).astype("float32"),
            "contexts": (rng.randint(1, 40, (size, width)) * mask).astype("float32"), "mask": mask,
            "negatives": rng.randint(1, 40, (size, width * negatives)).astype("float32")}


def _table(block):
    return block.weight.data().asnumpy()


def test_skipgram_negative_sampling_scores_and_loss():
    rng = np.random.RandomState(0)
    net, batch = _built("skipgram_ns"), _batch(rng)
    nd = {k: mx.nd.array(v) for k, v in batch.items()}
    scores = net(*net.batch_inputs(nd)).asnumpy()
    u, v = _table(net.embedding), _table(net.output)
    targets = np.concatenate([batch["contexts"], batch["negatives"]], axis=1).astype(int)
    expected = np.einsum("bte,be->bt", v[targets], u[batch["center"].astype(int)])
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    # D2L 10.2.1: -log s(u_o.v_c) - sum_k log s(-u_k.v_c) per context, averaged over the center's contexts
    width, mask = batch["mask"].shape[1], batch["mask"]
    neg = expected[:, width:].reshape(len(mask), width, 3)
    per_context = -_log_sigmoid(expected[:, :width]) - _log_sigmoid(-neg).sum(axis=2)
    loss = (per_context * mask).sum(axis=1) / mask.sum(axis=1)
    np.testing.assert_allclose(net.batch_loss(net(*net.batch_inputs(nd)), nd).asnumpy(), loss, rtol=1e-5)


def test_cbow_negative_sampling_scores_and_loss():
    rng = np.random.RandomState(1)
    net, batch = _built("cbow_ns"), _batch(rng)
    nd = {k: mx.nd.array(v) for k, v in batch.items()}
    out = net(*net.batch_inputs(nd)).asnumpy()
    u, v = _table(net.embedding), _table(net.output)
    mask = batch["mask"]
    hidden = (u[batch["contexts"].astype(int)] * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    targets = np.concatenate([batch["center"][:, None], batch["negatives"][:, :3]], axis=1).astype(int)
    expected = np.einsum("bte,be->bt", v[targets], hidden)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    loss = -_log_sigmoid(expected[:, 0]) - _log_sigmoid(-expected[:, 1:]).sum(axis=1)
    np.testing.assert_allclose(net.batch_loss(mx.nd.array(out), nd).asnumpy(), loss, rtol=1e-5)


@pytest.mark.parametrize("name", ["skipgram_hs", "cbow_hs"])
def test_hierarchical_softmax_is_the_trees_normalized_probability(name):
    rng = np.random.RandomState(2)
    counts = rng.randint(0, 50, 40).tolist()
    net, batch = _built(name, token_counts=counts), _batch(rng)
    nd = {k: mx.nd.array(v) for k, v in batch.items()}
    out = net(*net.batch_inputs(nd)).asnumpy()
    u, nodes = _table(net.embedding), _table(net.output)
    tree = HuffmanTree(counts)
    mask = batch["mask"]
    if name == "skipgram_hs":
        log_p = tree.log_probabilities(u[batch["center"].astype(int)], nodes)  # (B, V), sums to 1 over words
        expected = np.take_along_axis(log_p, batch["contexts"].astype(int), axis=1)
        loss = -(expected * mask).sum(1) / mask.sum(1)
    else:
        hidden = (u[batch["contexts"].astype(int)] * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        log_p = tree.log_probabilities(hidden, nodes)
        expected = log_p[np.arange(len(mask)), batch["center"].astype(int)]
        loss = -expected
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(net.batch_loss(mx.nd.array(out), nd).asnumpy(), loss, rtol=1e-4, atol=1e-6)


# -- fastText (D2L 10.4) ------------------------------------------------------------------------------------
def _fnv1a_reference(text):
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) % 2 ** 32
    return h


def test_fasttext_hash_is_fnv1a_with_sign_extended_bytes():
    for word in ["<wh", "whe", "here>", "a", ""]:
        assert fasttext_hash(word) == _fnv1a_reference(word)
    # bytes >= 128 are sign-extended (fastText's int8_t cast), so non-ASCII n-grams differ from plain FNV-1a
    assert fasttext_hash("é") != _fnv1a_reference("é")
    h = 0x811C9DC5
    for byte in "é".encode("utf-8"):
        h = ((h ^ (byte | 0xFFFFFF00)) * 0x01000193) % 2 ** 32
    assert fasttext_hash("é") == h


def test_fasttext_vectors_are_sums_of_subword_rows_and_cover_unseen_words():
    words = ["<unk>", "where", "here", "there"]
    net = gluonx.get_model("fasttext_skipgram", vocab_size=4, embed_size=5, idx_to_token=words, num_buckets=97)
    net.initialize(mx.init.Uniform(1))
    table = _table(net.embedding)
    grams = char_ngrams("where", 3, 6)
    assert grams[-1] == "<where>"
    rows = [1] + [4 + fasttext_hash(g) % 97 for g in grams[:-1]]
    assert subword_rows("where", 4, 97, word_id=1) == rows
    np.testing.assert_allclose(net.word_vector("where"), table[rows].sum(0), rtol=1e-5)
    np.testing.assert_allclose(net.embedding_matrix()[1], table[rows].sum(0), rtol=1e-5)
    unseen = [4 + fasttext_hash(g) % 97 for g in char_ngrams("nowhere", 3, 6)[:-1]]
    np.testing.assert_allclose(net.word_vector("nowhere"), table[unseen].sum(0), rtol=1e-5)
    # the forward uses the same center vectors
    center, targets = mx.nd.array([1, 3]), mx.nd.array([[2, 3], [1, 1]])
    scores = net(center, targets).asnumpy()
    expected = np.einsum("bte,be->bt", _table(net.output)[[[2, 3], [1, 1]]], net.embedding_matrix()[[1, 3]])
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-6)


# -- GloVe (D2L 10.5) ---------------------------------------------------------------------------------------
def test_glove_cooccurrence_matches_brute_force_and_loss_formula():
    sentences = [np.array([1, 2, 3, 1, 4]), np.array([2, 2]), np.array([4, 1, 3])]
    rows, cols, values = cooccurrence(sentences, 5, window=2)
    expected = np.zeros((5, 5))
    for s in sentences:
        for i, j in itertools.product(range(len(s)), repeat=2):
            if 0 < abs(i - j) <= 2:
                expected[s[i], s[j]] += 1.0 / abs(i - j)
    dense = np.zeros((5, 5))
    dense[rows, cols] = values
    np.testing.assert_allclose(dense, expected)
    assert (values > 0).all() and len(values) == (expected > 0).sum()
    np.testing.assert_allclose(glove_weight([1, 50, 100, 300]), [0.01 ** 0.75, 0.5 ** 0.75, 1, 1])

    corpus = WordIdCorpus([["a", "b", "c", "a", "d"], ["b", "b"], ["d", "a", "c"]], min_count=1)
    source = GloVeSource(corpus, batch_size=4, window=2, x_max=3, alpha=0.5, shuffle=False)
    net = gluonx.get_model("glove", vocab_size=corpus.vocab_size, embed_size=3)
    net.initialize(mx.init.Uniform(1))
    batch = next(iter(source.batches(0)))
    nd = {k: mx.nd.array(v) for k, v in batch.items()}
    u, v = _table(net.embedding), _table(net.context)
    b, c = _table(net.bias)[:, 0], _table(net.context_bias)[:, 0]
    i, j = batch["rows"].astype(int), batch["cols"].astype(int)
    score = (u[i] * v[j]).sum(1) + b[i] + c[j]
    x = np.exp(batch["log_count"])
    expected = np.minimum(1, (x / 3) ** 0.5) * (score - np.log(x)) ** 2
    np.testing.assert_allclose(net.batch_loss(net(*net.batch_inputs(nd)), nd).asnumpy(), expected, rtol=1e-4)


# -- similarity and analogy (D2L 10.6) ----------------------------------------------------------------------
def test_nearest_and_analogy_match_brute_force(tmp_path):
    rng = np.random.RandomState(3)
    words = ["<unk>"] + ["w{}".format(i) for i in range(60)]
    vectors = rng.randn(61, 7).astype("float32")
    emb = WordEmbedding(words, vectors)
    original = vectors.copy()
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cos = unit @ unit[5]
    ranked = [i for i in np.argsort(-cos, kind="stable") if i not in (0, 5)][:4]
    assert [w for w, _ in emb.nearest("w4", k=4)] == [words[i] for i in ranked]
    assert emb.similarity("w4", "w9") == pytest.approx(float(unit[5] @ unit[10]), rel=1e-5)
    query = unit[2] - unit[1] + unit[3]
    scores = unit @ (query / np.linalg.norm(query))
    best = max((i for i in range(1, 61) if i not in (1, 2, 3)), key=lambda i: scores[i])
    assert emb.analogy("w0", "w1", "w2")[0][0] == words[best]
    # a constructed analogy: b - a + c lands on d
    vectors[10] = vectors[4] - vectors[3] + vectors[5]
    assert WordEmbedding(words, vectors).analogy("w2", "w3", "w4")[0][0] == "w9"
    # through a fastText .vec file (the loader of gluonx_nlp.data), unknown token left out
    path = emb.save(str(tmp_path / "v.vec"))
    loaded = WordEmbedding.from_file(path)
    assert loaded.words == words[1:]
    np.testing.assert_allclose(loaded.vectors, original[1:], rtol=1e-5)
    assert [w for w, _ in loaded.nearest("w4", 4)] == [w for w, _ in emb.nearest("w4", 4)]
    with pytest.raises(KeyError, match="no vector"):
        emb.nearest("absent")
