"""Translation metrics: corpus BLEU (as sacrebleu computes it) and the book's per-sentence BLEU (D2L 10.12.4)."""
from .bleu import SMOOTH_METHODS, CorpusBLEU, bleu_statistics, book_bleu, corpus_bleu

__all__ = ["CorpusBLEU", "SMOOTH_METHODS", "bleu_statistics", "book_bleu", "corpus_bleu"]
