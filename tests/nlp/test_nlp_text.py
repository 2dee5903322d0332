"""Text pipeline: tokenizers, the vocabulary (same index order as gluonnlp's Vocab), padding and bucketing."""
import collections

import numpy as np
import pytest

from gluonx_nlp.text import BucketBatchSampler, CharTokenizer, Vocabulary, WordTokenizer, pad_sequences
from gluonx_nlp.text.batching import padding_ratio


def _stdlib_text():
    # Real English prose that ships with Python: the docstrings of a few standard modules.
    import argparse, collections as c, decimal, difflib, json as j, random as r
    return "\n".join(m.__doc__ for m in (argparse, c, decimal, difflib, j, r))


def test_word_tokenizer_whitespace_and_punctuation():
    assert WordTokenizer()("The Time  Machine,\tby H. G.") == ["The", "Time", "Machine,", "by", "H.", "G."]
    tok = WordTokenizer(lower=True, split_punctuation=True)
    # D2L 10.12.1: non-breaking spaces become spaces, punctuation marks become tokens, apostrophes stay inside.
    assert tok("Va\u202f! J'ai  perdu.") == ["va", "!", "j'ai", "perdu", "."]
    with pytest.raises(TypeError, match="expects a str"):
        tok(["not", "a", "line"])


def test_char_tokenizer():
    assert CharTokenizer()("ab c\n") == ["a", "b", " ", "c"]
    assert CharTokenizer(lower=True, keep_spaces=False)("Ab C") == ["a", "b", "c"]


@pytest.mark.parametrize("min_freq,max_size", [(1, None), (2, None), (3, 20), (1, 5)])
def test_vocabulary_matches_gluonnlp_index_order(min_freq, max_size):
    counter = collections.Counter(WordTokenizer(lower=True, split_punctuation=True)(_stdlib_text()))
    assert len(counter) > 200
    ours = Vocabulary(counter, min_freq=min_freq, max_size=max_size)
    tokens = ["the", "<pad>", "never-seen-token", "a"]
    gluonnlp = pytest.importorskip("gluonnlp")
    vocab = gluonnlp.Vocab(counter, min_freq=min_freq, max_size=max_size, unknown_token="<unk>",
                           padding_token="<pad>", bos_token="<bos>", eos_token="<eos>")
    theirs = {"idx_to_token": vocab.idx_to_token, "indices": vocab[tokens]}
    assert ours.idx_to_token == theirs["idx_to_token"]
    assert ours[tokens] == theirs["indices"]
    known = [t for t in tokens if t in ours]
    assert ours.to_tokens(ours[known]) == known and "<pad>" in known


def test_vocabulary_reserved_tokens_and_min_freq():
    vocab = Vocabulary([["a", "b", "b", "c", "c", "c"], ["c"]], min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "<eos>", "c", "b"]
    assert vocab["a"] == vocab.unknown_index == 0 and vocab.index_of("<eos>") == 3
    assert "a" not in vocab and len(vocab) == 6
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(reserved_tokens=("<pad>", "<pad>"))
    with pytest.raises(ValueError, match="min_freq"):
        Vocabulary(min_freq=0)
    with pytest.raises(IndexError, match="out of range"):
        vocab.to_tokens(6)


def test_pad_sequences_valid_lengths_mask_the_padding():
    mx = pytest.importorskip("mxnet")
    seqs = [[5, 6, 7], [8], [], [9, 10, 11, 12, 13]]
    padded, lengths = pad_sequences(seqs, pad_value=1)
    assert padded.shape == (4, 5) and lengths.tolist() == [3, 1, 0, 5]
    for row, seq in zip(padded, seqs):
        assert row[:len(seq)].tolist() == seq and (row[len(seq):] == 1).all()
    # What a model does with them: SequenceMask zeroes exactly the padding positions.
    masked = mx.nd.SequenceMask(mx.nd.array(padded).T, mx.nd.array(lengths), use_sequence_length=True).T
    assert masked.asnumpy().sum() == sum(map(sum, seqs))
    truncated, lengths = pad_sequences(seqs, pad_value=0, max_len=2)  # D2L 10.7.1 truncate_pad
    assert truncated.tolist() == [[5, 6], [8, 0], [0, 0], [9, 10]] and lengths.tolist() == [2, 1, 0, 2]


def _lengths(n=2000, seed=0):
    rng = np.random.RandomState(seed)
    return np.clip(rng.lognormal(mean=2.5, sigma=0.6, size=n).astype(int), 1, 200)


def test_bucketing_covers_every_example_once_and_limits_padding():
    lengths = _lengths()
    sampler = BucketBatchSampler(lengths, batch_size=32, window=20, seed=1)
    batches = list(sampler)
    assert len(batches) == len(sampler)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    rng = np.random.RandomState(2)
    order = rng.permutation(len(lengths))
    random_batches = [order[i:i + 32] for i in range(0, len(order), 32)]
    bucketed, plain = padding_ratio(lengths, batches), padding_ratio(lengths, random_batches)
    # Measured on these lengths: 0.15 bucketed (window 20), 0.06 for one global sort, 0.67 random.
    assert bucketed < 0.2 and plain > 0.5
    assert padding_ratio(lengths, BucketBatchSampler(lengths, 32, shuffle=False)) < bucketed
    assert list(sampler) != batches  # a new shuffle each epoch


def test_bucketing_without_shuffle_and_discarding_last_batch():
    lengths = [3, 9, 1, 7, 5]
    sampler = BucketBatchSampler(lengths, batch_size=2, shuffle=False)
    assert list(sampler) == [[1, 3], [4, 0], [2]] and len(sampler) == 3
    sampler = BucketBatchSampler(lengths, batch_size=2, shuffle=False, last_batch="discard")
    assert list(sampler) == [[1, 3], [4, 0]] and len(sampler) == 2
    sampler = BucketBatchSampler(_lengths(103), batch_size=10, window=3, last_batch="discard", seed=0)
    assert len(list(sampler)) == len(sampler) and all(len(b) == 10 for b in sampler)
    with pytest.raises(ValueError, match="last_batch"):
        BucketBatchSampler(lengths, 2, last_batch="pad")
    with pytest.raises(ValueError, match="batch_size must be positive"):
        BucketBatchSampler(lengths, 0)
    with pytest.raises(ValueError, match="max_len must be zero or more"):
        pad_sequences([[1]], 0, max_len=-1)


def test_bucket_sampler_drives_a_gluon_data_loader():
    mx = pytest.importorskip("mxnet")
    lengths = _lengths(200, seed=3)
    data = [list(range(2, 2 + n)) for n in lengths]

    def collate(samples):
        padded, valid = pad_sequences(samples, pad_value=0)
        return mx.nd.array(padded), mx.nd.array(valid)

    loader = mx.gluon.data.DataLoader(mx.gluon.data.SimpleDataset(data), batch_sampler=BucketBatchSampler(
        lengths, batch_size=16, seed=0), batchify_fn=collate)
    seen = 0
    for padded, valid in loader:
        assert padded.shape[1] == valid.max().asscalar()
        seen += padded.shape[0]
    assert seen == len(data)


def test_bpe_reproduces_the_books_example():
    from gluonx_nlp.text import BPE
    # The English edition's D2L 14.6.2: 10 merges on {fast: 4, faster: 3, tall: 5, taller: 4}; the book prints
    # these symbols and segments "tallest" and "fatter" as below.
    bpe = BPE(10).fit({"fast": 4, "faster": 3, "tall": 5, "taller": 4})
    assert bpe.symbols[-10:] == ["ta", "tal", "tall", "fa", "fas", "fast", "er", "er_", "tall_", "fast_"]
    assert [" ".join(bpe.segment(w)) for w in ("tallest", "fatter")] == ["tall e s t _", "fa t t er_"]
    assert bpe("tall fast") == ["tall_", "fast_"]
    assert bpe.segment("tz") == ["t", "[UNK]"]  # as the book: the uncovered rest is one [UNK]


def test_bpe_merges_by_hand_and_segments_cover_the_words():
    from gluonx_nlp.text import BPE
    # "aaab": pairs (a,a) x2, (a,b) x1, (b,_) x1 -> merge "aa"; then "aa a b _": (aa,a), (a,b), (b,_) all 1
    # -> the first met, "aaa".
    bpe = BPE(2).fit(["aaab"])
    assert bpe.merges == [("a", "a"), ("aa", "a")] and bpe.segment("aaab") == ["aaa", "b", "_"]
    words = _stdlib_text().lower().split()
    bpe = BPE(200).fit(words)
    assert len(bpe.merges) == 200
    for word in set(words):
        assert "".join(bpe.segment(word)) == word + "_"  # every training character is a symbol
    assert bpe.segment("\u2603") == ["[UNK]"]  # a character never seen
    with pytest.raises(ValueError, match="fit"):
        BPE(1).segment("a")


def test_fasttext_character_ngrams():
    from gluonx_nlp.text import char_ngrams
    # D2L 10.4: the 3-grams of "where" and the special subword "<where>".
    assert char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>", "<where>"]
    assert len(char_ngrams("where")) == 5 + 4 + 3 + 2 + 1  # n = 3..6 of "<where>" (7 chars), itself once
