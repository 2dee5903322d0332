"""The NLP plugin's registrations: found through its entry point, lazy, and every factory resolves."""
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
    assert {info.name for info in ENTRIES} == {"python_docs_words", "text_corpus", "ptb", "imdb_reviews", "parallel_tsv", "snli",
                                               "corpus_bleu"} | EMBEDDING


# the word-embedding part (gluonx_nlp.embedding.registration)
EMBEDDING = {"python_docs_word_ids", "word2vec", "glove", "skipgram_ns", "cbow_ns", "skipgram_hs", "cbow_hs",
             "fasttext_skipgram"}


@pytest.mark.parametrize("info", ENTRIES, ids=lambda info: "{}:{}".format(info.kind, info.name))
def test_every_factory_resolves_and_names_its_book_section(info):
    assert info.book_section.startswith("D2L ") and info.description
    assert callable(import_object(info.factory))


def test_listed_by_gluonx_plugins_without_importing_mxnet_or_the_plugin_code():
    env = dict(os.environ)
    env.pop("GLUONX_STRICT_PLUGINS", None)
    # the parts' registration modules hold data only (lazy "module:attr" strings)
    assert modules_after_listing("gluonx_nlp", also=("gluonnlp",)) == (
        "['gluonx_nlp', 'gluonx_nlp.embedding', 'gluonx_nlp.embedding.registration', 'gluonx_nlp.plugin']")
    listing = subprocess.run([sys.executable, "-m", "gluonx", "plugins", "--json"], capture_output=True,
                             text=True, env=dict(env, GLUONX_STRICT_PLUGINS="1"), timeout=120)
    assert listing.returncode == 0, listing.stderr
    nlp = {p["name"]: p for p in json.loads(listing.stdout)}["nlp"]
    assert nlp["status"] == "loaded" and nlp["module"] == "gluonx_nlp.plugin"
    assert nlp["entries"]["datasets"] == 7 and nlp["entries"]["metrics"] == 1
    assert nlp["entries"]["models"] == 6 and nlp["entries"]["tasks"] == 2 and nlp["entries"]["recipes"] == 6
