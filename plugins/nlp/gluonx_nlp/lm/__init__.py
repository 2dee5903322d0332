"""Language models: Kneser-Ney n-grams (DL 12.4.1), neural LMs with cheap outputs and their mixture
(DL 12.4.3-12.4.4; :mod:`gluonx_nlp.lm.neural`, :mod:`gluonx_nlp.lm.task`)."""

__all__ = ["KneserNeyLM"]


def __getattr__(name):
    # lazy, so importing the registration table (gluonx plugins) loads no model code
    if name == "KneserNeyLM":
        from .kneser_ney import KneserNeyLM
        return KneserNeyLM
    raise AttributeError("module 'gluonx_nlp.lm' has no attribute {!r}".format(name))
