"""Text preprocessing of an export (the manifest's tokenizer + vocabulary): tokenization, ids, padding, valid
lengths, and the errors for malformed records; a random-weight text model exported and fed sentences."""
import numpy as np
import pytest

from gluonx.deploy.text_preprocessing import prepare_text, tokenize, validate_text_preprocessing

VOCAB = ["<unk>", "<pad>", "<bos>", "<eos>", "the", "film", "was", "good", "not", ",", "!"]


def _record(**changes):
    record = {"kind": "text", "tokenizer": {"type": "word", "lower": True, "split_punctuation": True},
              "vocabulary": VOCAB, "unknown_token": "<unk>", "pad_token": "<pad>"}
    record.update(changes)
    return validate_text_preprocessing(record, [(2, 5), (2,)])


def test_tokenizers_follow_their_spec():
    assert tokenize("Va\u202f! J'ai perdu.", {"type": "word", "lower": True, "split_punctuation": True}) == \
        ["va", "!", "j'ai", "perdu", "."]
    assert tokenize("The  film,", {"type": "word"}) == ["The", "film,"]
    assert tokenize("ab c\n", {"type": "char"}) == ["a", "b", " ", "c"]
    assert tokenize("Ab c", {"type": "char", "lower": True, "keep_spaces": False}) == ["a", "b", "c"]


def test_ids_padding_and_valid_lengths():
    ids, lengths = prepare_text(["The film was NOT good!", "the plot"], _record())
    index = {t: i for i, t in enumerate(VOCAB)}
    expected_first = [index[t] for t in ["the", "film", "was", "not", "good", "!"]]
    assert ids.dtype == np.int32 and lengths.tolist() == [6, 2]
    assert ids[0].tolist() == expected_first
    assert ids[1].tolist() == [index["the"], 0] + [1] * 4             # 'plot' is unknown, then padding
    ids, lengths = prepare_text("the film was good", _record(bos_token="<bos>", eos_token="<eos>", max_length=4))
    assert ids.tolist() == [[2, 4, 5, 6]] and lengths.tolist() == [4]


@pytest.mark.parametrize("changes, message", [
    ({"tokenizer": {"type": "bpe"}}, "tokenizer must be"),
    ({"tokenizer": {"type": "word", "stem": True}}, "unknown"),
    ({"vocabulary": ["a", "a"]}, "repeats"),
    ({"vocabulary": "abc"}, "list of token strings"),
    ({"pad_token": "<blank>"}, "not in the vocabulary"),
    ({"max_length": 0}, "positive integer"),
    ({"colour": "red"}, "unknown keys"),
])
def test_malformed_records_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        _record(**changes)


def test_the_first_input_must_be_token_ids():
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        validate_text_preprocessing(dict(_record()), [(2, 3, 4)])


def test_a_sentence_without_tokens_is_an_error():
    with pytest.raises(ValueError, match="sentence 1 .* no token"):
        prepare_text(["the film", "   "], _record())
