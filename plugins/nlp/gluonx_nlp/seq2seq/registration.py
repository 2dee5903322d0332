"""Registration of the translation part of the NLP plugin (called from ``gluonx_nlp.plugin``; lazy entries)."""
from gluonx import InputSpec

_ZOO = "gluonx_nlp.seq2seq.zoo:"
_VOCAB = 20


def _inputs():
    return [InputSpec((2, 6), dtype="int32", vocab_size=_VOCAB, dynamic_axes={1: "source_time"}, name="src"),
            InputSpec((2,), dtype="int32", low=1, length_of=(0, 1), name="src_valid_len"),
            InputSpec((2, 5), dtype="int32", vocab_size=_VOCAB, dynamic_axes={1: "target_time"}, name="tgt_in")]


def register_datasets(registry):
    registry.register("synthetic_translation", "gluonx_nlp.data.synthetic_translation:SyntheticTranslation",
                      task="translation", book_section="D2L 10.12.1", embedded=True,
                      description="generated English-like SVO -> invented SOV language pairs (seeded): reordering, "
                                  "gender/number agreement, case particles, inflection, 3-17 words; 8,000 train / "
                                  "500 test, one shared vocabulary")


def register_models(registry):
    common = dict(task="translation", inputs=_inputs(), onnx=True, tags=("seq2seq", "attention"))
    registry.register("seq2seq_gru", _ZOO + "seq2seq_gru", book_section="D2L 10.11",
                      description="GRU encoder-decoder with attention over the source (additive by default, "
                                  "attention='dot'), masked by the source's valid length; "
                                  "(src, src_valid_len, tgt_in) -> logits",
                      kwargs={"vocab_size": _VOCAB, "embed_size": 8, "hidden_size": 12}, **common)
    registry.register("seq2seq_lstm", _ZOO + "seq2seq_lstm", book_section="D2L 10.11, DL 12.4.5",
                      description="LSTM encoder-decoder with scaled dot-product attention by default "
                                  "(attention='additive'); (src, src_valid_len, tgt_in) -> logits",
                      kwargs={"vocab_size": _VOCAB, "embed_size": 8, "hidden_size": 12}, **common)
    registry.register("transformer_seq2seq", _ZOO + "transformer_seq2seq", book_section="D2L 10.11.3",
                      description="Transformer encoder-decoder (core MultiHeadAttention, PositionalEncoding), "
                                  "source masked by valid length, causal decoder self-attention",
                      kwargs={"vocab_size": _VOCAB, "units": 8, "hidden_size": 16, "num_heads": 2,
                              "num_layers": 1, "dropout": 0.0}, **common)


def register_tasks(registry):
    registry.register("translation", "gluonx_nlp.seq2seq.task:TranslationTask", primary_metric="bleu",
                      book_section="D2L 10.12",
                      description="(src, src_valid_len, tgt_in, tgt_valid_len, tgt_out) batches; masked softmax "
                                  "cross-entropy with teacher forcing; beam-search corpus BLEU and exact match "
                                  "on the test split after training")


def register_recipes(registry):
    registry.register("seq2seq_gru-synthetic_translation", model="seq2seq_gru", dataset="synthetic_translation",
                      optimizer="adam", lr=0.005, epochs=6, batch_size=64, clip_global_norm=1.0, threads=1,
                      model_args={"attention": "dot"}, book_section="D2L 10.12",
                      description="GRU + attention on the generated corpus; see docs/nlp.md for the measured "
                                  "BLEU and exact match")
