"""Hook implementations of the NLP plugin (lazy "module:attr" factories only; imports nothing heavy)."""
import importlib

import gluonx

_DATA = "gluonx_nlp.data."

#: Modules that register one part of the plugin each (their ``register_<kind>(registry)`` functions, plain
#: functions without the hook marker); a part adds its module here, one line.
_PARTS = (
    "gluonx_nlp.classification.registration",
    "gluonx_nlp.seq2seq.registration",
    "gluonx_nlp.embedding.registration",
    "gluonx_nlp.lm.registration",
)


def _register_parts(kind, registry):
    for name in _PARTS:
        function = getattr(importlib.import_module(name), "register_" + kind, None)
        if function is not None:
            function(registry)


@gluonx.hookimpl
def register_datasets(registry):
    """The real text formats (read from files the user has; nothing is downloaded)."""
    registry.register("python_docs_words", _DATA + "embedded:PythonDocsSentences", task="language-model",
                      book_section="D2L 10.3.1", embedded=True,
                      description="CPython's help text (as python_docs) split into sentences of lower-case "
                                  "words (ships with Python; the text varies with the Python version)")
    registry.register("text_corpus", _DATA + "corpus:TextCorpus", task="language-model", book_section="D2L 6.3",
                      description="a UTF-8 text file as token lists, one per non-empty line (path=..., "
                                  "tokenizer=...)")
    registry.register("ptb", _DATA + "corpus:PTBCorpus", task="language-model", book_section="D2L 10.3.1",
                      description="Penn Treebank LM data ptb.{train,valid,test}.txt under root, <eos> per line")
    registry.register("imdb_reviews", _DATA + "imdb:IMDbReviews", task="text-classification",
                      book_section="D2L 10.7", num_classes=2,
                      description="IMDb aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt as (text, label)")
    registry.register("parallel_tsv", _DATA + "parallel:ParallelCorpus", task="translation",
                      book_section="D2L 10.12.1",
                      description="tab-separated sentence pairs (the book's fra-eng fra.txt, attribution "
                                  "column kept) as (source tokens, target tokens)")
    registry.register("snli", _DATA + "snli:SNLIPairs", task="natural-language-inference",
                      book_section="D2L 15.4 (English edition)", num_classes=3,
                      description="SNLI JSONL as (premise, hypothesis, label); gold_label '-' skipped")
    _register_parts("datasets", registry)


@gluonx.hookimpl
def register_metrics(registry):
    """Corpus BLEU for translation (D2L 10.12.4 evaluates with BLEU; the corpus form is the one papers report)."""
    registry.register("corpus_bleu", "gluonx_nlp.metrics.bleu:CorpusBLEU", task="translation",
                      book_section="D2L 10.12.4",
                      description="corpus BLEU-4 on token lists, equal to sacrebleu (tokenize='none', exp "
                                  "smoothing by default), as a fraction in [0, 1]")
    _register_parts("metrics", registry)


@gluonx.hookimpl
def register_models(registry):
    _register_parts("models", registry)


@gluonx.hookimpl
def register_tasks(registry):
    _register_parts("tasks", registry)


@gluonx.hookimpl
def register_recipes(registry):
    _register_parts("recipes", registry)
