"""Where the optimisation of a painting starts, at each size.

The first size starts from the content image, its colours matched to the
painting's, or from noise; each larger size from the smaller result,
upsampled with the start image's fine detail added back.
"""

import numpy as np

from helpers.style.images import resize


def match_colours(image, reference, eps=1e-5):
    """``image`` with the mean and covariance of its RGB values set to ``reference``'s.

    A linear colour transfer: ``x -> A (x - mu_image) + mu_reference`` with
    ``A = cov_reference^(1/2) cov_image^(-1/2)`` (symmetric square roots),
    clipped to [0, 1].  Used as a starting point: the content's layout with
    the painting's palette.
    """
    def stats(array):
        pixels = np.asarray(array, dtype=np.float64).reshape(-1, 3)
        return pixels.mean(axis=0), np.cov(pixels, rowvar=False) + eps * np.eye(3)

    def sqrtm(matrix, power):
        values, vectors = np.linalg.eigh(matrix)
        return (vectors * np.maximum(values, eps) ** power) @ vectors.T

    mu_i, cov_i = stats(image)
    mu_r, cov_r = stats(reference)
    transform = sqrtm(cov_r, 0.5) @ sqrtm(cov_i, -0.5)
    pixels = np.asarray(image, dtype=np.float64).reshape(-1, 3)
    out = (pixels - mu_i) @ transform.T + mu_r
    return np.clip(out, 0.0, 1.0).reshape(np.shape(image)).astype(np.float32)


def _initial_image(content, init, seed, noise=0.2, style=None):
    if isinstance(init, np.ndarray):
        return resize(init, content.shape[:2])
    if init == "content":
        return content.copy()
    if init == "matched":
        return match_colours(content, style)
    if init == "noisy_content":
        rng = np.random.default_rng(seed)
        noisy = content + rng.uniform(-noise, noise, content.shape).astype(np.float32)
        return np.clip(noisy, 0, 1).astype(np.float32)
    if init == "noise":
        rng = np.random.default_rng(seed)
        return rng.uniform(0, 1, content.shape).astype(np.float32)
    raise ValueError(
        "init must be 'content', 'matched', 'noisy_content', 'noise' or an image "
        f"array, got {init!r}."
    )


def upsample_with_detail(image, shape, content, style, init="matched"):
    """``image`` resized up to ``shape`` with the start image's fine detail added.

    Upsampling blurs: the finest strokes are missing, which the style
    layers see at once, and L-BFGS spent its first ~40 iterations at the
    new size restoring them.  The detail that the smaller size could not
    hold (the start image at this size minus its own down-and-up-sampled
    copy) is added back, clipped to [0, 1].  Without a deterministic start
    image (``init`` "noise", "noisy_content" or an array) it is a plain
    resize.
    """
    upsampled = resize(image, shape)
    if not (isinstance(init, str) and init in ("content", "matched")):
        return upsampled
    start = _initial_image(content, init, seed=0, style=style)
    detail = start - resize(resize(start, image.shape[:2]), shape)
    return np.clip(upsampled + detail, 0.0, 1.0).astype(np.float32)
