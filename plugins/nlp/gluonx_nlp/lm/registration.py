"""Registry entries of the neural language models with cheap outputs (DL 12.4.3) and their task, whose final
scalars give the n-gram + neural mixture (DL 12.4.4). Data only: lazy "module:attr" factories, no MXNet.
Called from :mod:`gluonx_nlp.plugin`."""
from gluonx import InputSpec

_LM = "gluonx_nlp.lm."
# Small example sizes keep each conformance run to a few seconds; batch and sequence length are dynamic.
_VOCAB = 30
_TOKENS = InputSpec((2, 7), dtype="int32", vocab_size=_VOCAB, dynamic_axes={1: "time"}, name="tokens (N, T)")
_KWARGS = {"vocab_size": _VOCAB, "embed_size": 8, "hidden_size": 6}


def register_models(registry):
    common = dict(task="sampled-language-model", inputs=[_TOKENS], onnx=True, tags=("text", "rnn"))
    registry.register(
        "sampled_softmax_lm", _LM + "neural:sampled_softmax_lm", book_section="DL 12.4.3.3",
        description="word-level GRU LM trained with the importance-sampled softmax (candidates from the "
                    "unigram^0.75 proposal, log-Q correction); the forward gives full-softmax log-probabilities "
                    "(N, T, V) of batch-major tokens (N, T)",
        kwargs=dict(_KWARGS), **common)
    registry.register(
        "shortlist_lm", _LM + "neural:shortlist_lm", book_section="DL 12.4.3.2",
        description="word-level GRU LM with a short-list output: a softmax over the shortlist_size most frequent "
                    "words plus a rare-word class, and a softmax over the rare words (computed in training only "
                    "for rare targets); (N, T) tokens -> (N, T, V) log-probabilities",
        kwargs=dict(_KWARGS, shortlist_size=10), **common)


def register_tasks(registry):
    registry.register(
        "sampled-language-model", _LM + "task:SampledLanguageModelTask", primary_metric="perplexity",
        book_section="DL 12.4.3",
        description="sentences of words -> next-word log-probabilities; trains with the net's cheap loss "
                    "(importance-sampled softmax or short list), evaluates the exact perplexity, then reports "
                    "the Kneser-Ney + neural mixture's held-out perplexity (DL 12.4.4)")


def register_recipes(registry):
    common = dict(dataset="python_docs_words", optimizer="adam", lr=0.005, epochs=4, batch_size=32, threads=1,
                  clip_global_norm=5.0)
    registry.register(
        "sampled_softmax_lm-python_docs_words", model="sampled_softmax_lm", book_section="DL 12.4.3.3",
        model_args={"embed_size": 64, "hidden_size": 128},
        description="64-d embeddings, 128 GRU units, 200 sampled candidates per batch of 32 sentences, Adam "
                    "0.005, 4 epochs on the embedded Python help text (90 % / 10 %); prints the test "
                    "perplexity and the Kneser-Ney mixture's (docs/nlp.md)", **common)
    registry.register(
        "shortlist_lm-python_docs_words", model="shortlist_lm", book_section="DL 12.4.3.2",
        model_args={"embed_size": 64, "hidden_size": 128, "shortlist_size": 500},
        description="as sampled_softmax_lm's recipe with a 500-word short list and an exact rare-word softmax "
                    "instead of sampling", **common)
