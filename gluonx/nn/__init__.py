"""Core HybridBlocks, one family per file (imports MXNet).

Each layer cites the book section it implements.
"""
__all__ = []
