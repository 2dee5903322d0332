"""The idx-ubyte file format (MNIST, Fashion-MNIST): strict reader and writer, raw or gzip.

Format: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
0x0E float64), the number of dimensions, then each dimension as a big-endian uint32, then the data,
big-endian, row-major.
"""
import gzip
import os
import struct

import numpy as np

#: type code → big-endian NumPy dtype
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}


class IdxFormatError(ValueError):
    """A file that is not a well-formed idx-ubyte file."""


def _open(path):
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path):
    """Read an idx file (raw or gzip-compressed, detected from its content).

    Parameters
    ----------
    path : str
        File path.

    Returns
    -------
    numpy.ndarray
        In native byte order.

    Raises
    ------
    IdxFormatError
        Bad magic number, unknown type code, truncated data or trailing bytes; the message names the file.
    """
    try:
        with _open(path) as handle:
            content = handle.read()
    except (OSError, EOFError) as err:
        raise IdxFormatError("{}: cannot be read as an idx file ({})".format(path, err)) from None
    if len(content) < 4 or content[:2] != b"\x00\x00":
        raise IdxFormatError("{}: not an idx file: expected the magic number 0x0000TTNN, got {!r}".format(
            path, content[:4]))
    code, ndim = content[2], content[3]
    if code not in IDX_TYPES:
        raise IdxFormatError("{}: unknown idx type code 0x{:02X}; expected one of {}".format(
            path, code, ", ".join("0x{:02X}".format(c) for c in IDX_TYPES)))
    header = 4 + 4 * ndim
    if ndim == 0 or len(content) < header:
        raise IdxFormatError("{}: idx header declares {} dimensions but the file is {} bytes".format(
            path, ndim, len(content)))
    shape = struct.unpack(">" + "I" * ndim, content[4:header])
    dtype = np.dtype(IDX_TYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(content) - header
    if actual != expected:
        raise IdxFormatError("{}: idx header declares shape {} ({} data bytes) but the file holds {} data bytes{}"
                             .format(path, shape, expected, actual, " (truncated)" if actual < expected else ""))
    return np.frombuffer(content, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array, compress=None):
    """Write ``array`` as an idx file (gzip if ``compress`` or the path ends in ``.gz``), atomically."""
    array = np.ascontiguousarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError("idx cannot store dtype {}; use one of uint8, int8, int16, int32, float32, float64"
                         .format(array.dtype))
    payload = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    payload += array.astype(IDX_TYPES[code]).tobytes()
    if compress or (compress is None and str(path).endswith(".gz")):
        payload = gzip.compress(payload)
    tmp = "{}.tmp-{}".format(path, os.getpid())
    with open(tmp, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path
