"""Real text formats (tested on small files written in those formats): plain text and PTB, IMDb ``aclImdb``,
tab-separated parallel corpora, GloVe / fastText text vectors, SNLI JSONL."""
from .corpus import PTBCorpus, TextCorpus, read_corpus
from .embedded import PythonDocsSentences
from .errors import TextFormatError
from .imdb import IMDbReviews
from .parallel import ParallelCorpus, read_parallel_tsv
from .snli import SNLI_LABELS, SNLIPairs
from .vectors import OOV_POLICIES, TextVectors, embedding_matrix, load_text_vectors

__all__ = ["IMDbReviews", "OOV_POLICIES", "PTBCorpus", "ParallelCorpus", "PythonDocsSentences", "SNLIPairs",
           "SNLI_LABELS", "TextCorpus", "TextFormatError", "TextVectors", "embedding_matrix", "load_text_vectors",
           "read_corpus", "read_parallel_tsv"]
