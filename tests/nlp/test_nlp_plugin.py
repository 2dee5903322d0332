"""The NLP plugin's registrations: found through its entry point, lazy, and every factory resolves."""
import ast
import json
import os
import subprocess
import sys

import pytest

import gluonx
from gluonx._registry import import_object
from plugin_fixtures import modules_after_listing

KINDS = ("datasets", "metrics", "models", "tasks")
ENTRIES = [info for kind in KINDS for info in gluonx.registry(kind).infos(plugin="nlp")]


def test_the_plugin_registers_its_datasets_and_metric():
    assert {info.name for info in ENTRIES} == BASE | CLASSIFICATION | SEQ2SEQ | EMBEDDING | LANGUAGE_MODELS


# the text pipeline's datasets and BLEU (gluonx_nlp.plugin)
BASE = {"python_docs_words", "text_corpus", "ptb", "imdb_reviews", "parallel_tsv", "snli", "corpus_bleu"}
# text classification and the BERT-style encoder (gluonx_nlp.classification.registration)
CLASSIFICATION = {"sentiment_grammar", "birnn_classifier", "text_cnn", "bert_encoder", "text-classification"}
# the translation part (gluonx_nlp.seq2seq.registration)
SEQ2SEQ = {"synthetic_translation", "seq2seq_gru", "seq2seq_lstm", "transformer_seq2seq", "translation"}
# the word-embedding part (gluonx_nlp.embedding.registration)
EMBEDDING = {"python_docs_word_ids", "word2vec", "glove", "skipgram_ns", "cbow_ns", "skipgram_hs", "cbow_hs",
             "fasttext_skipgram"}
# neural LMs with cheap outputs and the n-gram mixture (gluonx_nlp.lm.registration)
LANGUAGE_MODELS = {"sampled_softmax_lm", "shortlist_lm", "sampled-language-model"}


@pytest.mark.parametrize("info", ENTRIES, ids=lambda info: "{}:{}".format(info.kind, info.name))
def test_every_factory_resolves_and_names_its_book_section(info):
    assert info.book_section.startswith(("D2L ", "DL ")) and info.description
    assert callable(import_object(info.factory))


def test_listed_by_gluonx_plugins_without_importing_mxnet_or_the_plugin_code():
    env = dict(os.environ)
    env.pop("GLUONX_STRICT_PLUGINS", None)
    imported = modules_after_listing("gluonx_nlp", also=("gluonnlp",))
    # the hooks import the parts' registration tables (data only, no MXNet) and their packages, nothing else
    code = [m for m in ast.literal_eval(imported) if m not in ("gluonx_nlp", "gluonx_nlp.plugin")
            and not m.endswith(".registration") and m + ".registration" not in ast.literal_eval(imported)]
    assert code == [] and "'gluonx_nlp.plugin'" in imported, imported
    listing = subprocess.run([sys.executable, "-m", "gluonx", "plugins", "--json"], capture_output=True,
                             text=True, env=dict(env, GLUONX_STRICT_PLUGINS="1"), timeout=120)
    assert listing.returncode == 0, listing.stderr
    nlp = {p["name"]: p for p in json.loads(listing.stdout)}["nlp"]
    assert nlp["status"] == "loaded" and nlp["module"] == "gluonx_nlp.plugin"
    for kind in KINDS:
        assert nlp["entries"][kind] == len(gluonx.registry(kind).infos(plugin="nlp")), kind
    assert nlp["entries"]["recipes"] == len(gluonx.registry("recipes").infos(plugin="nlp")) >= 3
