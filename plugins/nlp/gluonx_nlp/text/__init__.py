"""Text pipeline: tokenizers, vocabulary, padding and length bucketing (D2L 8.2, 9.5, 10.5)."""
from .batching import BucketBatchSampler, pad_sequences, padding_ratio
from .tokenizers import CharTokenizer, WordTokenizer
from .vocab import Vocabulary

__all__ = ["BucketBatchSampler", "CharTokenizer", "Vocabulary", "WordTokenizer", "pad_sequences",
           "padding_ratio"]
