"""Text pipeline: tokenizers (word, character, BPE subwords), vocabulary, padding and length bucketing
(D2L 8.2, 9.5, 14.6)."""
from .batching import BucketBatchSampler, pad_sequences, padding_ratio
from .subword import BPE, char_ngrams
from .tokenizers import CharTokenizer, WordTokenizer
from .vocab import Vocabulary

__all__ = ["BPE", "BucketBatchSampler", "CharTokenizer", "Vocabulary", "WordTokenizer", "char_ngrams",
           "pad_sequences", "padding_ratio"]
