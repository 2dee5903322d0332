"""Registry entries of text classification (D2L 10.7-10.8): plain ``register_<kind>(registry)`` functions that the
plugin's hooks call (see ``gluonx_nlp.plugin._PARTS``). Data only: lazy ``"module:attr"`` factories, no MXNet."""
from gluonx import InputSpec

_CLS = "gluonx_nlp.classification."
_VOCAB = 23
# Dynamic batch and sequence length; valid lengths in [1, T] at every probed length.
_TEXT_INPUTS = [InputSpec((2, 7), dtype="int32", vocab_size=_VOCAB, dynamic_axes={1: "time"}, name="tokens"),
                InputSpec((2,), dtype="int32", low=1, length_of=(0, 1), name="valid_length")]


def register_models(registry):
    common = dict(task="text-classification", inputs=_TEXT_INPUTS, onnx=True, tags=("text", "masked"))
    registry.register(
        "birnn_classifier", _CLS + "birnn:birnn_classifier", book_section="D2L 10.7",
        description="Deep bidirectional LSTM sentiment classifier on (tokens, valid_length): outputs at the first "
                    "and the last valid step, padding-invariant (each backward layer runs on the sequence reversed "
                    "within its valid length)",
        kwargs={"vocab_size": _VOCAB, "num_classes": 2, "embed_size": 8, "hidden_size": 6, "num_layers": 2},
        **common)
    registry.register(
        "text_cnn", _CLS + "text_cnn:text_cnn", book_section="D2L 10.8",
        description="textCNN on (tokens, valid_length): trained + constant embeddings, 1-D convolutions of widths "
                    "3/4/5, max-over-time pooling of the windows inside the review only, padding-invariant",
        kwargs={"vocab_size": _VOCAB, "num_classes": 2, "embed_size": 8, "num_channels": (4, 4, 4)}, **common)


    registry.register(
        "bert_encoder", "gluonx_nlp.encoders.bert:bert_encoder", task="sequence-encoder",
        book_section="D2L 14.8 (English edition)",
        description="BERT-style encoder from the core's multi-head attention: token + segment + learned position "
                    "embeddings, post-norm Transformer blocks, masked-LM logits at every position and next-sentence "
                    "logits; (tokens, segments, valid_length) -> (encoded, mlm_logits, nsp_logits)",
        kwargs={"vocab_size": _VOCAB, "units": 8, "hidden_size": 16, "num_heads": 2, "num_layers": 2,
                "max_length": 32},
        inputs=[_TEXT_INPUTS[0], InputSpec((2, 7), dtype="int32", low=0, high=2, dynamic_axes={1: "time"},
                                           name="segments"), _TEXT_INPUTS[1]],
        onnx=True, tags=("text", "masked", "transformer"))


def register_tasks(registry):
    registry.register("text-classification", _CLS + "task:TextClassificationTask", primary_metric="accuracy",
                      book_section="D2L 10.7",
                      description="token ids + valid lengths -> class logits, length-bucketed padded batches; "
                                  "softmax cross-entropy, accuracy")


def register_datasets(registry):
    registry.register("sentiment_grammar", "gluonx_nlp.data.sentiment_grammar:SentimentGrammar",
                      task="text-classification", book_section="D2L 10.7", embedded=True, num_classes=2,
                      description="generated movie-review sentences whose sentiment depends on negation and on "
                                  "the clause after 'but'/'yet'/'although' (a bag of words scores about chance); "
                                  "4,000 train / 1,000 test reviews, seeded")


def register_recipes(registry):
    registry.register(
        "birnn_classifier-sentiment_grammar", model="birnn_classifier", dataset="sentiment_grammar",
        optimizer="adam", lr=0.01, epochs=3, batch_size=64, threads=1, book_section="D2L 10.7",
        model_args={"embed_size": 32, "hidden_size": 32, "num_layers": 2},
        description="the book's 2-layer BiLSTM with its Adam lr 0.01, narrower (32 units, 32-d embeddings, no "
                    "GloVe) on the generated reviews; 3 epochs of batch 64; test accuracy 1.00 (bag of words: 0.49)")
    registry.register(
        "text_cnn-sentiment_grammar", model="text_cnn", dataset="sentiment_grammar", optimizer="adam", lr=0.005,
        epochs=4, batch_size=64, threads=1, book_section="D2L 10.8",
        model_args={"embed_size": 32, "num_channels": [64, 64, 64]},
        description="the book's textCNN (widths 3/4/5, dropout 0.5) with 32-d embeddings, 64 channels per width "
                    "and Adam 0.005 (the book's 0.001 reaches 0.77 in 5 epochs) on the generated reviews; 4 epochs "
                    "of batch 64; test accuracy 1.00 (bag of words: 0.49)")
