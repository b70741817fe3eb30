"""What deep ConvNets learn: the image patches that excite chosen VGG16 units.

A *unit* is one channel of one convolutional layer.  Its activation at a
position of the feature map depends only on a square window of the input,
the unit's *receptive field*: a few pixels in the first layers, most of a
224 px image in block 5.  Following the lecture (after Zeiler and Fergus),
we run VGG16 over a set of images, find for each unit the images where it
fires most, and cut out the receptive field around the strongest position.

Everything runs offline: the probe images are tiles of the photos that
scikit-learn and scikit-image ship, of the course's paintings, and of LFW
faces read with ``helpers.data.lfw.load_people``.

* :func:`receptive_field`, :func:`patch_box` - geometry of VGG16's units;
* :func:`probe_images` - the image set (quick configuration: fewer, smaller);
* :func:`top_patches` - the most exciting patches of chosen units;
* :func:`show_top_patches` - one row of patches per unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from helpers.config import pick

#: VGG16's feature extractor, layer by layer ("conv": 3x3, stride 1,
#: padding "same"; "pool": 2x2 max pooling, stride 2).
VGG16_LAYOUT = (
    ("block1_conv1", "conv"), ("block1_conv2", "conv"), ("block1_pool", "pool"),
    ("block2_conv1", "conv"), ("block2_conv2", "conv"), ("block2_pool", "pool"),
    ("block3_conv1", "conv"), ("block3_conv2", "conv"), ("block3_conv3", "conv"),
    ("block3_pool", "pool"),
    ("block4_conv1", "conv"), ("block4_conv2", "conv"), ("block4_conv3", "conv"),
    ("block4_pool", "pool"),
    ("block5_conv1", "conv"), ("block5_conv2", "conv"), ("block5_conv3", "conv"),
    ("block5_pool", "pool"),
)

#: Photos shipped with scikit-learn / scikit-image used as probe images.
PROBE_PHOTOS = (
    "china", "flower", "astronaut", "chelsea", "coffee", "rocket", "camera",
    "coins", "hubble_deep_field", "immunohistochemistry", "brick", "grass",
    "gravel", "colorwheel", "retina",
)

#: Default layers for the lecture's progression, shallow to deep.
DEFAULT_LAYERS = (
    "block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3",
)


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of a layer's units, in input pixels.

    Unit ``(row, column)`` sees rows ``row * stride + start`` to
    ``row * stride + start + size - 1`` (likewise for columns); parts
    outside the image are zero padding.
    """

    size: int
    stride: int
    start: int


def receptive_field(layer_name):
    """Receptive field (size, stride, start) of units of a VGG16 layer."""
    names = [name for name, _ in VGG16_LAYOUT]
    if layer_name not in names:
        raise ValueError(
            f"Unknown VGG16 layer {layer_name!r}. Choose from: {', '.join(names)}."
        )
    size, stride, start = 1, 1, 0
    for name, kind in VGG16_LAYOUT:
        if kind == "conv":  # 3x3 window, one pixel of padding
            start -= stride
            size += 2 * stride
        else:  # 2x2 window, stride 2
            size += stride
            stride *= 2
        if name == layer_name:
            return ReceptiveField(size=size, stride=stride, start=start)
    raise AssertionError("unreachable")  # pragma: no cover


def patch_box(layer_name, row, column, image_shape):
    """(top, left, bottom, right) of a unit's receptive field, clipped to the image."""
    field_ = receptive_field(layer_name)
    height, width = image_shape[:2]
    if not (0 <= row and 0 <= column):
        raise ValueError(f"row and column must be >= 0, got ({row}, {column}).")
    top = row * field_.stride + field_.start
    left = column * field_.stride + field_.start
    box = (max(top, 0), max(left, 0),
           min(top + field_.size, height), min(left + field_.size, width))
    if box[0] >= box[2] or box[1] >= box[3]:
        raise ValueError(
            f"Unit ({row}, {column}) of {layer_name} lies outside a "
            f"{height}x{width} image."
        )
    return box


# --------------------------------------------------------------------------
# Probe images
# --------------------------------------------------------------------------


def _photo(name):
    """A packaged photo as float RGB in [0, 1]."""
    from helpers.style.images import CONTENT_IMAGES, load_content_image, to_float_image

    if name in CONTENT_IMAGES:
        return load_content_image(name)
    import skimage.data

    image = np.asarray(getattr(skimage.data, name)())
    if image.ndim == 3 and image.shape[-1] == 4:
        image = image[..., :3]
    return to_float_image(image, name=name)


def square_tiles(image, size, scales=(1,)):
    """Square tiles of ``size`` px: the image's short side resized to ``size * scale``."""
    from helpers.style.images import resize

    tiles = []
    height, width = image.shape[:2]
    for scale in scales:
        factor = size * scale / min(height, width)
        shape = (max(size, round(height * factor)), max(size, round(width * factor)))
        resized = resize(image, shape)
        rows, columns = shape[0] // size, shape[1] // size
        top0, left0 = (shape[0] - rows * size) // 2, (shape[1] - columns * size) // 2
        for r in range(rows):
            for c in range(columns):
                top, left = top0 + r * size, left0 + c * size
                tiles.append(resized[top:top + size, left:left + size])
    return tiles


def face_mosaics(count, size, seed=0):
    """``count`` tiles of 2x2 LFW faces (LFW through helpers.data.lfw, as in notebook 00)."""
    from helpers.data.lfw import load_people
    from helpers.style.images import fit_to

    people = load_people(min_faces_per_person=100, resize=0.5, color=True)
    faces = people.images / max(1.0, float(people.images.max()))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(faces), size=min(4 * count, len(faces)), replace=False)
    half = size // 2
    tiles = []
    for start in range(0, len(chosen) - 3, 4):
        tile = np.zeros((2 * half, 2 * half, 3), np.float32)
        for k, index in enumerate(chosen[start:start + 4]):
            r, c = divmod(k, 2)
            tile[r * half:(r + 1) * half, c * half:(c + 1) * half] = fit_to(
                np.clip(faces[index], 0, 1), (half, half))
        tiles.append(tile)
    return tiles


def probe_images(size=None, faces=None, photos=PROBE_PHOTOS,
                 paintings=("starry_night", "the_scream", "shipwreck"), scales=None):
    """The probe set: ``(images (N, size, size, 3), labels)``.

    Square tiles of packaged photos and of the paintings at ``scales``
    (default ``pick((1, 2), (1,))``) and ``faces`` mosaics of four LFW
    faces each (default ``pick(16, 2)``).  ``size`` defaults to
    ``pick(224, 96)``.
    """
    from helpers.style.images import check_size, load_style_image

    size = check_size(pick(224, 96) if size is None else size)
    if size < 32:
        raise ValueError(f"size must be at least 32 px, got {size}.")
    faces = pick(16, 2) if faces is None else int(faces)
    if faces < 0:
        raise ValueError(f"faces must be >= 0, got {faces}.")
    scales = pick((1, 2), (1,)) if scales is None else tuple(scales)
    images, labels = [], []
    sources = [(name, _photo) for name in photos]
    sources += [(name, load_style_image) for name in paintings]
    for name, loader in sources:
        tiles = square_tiles(loader(name), size, scales)
        images += tiles
        labels += [name] * len(tiles)
    if faces:
        tiles = face_mosaics(faces, size)
        images += tiles
        labels += ["LFW faces"] * len(tiles)
    if not images:
        raise ValueError("No probe images: give photos, paintings or faces.")
    return np.stack(images).astype(np.float32), labels


# --------------------------------------------------------------------------
# Strongest activations
# --------------------------------------------------------------------------


@dataclass
class UnitPatches:
    """The ``top`` patches that excite one unit most, strongest first."""

    layer: str
    channel: int
    values: list = field(default_factory=list)
    patches: list = field(default_factory=list)
    labels: list = field(default_factory=list)

    @property
    def receptive_field(self):
        return receptive_field(self.layer)


def strongest_positions(images, layer_names, batch_size=16, extractor=None,
                        progress=True):
    """Per layer: each image's maximum per channel and where it occurs.

    Returns ``{layer: (values (N, C), rows (N, C), columns (N, C))}``.
    """
    import tensorflow as tf
    from tqdm.auto import tqdm

    from helpers.style.vgg import FeatureExtractor

    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be shaped (N, H, W, 3), got {images.shape}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    extractor = extractor or FeatureExtractor(layer_names)
    parts = {name: ([], [], []) for name in layer_names}
    starts = range(0, len(images), batch_size)
    for start in tqdm(starts, desc="VGG16 on probe images", disable=not progress,
                      leave=False):
        outputs = extractor(tf.constant(images[start:start + batch_size]))
        for name in layer_names:
            maps = outputs[name]
            n, height, width, channels = maps.shape
            flat = tf.reshape(maps, (n, height * width, channels))
            where = tf.argmax(flat, axis=1).numpy()
            parts[name][0].append(tf.reduce_max(flat, axis=1).numpy())
            parts[name][1].append(where // width)
            parts[name][2].append(where % width)
    return {name: tuple(np.concatenate(p) for p in parts[name]) for name in layer_names}


def select_units(values, count, top):
    """The ``count`` most selective channels: strong on their top images only.

    Selectivity of a channel = mean of its ``top`` largest per-image maxima
    divided by the mean over all images; silent channels are never chosen.
    """
    values = np.asarray(values, dtype=np.float64)
    ordered = np.sort(values, axis=0)[::-1]
    strongest = ordered[:top].mean(axis=0)
    selectivity = strongest / (values.mean(axis=0) + 1e-6)
    selectivity[strongest <= 0] = -np.inf
    chosen = np.argsort(-selectivity, kind="stable")[:count]
    return [int(c) for c in chosen if np.isfinite(selectivity[c])]


def top_patches(images, layer_names=DEFAULT_LAYERS, units=4, top=6, channels=None,
                labels=None, batch_size=16, progress=True):
    """For each layer, ``units`` channels and their ``top`` strongest patches.

    ``channels`` (a dict ``layer -> list of channel indices``) fixes the
    units; otherwise :func:`select_units` picks them.  Each patch comes
    from a different image and is the receptive field around the position
    where the unit fires most.  Returns a list of :class:`UnitPatches`,
    layer by layer.
    """
    layer_names = list(layer_names)
    images = np.asarray(images, dtype=np.float32)
    if top < 1 or units < 1:
        raise ValueError(f"units and top must be >= 1, got {units} and {top}.")
    labels = list(labels) if labels is not None else [f"image {i}" for i in range(len(images))]
    if len(labels) != len(images):
        raise ValueError(f"{len(labels)} labels for {len(images)} images.")
    found = strongest_positions(images, layer_names, batch_size, progress=progress)
    results = []
    for name in layer_names:
        values, rows, columns = found[name]
        chosen = (channels or {}).get(name) or select_units(values, units, top)
        for channel in chosen:
            if not 0 <= channel < values.shape[1]:
                raise ValueError(
                    f"{name} has {values.shape[1]} channels; {channel} is out of range."
                )
            unit = UnitPatches(name, int(channel))
            for index in np.argsort(-values[:, channel], kind="stable")[:top]:
                top_, left, bottom, right = patch_box(
                    name, rows[index, channel], columns[index, channel], images.shape[1:])
                unit.patches.append(images[index, top_:bottom, left:right])
                unit.values.append(float(values[index, channel]))
                unit.labels.append(labels[index])
            results.append(unit)
    return results


def show_top_patches(units, size=1.3, show_labels=False):
    """Grid: one row per unit (layer, channel, receptive field), its patches."""
    import matplotlib.pyplot as plt

    units = list(units)
    if not units:
        raise ValueError("show_top_patches needs at least one UnitPatches.")
    columns = max(len(unit.patches) for unit in units)
    fig, axes = plt.subplots(len(units), columns, squeeze=False,
                             figsize=(size * columns + 1.6, size * len(units)))
    for row, unit in zip(axes, units):
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        for ax, patch, label in zip(row, unit.patches, unit.labels):
            ax.imshow(np.clip(patch, 0, 1), interpolation="nearest")
            if show_labels:
                ax.set_title(label, fontsize=7)
        rf = unit.receptive_field.size
        row[0].set_ylabel(f"{unit.layer}\nunit {unit.channel}\n({rf}x{rf} px)",
                          rotation=0, ha="right", va="center", fontsize=8)
    fig.tight_layout()
    return fig
