"""gluonx optimizers plugin: both books' optimization chapters (D2L 7, DL 8.3-8.7, DL 4.3-4.5)."""
