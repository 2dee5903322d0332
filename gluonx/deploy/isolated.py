"""Run Python code in a fresh process in which gluonx (and every ``gluonx_*`` plugin) cannot be imported.

This is how ``gluonx.export(verify="isolated")`` and the conformance kit prove that an exported model
deploys with MXNet alone.
"""
import os
import subprocess
import sys
import textwrap

#: Prepended to every isolated script: a meta-path finder that refuses gluonx and its plugins, then a
#: check that the refusal works.
BLOCK_GLUONX = textwrap.dedent('''
    import sys
    class _NoGluonx:
        def find_spec(self, name, path=None, target=None):
            if name == "gluonx" or name.startswith(("gluonx.", "gluonx_")):
                raise ImportError("gluonx is deliberately not importable in this process")
            return None
    sys.meta_path.insert(0, _NoGluonx())
    try:
        import gluonx
    except ImportError:
        pass
    else:
        raise SystemExit("isolation failed: gluonx could be imported")
''')


def run_isolated(script, args=(), cwd=None, timeout=300, env=None):
    """Run ``script`` with ``python -c`` in a process where gluonx is not importable.

    Parameters
    ----------
    script : str
        Python source; ``sys.argv[1:]`` are ``args``.
    args : sequence of str
        Command-line arguments.
    cwd : str, optional
        Working directory (use a folder outside the source tree).
    timeout : float
        Seconds before the process is killed.
    env : dict, optional
        Extra environment variables.

    Returns
    -------
    subprocess.CompletedProcess
        With captured text output.

    Raises
    ------
    AssertionError
        If the process exits non-zero; the message holds its stderr.
    """
    environ = dict(os.environ)
    environ.pop("PYTHONPATH", None)
    environ.update(env or {})
    proc = subprocess.run([sys.executable, "-c", BLOCK_GLUONX + textwrap.dedent(script)] + list(args),
                          cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError("isolated process failed (exit {}):\n{}\n{}".format(
            proc.returncode, proc.stdout[-4000:], proc.stderr[-4000:]))
    return proc
