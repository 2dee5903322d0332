"""Text pipeline: tokenizers (word, character, BPE subwords), vocabulary, padding and length bucketing
(D2L 6.3, 10.4, 10.7.1, 10.12.1)."""
from .batching import BucketBatchSampler, pad_sequences, padding_ratio
from .subword import BPE, char_ngrams
from .tokenizers import CharTokenizer, WordTokenizer
from .vocab import Vocabulary

__all__ = ["BPE", "BucketBatchSampler", "CharTokenizer", "Vocabulary", "WordTokenizer", "char_ngrams",
           "pad_sequences", "padding_ratio"]
