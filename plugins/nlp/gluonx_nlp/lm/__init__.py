"""Count-based language models (DL 12.4.1)."""
from .kneser_ney import KneserNeyLM

__all__ = ["KneserNeyLM"]
