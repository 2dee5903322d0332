"""Core image reading: decoded pixels equal what PIL wrote, and bad files are named in one line."""
import numpy as np
import pytest
from PIL import Image

from gluonx.data.images import DataFileError, read_image, require_file


def test_read_image_returns_rgb_uint8(tmp_path):
    pixels = np.random.RandomState(0).randint(0, 256, (7, 9, 3)).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "a.png")
    Image.fromarray(pixels[..., 0]).save(tmp_path / "grey.png")
    np.testing.assert_array_equal(read_image(str(tmp_path / "a.png")), pixels)
    grey = read_image(str(tmp_path / "grey.png"))
    assert grey.shape == (7, 9, 3) and grey.dtype == np.uint8
    np.testing.assert_array_equal(grey[..., 2], pixels[..., 0])


def test_missing_and_corrupt_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing\.png: image not found"):
        read_image(str(tmp_path / "nothing.png"))
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataFileError, match=r"broken\.jpg: cannot decode the image"):
        read_image(str(tmp_path / "broken.jpg"))
    with pytest.raises(FileNotFoundError, match="annotation file not found"):
        require_file(str(tmp_path), "annotation file")

