"""The Pascal VOC colour map (D2L 9.9.1's ``VOC_COLORMAP``): kept in the core (:mod:`gluonx.utils.palette`),
where ``gluonx predict`` draws any segmenter's masks in it."""
from gluonx.utils.palette import colorize, voc_palette

__all__ = ["voc_palette", "colorize"]
