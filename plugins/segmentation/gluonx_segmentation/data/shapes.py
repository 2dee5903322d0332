"""An embedded segmentation set: ellipses, triangles and stars cut from real photographs (D2L 9.9's task on
data that ships with scikit-learn, no download).

scikit-learn ships two photographs (``china.jpg`` and ``flower.jpg``, 427x640). A scene's background is a
randomly scaled, flipped and recoloured crop of one of them; one to ``max_objects`` shapes are filled with
another crop, tinted with a colour far from the background under them, so the object is told apart from
the background by its outline and not by a class colour. The classes are the shapes: 1 = ellipse (any
eccentricity and angle), 2 = triangle (any shape and angle), 3 = five- to seven-pointed star (non-convex);
0 = background. Shapes overlap little (later ones lie on top, and the mask says what is visible).

Scene ``i`` of a split is a pure function of ``(seed, split, i)``: the set is the same everywhere and is
drawn on access. Training scenes take their textures from the left 62.5 % of each photograph (columns
0-399), test scenes from the rest, so the two splits share no pixel.
"""
import numpy as np
from mxnet.gluon.data import Dataset

__all__ = ["ShapesSegmentation", "render_scene", "SHAPE_CLASSES"]

#: Class names in id order.
SHAPE_CLASSES = ("background", "ellipse", "triangle", "star")
_SPLITS = {"train": 0, "test": 1}
_TRAIN_COLUMNS = 400
_PHOTOS = {}


def _photos(split):
    """The two photographs' columns reserved for ``split``, as float arrays in [0, 1] (loaded once)."""
    if not _PHOTOS:
        from sklearn.datasets import load_sample_images
        for index, image in enumerate(load_sample_images().images):
            image = np.asarray(image, dtype=np.float32) / 255.0
            _PHOTOS[(index, 0)] = image[:, :_TRAIN_COLUMNS]
            _PHOTOS[(index, 1)] = image[:, _TRAIN_COLUMNS:]
    return [_PHOTOS[(index, split)] for index in range(2)]


def _texture(rng, photos, size):
    """A ``(size, size, 3)`` crop of a photograph at a random scale (1-3 photo pixels per pixel), flipped,
    with its channels permuted and its contrast changed."""
    photo = photos[rng.randint(len(photos))]
    scale = rng.uniform(1.0, 3.0)
    span = min(int(np.ceil(size * scale)), photo.shape[0], photo.shape[1])
    top, left = rng.randint(0, photo.shape[0] - span + 1), rng.randint(0, photo.shape[1] - span + 1)
    picks = np.minimum((np.arange(size) * span / size).astype(int), span - 1)
    crop = photo[top + picks][:, left + picks]
    if rng.rand() < 0.5:
        crop = crop[:, ::-1]
    crop = crop[..., rng.permutation(3)]
    contrast = rng.uniform(0.6, 1.2)
    return np.clip((crop - crop.mean()) * contrast + crop.mean(), 0, 1)


def _polygon_mask(size, points):
    from PIL import Image, ImageDraw
    canvas = Image.new("L", (size, size), 0)
    ImageDraw.Draw(canvas).polygon([(float(x), float(y)) for x, y in points], fill=1)
    return np.asarray(canvas, dtype=bool)


def _shape_mask(rng, kind, size, centre, radius):
    """Boolean ``(size, size)`` mask of one shape of class ``kind`` (1, 2, 3) around ``centre``."""
    angle = rng.uniform(0, 2 * np.pi)
    cx, cy = centre
    if kind == 1:  # ellipse
        yy, xx = np.mgrid[0:size, 0:size] + 0.5
        dx, dy = xx - cx, yy - cy
        u = dx * np.cos(angle) + dy * np.sin(angle)
        v = -dx * np.sin(angle) + dy * np.cos(angle)
        minor = radius * rng.uniform(0.45, 1.0)
        return (u / radius) ** 2 + (v / minor) ** 2 <= 1.0
    if kind == 2:  # triangle: three vertices at jittered angles
        angles = angle + np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3]) + rng.uniform(-0.35, 0.35, 3)
        radii = radius * rng.uniform(0.8, 1.1, 3)
    else:  # star: alternating outer and inner vertices
        points = rng.randint(5, 8)
        angles = angle + np.arange(2 * points) * np.pi / points
        radii = np.where(np.arange(2 * points) % 2 == 0, radius, radius * rng.uniform(0.4, 0.55))
    return _polygon_mask(size, np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], axis=1))


def render_scene(rng, photos, size=64, max_objects=3, radius=(0.18, 0.34), max_overlap=0.15):
    """Draw one scene; returns ``(image (size, size, 3) uint8, mask (size, size) uint8)``.

    Parameters
    ----------
    rng : numpy.random.RandomState
        The only source of randomness.
    photos : list of ndarray
        Float ``(H, W, 3)`` photographs in [0, 1] the textures are cut from.
    size : int
        Side of the square scene.
    max_objects : int
        Shapes per scene are drawn uniformly from 1..max_objects (fewer if no free spot is found).
    radius : (float, float)
        Range of a shape's outer radius relative to ``size``.
    max_overlap : float
        Largest share of a new shape that may cover earlier ones.
    """
    image = _texture(rng, photos, size)
    mask = np.zeros((size, size), dtype=np.uint8)
    for _ in range(rng.randint(1, max_objects + 1)):
        kind = rng.randint(1, len(SHAPE_CLASSES))
        for _attempt in range(20):
            r = rng.uniform(*radius) * size
            centre = rng.uniform(r * 0.7, size - r * 0.7, 2)
            shape = _shape_mask(rng, kind, size, centre, r)
            area = shape.sum()
            if area >= 12 and (shape & (mask > 0)).sum() <= max_overlap * area:
                break
        else:
            continue
        under = image[shape].mean(0)
        colour = np.where(under < 0.5, rng.uniform(0.65, 1.0, 3), rng.uniform(0.0, 0.35, 3))
        fill = 0.15 * _texture(rng, photos, size) + 0.85 * colour
        image[shape] = fill[shape]
        mask[shape] = kind
    noise = rng.uniform(0, 0.04)
    image = np.clip(image + rng.normal(0, noise, image.shape), 0, 1)
    return np.round(image * 255).astype(np.uint8), mask


class ShapesSegmentation(Dataset):
    """Embedded scenes of ellipses, triangles and stars on photographs (4 classes with the background).

    Parameters
    ----------
    train : bool
        Training or test split (textures from disjoint parts of the photographs, different scenes).
    num_images : int, optional
        Scenes in the split (default 1000 for training, 300 for test).
    image_size : int
        Side of the square RGB images.
    max_objects : int
        Up to this many shapes per scene.
    seed : int
        Seed of the whole set.

    Examples
    --------
    >>> data = ShapesSegmentation(train=False, num_images=2)
    >>> image, mask = data[0]
    >>> image.shape, mask.shape, image.dtype, mask.dtype
    ((64, 64, 3), (64, 64), dtype('uint8'), dtype('uint8'))
    """

    classes = SHAPE_CLASSES

    def __init__(self, train=True, num_images=None, image_size=64, max_objects=3, seed=0):
        self.num_images = int(num_images) if num_images is not None else (1000 if train else 300)
        if self.num_images < 0:
            raise ValueError("num_images must be non-negative, got {}".format(num_images))
        if int(image_size) < 32:
            raise ValueError("image_size must be at least 32, got {}".format(image_size))
        if int(max_objects) < 1:
            raise ValueError("max_objects must be at least 1, got {}".format(max_objects))
        self.image_size, self.max_objects, self.seed = int(image_size), int(max_objects), int(seed)
        self._split = _SPLITS["train" if train else "test"]
        self._photos = _photos(self._split)

    def __len__(self):
        return self.num_images

    def __getitem__(self, idx):
        if not -self.num_images <= idx < self.num_images:
            raise IndexError("scene {} is out of range for {} scenes".format(idx, self.num_images))
        idx %= self.num_images
        rng = np.random.RandomState([self.seed, self._split, idx])
        return render_scene(rng, self._photos, self.image_size, self.max_objects)
