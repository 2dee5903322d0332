"""The folder that ``gluonx launch`` puts first on the ``PYTHONPATH`` of every process of a job.

It holds only ``sitecustomize.py`` (see :mod:`gluonx.dist.worker`); it is a package so that it is installed
with gluonx.
"""
