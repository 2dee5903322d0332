"""Real text formats, on small files written here in exactly those formats; malformed lines name file and line."""
import json
import os

import numpy as np
import pytest

import gluonx
from gluonx_nlp.data import (IMDbReviews, ParallelCorpus, PTBCorpus, SNLIPairs, TextCorpus, TextFormatError,
                             TextVectors, load_text_vectors, read_parallel_tsv)
from gluonx_nlp.text import Vocabulary, WordTokenizer


def _write(path, text, mode="w"):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        f.write(text)
    return str(path)


PTB_TRAIN = (" aer banknote berlitz calloway centrust cluett fromstein gitano guterman\n"
             " pierre <unk> N years old will join the board as a nonexecutive director nov. N \n"
             " mr. <unk> is chairman of <unk> n.v. the dutch publishing group \n")


def test_ptb_layout(tmp_path):
    for split in ("train", "valid", "test"):
        _write(tmp_path / "ptb.{}.txt".format(split), PTB_TRAIN)
    corpus = gluonx.get_dataset("ptb", root=str(tmp_path), split="valid")
    assert len(corpus) == 3 and corpus[1][:3] == ["pierre", "<unk>", "N"] and corpus[1][-1] == "<eos>"
    assert len(corpus.tokens()) == sum(len(line.split()) + 1 for line in PTB_TRAIN.splitlines())
    with pytest.raises(ValueError, match="split"):
        PTBCorpus(str(tmp_path), split="dev")
    with pytest.raises(FileNotFoundError, match="ptb.train.txt"):
        PTBCorpus(str(tmp_path / "absent"))
    bad = _write(tmp_path / "bad" / "ptb.train.txt", PTB_TRAIN + " a line\twith a tab\n")
    with pytest.raises(TextFormatError, match=r"bad[/\\]ptb\.train\.txt:4: .*tab"):
        PTBCorpus(str(tmp_path / "bad"))


def test_plain_text_corpus_and_undecodable_line(tmp_path):
    path = _write(tmp_path / "book.txt", "\ufeffThe Time Machine, by H. G. Wells\n\nI\n")
    corpus = TextCorpus(path, tokenizer=WordTokenizer(lower=True, split_punctuation=True), eos="<eos>")
    assert corpus[0][:3] == ["the", "time", "machine"] and corpus[1] == ["i", "<eos>"] and len(corpus) == 2
    bad = _write(tmp_path / "latin1.txt", "fine\nfine too\ncaf\xe9\n".encode("latin-1"), mode="wb")
    with pytest.raises(TextFormatError, match=r"latin1\.txt:3: not UTF-8"):
        TextCorpus(bad)


def _imdb(root):
    _write(root / "aclImdb" / "train" / "pos" / "10_9.txt", "A wonderful film.<br /><br />Loved it.")
    _write(root / "aclImdb" / "train" / "pos" / "2_7.txt", "Good.")
    _write(root / "aclImdb" / "train" / "neg" / "0_3.txt", "Dull and long.")
    _write(root / "aclImdb" / "train" / "unsup" / "0_0.txt", "not read")
    for folder in ("pos", "neg"):
        os.makedirs(str(root / "aclImdb" / "test" / folder), exist_ok=True)


def test_imdb_folders(tmp_path):
    _imdb(tmp_path)
    train = gluonx.get_dataset("imdb_reviews", root=str(tmp_path))  # the parent of aclImdb works too
    assert [train[i] for i in range(len(train))] == [("Dull and long.", 0), ("Good.", 1),
                                                     ("A wonderful film.<br /><br />Loved it.", 1)]
    assert train.ratings == [3, 7, 9]
    assert len(IMDbReviews(str(tmp_path / "aclImdb"), split="test")) == 0
    _write(tmp_path / "aclImdb" / "train" / "neg" / "5_8.txt", "mislabelled")
    with pytest.raises(TextFormatError, match=r"5_8\.txt:0: rating 8 is not a neg rating"):
        IMDbReviews(str(tmp_path))
    os.remove(str(tmp_path / "aclImdb" / "train" / "neg" / "5_8.txt"))
    _write(tmp_path / "aclImdb" / "train" / "neg" / "review.txt", "no id")
    with pytest.raises(TextFormatError, match=r"review\.txt:0: .*<id>_<rating>\.txt"):
        IMDbReviews(str(tmp_path))


FRA = ("Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #1158250 (Wittydev)\n"
       "Hi.\tSalut\u202f!\tCC-BY 2.0 (France) Attribution: tatoeba.org #538123 (CM) & #509819 (Aiji)\n"
       "I lost.\tJ'ai perdu.\n")


def test_parallel_tsv_fra_eng(tmp_path):
    path = _write(tmp_path / "fra-eng" / "fra.txt", FRA)
    corpus = gluonx.get_dataset("parallel_tsv", path=path)
    assert corpus[0] == (["go", "."], ["va", "!"])
    assert corpus[1] == (["hi", "."], ["salut", "!"])  # the narrow no-break space of the real file
    assert corpus[2] == (["i", "lost", "."], ["j'ai", "perdu", "."])
    assert corpus.attributions[0].startswith("CC-BY 2.0") and corpus.attributions[2] is None
    assert len(ParallelCorpus(path, max_pairs=2)) == 2
    bad = _write(tmp_path / "bad.txt", FRA + "only one side\n")
    with pytest.raises(TextFormatError, match=r"bad\.txt:4: expected 'source<TAB>target.*found 1"):
        read_parallel_tsv(bad)
    bad = _write(tmp_path / "empty_side.txt", "Go.\t \n")
    with pytest.raises(TextFormatError, match=r"empty_side\.txt:1: the target sentence is empty"):
        read_parallel_tsv(bad)


def test_fasttext_and_glove_vectors_into_an_embedding(tmp_path):
    mx = pytest.importorskip("mxnet")
    rows = {"the": [0.5, -1.0, 2.0], "cat": [1.5, 0.25, -0.5], "new york": [3.0, 3.0, 3.0]}
    body = "".join("{} {}\n".format(w, " ".join(str(v) for v in vec)) for w, vec in rows.items())
    with pytest.raises(TextFormatError, match=r"wiki\.vec:1: the header announces 4 vectors, the file holds 3"):
        load_text_vectors(_write(tmp_path / "wiki.vec", "4 3\n" + body))
    vec = _write(tmp_path / "wiki.vec", "4 3\n" + body + "the 9 9 9\n")  # a repeat keeps the first vector
    glove = _write(tmp_path / "glove.6B.3d.txt", body)
    for path in (vec, glove):
        words, matrix = load_text_vectors(path)
        assert words == list(rows) and np.array_equal(matrix, np.array(list(rows.values()), np.float32))
    vectors = TextVectors(vec)
    vocab = Vocabulary([["the", "the", "cat", "dog"]])
    weights, found = vectors.embedding_matrix(vocab)
    assert found.tolist() == [vocab.idx_to_token[i] in ("the", "cat") for i in range(len(vocab))]
    # OOV policy 'zeros': <unk>, reserved tokens and "dog" get zero rows.
    assert not weights[~found].any()
    embedding = mx.gluon.nn.Embedding(len(vocab), vectors.dim)
    embedding.initialize()
    embedding.weight.set_data(mx.nd.array(weights))
    out = embedding(mx.nd.array(vocab[["cat", "dog", "the"]])).asnumpy()
    assert np.array_equal(out, [rows["cat"], [0, 0, 0], rows["the"]])
    mean, _ = vectors.embedding_matrix(vocab, oov="mean")
    assert np.allclose(mean[vocab["dog"]], np.mean(list(rows.values()), axis=0))
    random_rows, _ = vectors.embedding_matrix(vocab, oov="random", seed=3)
    again, _ = vectors.embedding_matrix(vocab, oov="random", seed=3)
    assert np.array_equal(random_rows, again) and random_rows[vocab["dog"]].any()
    assert np.array_equal(random_rows[vocab["cat"]], rows["cat"])
    with pytest.raises(ValueError, match="oov must be one of"):
        vectors.embedding_matrix(vocab, oov="skip")


@pytest.mark.parametrize("line,message", [
    ("cat 1.0 2.0\n", r"line\.vec:3: expected a word and 3 numbers, found 3"),
    ("cat 1.0 x 2.0\n", r"line\.vec:3: the last 3 fields must be numbers"),
    ("cat 1.0 nan 2.0\n", r"line\.vec:3: the vector of 'cat' is not finite"),
])
def test_malformed_vector_lines(tmp_path, line, message):
    path = _write(tmp_path / "line.vec", "2 3\nthe 1 2 3\n" + line)
    with pytest.raises(TextFormatError, match=message):
        load_text_vectors(path)


def _snli_line(label, s1="A man plays a guitar.", s2="A person makes music."):
    return json.dumps({"annotator_labels": [label], "captionID": "1#0", "gold_label": label,
                       "pairID": "1#0r1e", "sentence1": s1, "sentence1_binary_parse": "( A man )",
                       "sentence1_parse": "(ROOT)", "sentence2": s2, "sentence2_binary_parse": "( A person )",
                       "sentence2_parse": "(ROOT)"}) + "\n"


def test_snli_jsonl(tmp_path):
    path = _write(tmp_path / "snli_1.0_dev.jsonl", _snli_line("entailment") + _snli_line("-")
                  + _snli_line("neutral", s2="A man plays a song he wrote.") + _snli_line("contradiction"))
    pairs = gluonx.get_dataset("snli", path=path)
    assert len(pairs) == 3 and pairs.skipped == 1
    assert pairs[1] == ("A man plays a guitar.", "A man plays a song he wrote.", 2)
    assert pairs.labels == [0, 2, 1]
    for bad, message in [(_snli_line("maybe"), "gold_label must be one of"), ("{not json\n", "not a JSON object"),
                         ('{"gold_label": "neutral", "sentence1": "x"}\n', "'sentence2' is missing"),
                         ("[1, 2]\n", "expected a JSON object, found list")]:
        path = _write(tmp_path / "bad.jsonl", _snli_line("neutral") + bad)
        with pytest.raises(TextFormatError, match=r"bad\.jsonl:2: .*" + message):
            SNLIPairs(path)



def test_embedded_word_corpus():
    from gluonx.data.text_corpus import python_docs_text
    corpus = gluonx.get_dataset("python_docs_words")
    assert gluonx.get_dataset_info("python_docs_words").embedded
    assert len(corpus) > 2000 and len(corpus.tokens()) > 40000
    assert all(len(s) >= 3 and all(w == w.lower() and w.replace("'", "").isalpha() for w in s) for s in corpus)
    # The words come from the core's text, in order: a plain-prose sentence is found in it as is.
    text = " ".join(python_docs_text().lower().split())
    prose = next(s for s in corpus if len(s) > 8 and " ".join(s) in text)
    assert corpus.sentences.index(prose) < 20
    assert len(gluonx.get_dataset("python_docs_words", max_sentences=10)) == 10
