"""Pretraining-style text encoders (D2L 14.8, English edition: BERT) built from the core's attention blocks."""
