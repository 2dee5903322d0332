"""Registry entries of the word-embedding part of the NLP plugin (data only: lazy "module:attr" factories;
imports neither MXNet nor the models). Called from :mod:`gluonx_nlp.plugin`."""
from gluonx import InputSpec

_MODULE = "gluonx_nlp.embedding."
# Small example sizes keep each conformance run to a few seconds.
_VOCAB, _BATCH, _WIDTH, _EMBED = 30, 3, 4, 8
_KWARGS = {"vocab_size": _VOCAB, "embed_size": _EMBED}
_CENTER = InputSpec((_BATCH,), dtype="int32", vocab_size=_VOCAB, name="center (B,)")
_CONTEXTS = InputSpec((_BATCH, _WIDTH), dtype="int32", vocab_size=_VOCAB, name="contexts (B, C)")
_MASK = InputSpec((_BATCH, _WIDTH), low=0, high=1, name="context mask (B, C)")
_TARGETS = InputSpec((_BATCH, 6), dtype="int32", vocab_size=_VOCAB, name="targets (B, T)")
_SPARSE = "row_sparse gradients for the tables (nn.Embedding(sparse_grad=True)); "


def register_datasets(registry):
    registry.register("python_docs_word_ids", _MODULE + "corpus:PythonDocsWordIds", task="word2vec",
                      book_section="D2L 10.3.1", embedded=True,
                      description="python_docs_words as word ids over the words seen min_count=5 times in the "
                                  "first 90 % of the sentences (train) or the last 10 % (train=False), with "
                                  "the word counts (for embedding training)")


def register_tasks(registry):
    registry.register("word2vec", _MODULE + "tasks:Word2VecTask", primary_metric="loss", book_section="D2L 10.3",
                      description="word2vec-style embeddings on a word-id corpus: random-window center/context "
                                  "batches, subsampling, unigram^0.75 noise words; per-center loss; writes "
                                  "OUT/embedding.vec")
    registry.register("glove", _MODULE + "tasks:GloVeTask", primary_metric="loss", book_section="D2L 10.5",
                      description="GloVe on a word-id corpus: distance-weighted co-occurrences, weighted least "
                                  "squares on log counts (x_max 100, alpha 0.75); writes OUT/embedding.vec")


def register_models(registry):
    registry.register("skipgram_ns", _MODULE + "word2vec:skipgram_ns", task="word2vec", book_section="D2L 10.2.1",
                      description="word2vec skip-gram with negative sampling: scores u_o . v_c of (B, T) "
                                  "targets for (B,) centers; " + _SPARSE.rstrip("; "),
                      inputs=[_CENTER, _TARGETS], kwargs=dict(_KWARGS), onnx=True, tags=("embedding",))
    registry.register("cbow_ns", _MODULE + "word2vec:cbow_ns", task="word2vec", book_section="D2L 10.2.1",
                      description="word2vec CBOW with negative sampling: the masked mean of the context vectors "
                                  "scores (B, T) targets; " + _SPARSE.rstrip("; "),
                      inputs=[_CONTEXTS, _MASK, _TARGETS], kwargs=dict(_KWARGS), onnx=True, tags=("embedding",))
    registry.register("skipgram_hs", _MODULE + "word2vec:skipgram_hs", task="word2vec", book_section="D2L 10.2.2",
                      description="word2vec skip-gram with hierarchical softmax over a Huffman tree of the "
                                  "corpus counts (paths as constant arrays): log p(context | center), (B, C); "
                                  + _SPARSE.rstrip("; "),
                      inputs=[_CENTER, _CONTEXTS], kwargs=dict(_KWARGS), onnx=True, tags=("embedding",))
    registry.register("cbow_hs", _MODULE + "word2vec:cbow_hs", task="word2vec", book_section="D2L 10.2.2",
                      description="word2vec CBOW with hierarchical softmax over a Huffman tree: "
                                  "log p(center | contexts), (B,); " + _SPARSE.rstrip("; "),
                      inputs=[_CONTEXTS, _MASK, _CENTER], kwargs=dict(_KWARGS), onnx=True, tags=("embedding",))
    registry.register("fasttext_skipgram", _MODULE + "fasttext:fasttext_skipgram", task="word2vec",
                      book_section="D2L 10.4",
                      description="fastText: skip-gram with negative sampling whose center vector is the sum "
                                  "of the word's row and its hashed character 3- to 6-gram rows; vectors for "
                                  "unseen words; " + _SPARSE.rstrip("; "),
                      inputs=[_CENTER, _TARGETS], kwargs=dict(_KWARGS, num_buckets=50), onnx=True,
                      tags=("embedding", "subword"))
    registry.register("glove", _MODULE + "glove:glove", task="glove", book_section="D2L 10.5",
                      description="GloVe scorer u_i . v_j + b_i + c_j of (B,) word pairs, fitted to log "
                                  "co-occurrence counts; " + _SPARSE.rstrip("; "),
                      inputs=[_CENTER, InputSpec((_BATCH,), dtype="int32", vocab_size=_VOCAB, name="cols (B,)")],
                      kwargs=dict(_KWARGS), onnx=True, tags=("embedding",))


def register_recipes(registry):
    common = dict(dataset="python_docs_word_ids", optimizer="adam", lr=0.005, epochs=5, batch_size=1024,
                  threads=1, model_args={"embed_size": 100})
    for model, section in (("skipgram_ns", "D2L 10.3"), ("cbow_ns", "D2L 10.3"), ("skipgram_hs", "D2L 10.3"),
                           ("cbow_hs", "D2L 10.3"), ("fasttext_skipgram", "D2L 10.4")):
        registry.register("{}-python_docs_word_ids".format(model), model=model, book_section=section,
                          description="100-d vectors on the embedded Python help text: window 5, 5 noise "
                                      "words, subsampling 1e-4 (the word2vec task's defaults), lazy Adam; "
                                      "writes OUT/embedding.vec (docs/nlp.md)", **common)
    registry.register("glove-python_docs_word_ids", model="glove", dataset="python_docs_word_ids",
                      optimizer="adagrad", lr=0.05, epochs=20, batch_size=1024, threads=1,
                      model_args={"embed_size": 100}, book_section="D2L 10.5",
                      description="100-d GloVe vectors on the embedded Python help text, window 5, AdaGrad "
                                  "(GloVe's optimizer) with lazy row updates; writes OUT/embedding.vec")
