"""Atomic file and folder writes: a reader sees the old content or the new one, never a half-written file.

The content is written to a temporary name in the same folder, flushed and fsynced, then renamed over the
target with ``os.replace`` (atomic on POSIX and Windows); the folder itself is fsynced so the rename survives
a crash.

Files and folders get the permissions a plain ``open``/``mkdir`` would give under the process umask
(``mkstemp``/``mkdtemp`` alone would make them private: 0600 and 0700), so a serving account or another
user of a shared file system can read what gluonx writes. A write that fails because the disk is full
raises :class:`DiskFullError` naming the file. Temporary names are recognisable (``.NAME.XXXXXXXX.tmp``)
so that :func:`remove_stale_temporaries` can clean up after a killed run without touching anything else.

:func:`fault_point` is the fault-injection hook of the kill tests: ``GLUONX_FAULT_POINT=NAME`` makes the
process SIGKILL itself when it reaches the point ``NAME``; ``GLUONX_FAULT_TRACE=FILE`` appends the name of
every point reached to ``FILE`` (so a test can check that it kills at every step).
"""
import contextlib
import errno
import json
import os
import re
import shutil
import signal
import tempfile

__all__ = ["atomic_write", "write_bytes", "write_json", "atomic_directory", "DiskFullError", "disk_full_error",
           "save_ndarrays", "current_umask", "apply_umask", "fault_point", "remove_stale_temporaries",
           "TEMPORARY_NAME"]

#: The name ``atomic_write`` gives its temporary file: ``.TARGET.XXXXXXXX.tmp`` (mkstemp's 8 random characters).
TEMPORARY_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
FAULT_ENV = "GLUONX_FAULT_POINT"
FAULT_TRACE_ENV = "GLUONX_FAULT_TRACE"
_FULL_ERRNOS = tuple(code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EFBIG) if code)


_FAULT_HITS = {}


def fault_point(name):
    """A step at which the kill tests stop the process (see the module docstring); a no-op otherwise.

    ``GLUONX_FAULT_POINT=NAME`` kills at the first time the process reaches ``NAME``, ``NAME@N`` at the
    N-th time.
    """
    trace = os.environ.get(FAULT_TRACE_ENV)
    if trace:
        with open(trace, "a", encoding="utf-8") as handle:
            handle.write(name + "\n")
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    target, _, nth = wanted.partition("@")
    if target == name:
        _FAULT_HITS[name] = _FAULT_HITS.get(name, 0) + 1
        if _FAULT_HITS[name] == int(nth or 1):
            os.kill(os.getpid(), signal.SIGKILL)


def current_umask():
    """The process umask, read without changing it where the platform allows (``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no race-free query elsewhere: set and restore at once
    os.umask(mask)
    return mask


def apply_umask(path, folder=False):
    """Give ``path`` the mode a plain ``open`` (0666) or ``mkdir`` (0777) would under the current umask."""
    os.chmod(path, (0o777 if folder else 0o666) & ~current_umask())


class DiskFullError(OSError):
    """A write ran out of space (disk full, quota, or file size limit); the message names the file."""

    def __str__(self):
        return self.strerror


def disk_full_error(path, err=None):
    """A :class:`DiskFullError` for ``path`` if ``err`` is an out-of-space failure (an ``OSError`` with
    ENOSPC/EDQUOT/EFBIG, or MXNet's ``FileStream.Write incomplete``) or ``err`` is None; else None."""
    if err is not None:
        if isinstance(err, OSError):
            if err.errno not in _FULL_ERRNOS:
                return None
        elif "Write incomplete" not in str(err):
            return None
    return DiskFullError(errno.ENOSPC, "no space left on device writing {}".format(path))


def save_ndarrays(path, arrays):
    """``mx.nd.save`` that reports a full disk as :class:`DiskFullError` naming ``path`` (MXNet says only
    "FileStream.Write incomplete")."""
    import mxnet as mx
    try:
        mx.nd.save(path, arrays)
    except (mx.base.MXNetError, OSError) as err:
        full = disk_full_error(path, err)
        if full is None:
            raise
        raise full from None


def remove_stale_temporaries(folder, patterns=(TEMPORARY_NAME,)):
    """Delete entries of ``folder`` whose names match one of ``patterns`` (left by a killed run).

    Only names gluonx gives its temporaries match; a symlink is removed, never followed. Returns the
    names removed.
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in sorted(names):
        if not any(pattern.match(name) for pattern in patterns):
            continue
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)
        removed.append(name)
    return removed


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path, mode="wb", encoding=None):
    """Open a temporary file beside ``path``; on success it replaces ``path``, on error it is removed.

    Examples
    --------
    >>> import os, tempfile
    >>> from gluonx.utils.atomic import atomic_write
    >>> target = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with atomic_write(target, "w") as handle:
    ...     _ = handle.write("hello")
    >>> open(target).read()
    'hello'
    """
    if mode not in ("w", "wb"):
        raise ValueError("atomic_write mode must be 'w' or 'wb', got {!r}".format(mode))
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        try:
            with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as err:
            full = disk_full_error(path, err)
            if full is None:
                raise
            raise full from None
        os.replace(tmp, path)
        _fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_bytes(path, data):
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path, "wb") as handle:
        handle.write(data)
    return path


def write_json(path, obj):
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    with atomic_write(path, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, indent=2, sort_keys=True)
        handle.write("\n")
    return path


@contextlib.contextmanager
def atomic_directory(path):
    """Yield a temporary folder beside ``path``; on success it is renamed to ``path`` (which must not exist).

    Every file written inside should be complete when the block ends; they are fsynced before the rename.
    """
    path = os.fspath(path).rstrip(os.sep)
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.exists(path):
        raise FileExistsError("{} already exists; refusing to replace it".format(path))
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=parent)
    try:
        apply_umask(tmp, folder=True)
        yield tmp
        for name in os.listdir(tmp):
            file_path = os.path.join(tmp, name)
            if os.path.isfile(file_path):
                with open(file_path, "rb") as handle:
                    os.fsync(handle.fileno())
        _fsync_dir(tmp)
        os.rename(tmp, path)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
