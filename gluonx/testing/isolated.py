"""Run Python code in a fresh process in which gluonx cannot be imported (see :mod:`gluonx.deploy.isolated`).

The implementation lives in :mod:`gluonx.deploy` because ``gluonx.export`` verifies exports with it;
the conformance kit re-exports it.
"""
from ..deploy.isolated import BLOCK_GLUONX, run_isolated

__all__ = ["BLOCK_GLUONX", "run_isolated"]
