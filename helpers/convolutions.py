"""Synthetic data for convolutions in one and three dimensions.

``synthetic_ekg`` and ``synthetic_volumes`` make small labelled datasets to
train a Conv1D and a Conv3D network on (notebook 06).
"""

import numpy as np

VOLUME_CLASSES = ("ball", "rod", "plate")
EKG_CLASSES = ("normal", "arrhythmic")

# Waves of one heartbeat as (offset from the R peak in s, amplitude, width s).
NORMAL_BEAT = (
    (-0.20, 0.15, 0.025),  # P wave: the atria contract
    (-0.035, -0.12, 0.010),  # Q
    (0.0, 1.0, 0.012),  # R: the ventricles contract
    (0.035, -0.25, 0.010),  # S
    (0.28, 0.30, 0.045),  # T wave: the ventricles recover
)
NORMAL_BEAT_WITHOUT_P = NORMAL_BEAT[1:]
# A premature ventricular beat: no P wave, a wide QRS, an inverted T wave.
ECTOPIC_BEAT = (
    (0.0, 1.1, 0.035),
    (0.07, -0.45, 0.030),
    (0.32, -0.35, 0.060),
)


def _is_integer(value):
    """Return True for Python or NumPy integers (not booleans)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _gaussian_waves(times, peak, waves, scale):
    """Return the sum of Gaussian waves placed around one R peak."""
    signal = np.zeros_like(times)
    for offset, amplitude, width in waves:
        centre = peak + offset
        signal += scale * amplitude * np.exp(
            -0.5 * ((times - centre) / width) ** 2
        )
    return signal


def _beat_times(duration, interval, rng, irregular):
    """Return R-peak times covering [0, duration] with some jitter."""
    times = [-rng.uniform(0, interval)]
    while times[-1] < duration + interval:
        spread = rng.uniform(0.65, 1.35) if irregular else rng.normal(1, 0.03)
        times.append(times[-1] + interval * spread)
    return np.array(times)


def _one_ekg(times, label, rng):
    """Return one EKG-like trace; label 1 adds an arrhythmia."""
    duration = times[-1]
    interval = 60.0 / rng.uniform(55, 100)
    scale = rng.uniform(0.8, 1.2)
    kind = "normal" if label == 0 else rng.choice(["irregular", "ectopic"])
    peaks = _beat_times(duration, interval, rng, kind == "irregular")
    signal = np.zeros_like(times)
    if kind == "ectopic":
        inside = np.flatnonzero((peaks > 0.4) & (peaks < duration - 0.2))
        if len(inside) == 0:
            inside = [int(np.argmin(np.abs(peaks - duration / 2)))]
        early = set(rng.choice(inside, size=min(2, len(inside)),
                               replace=False).tolist())
    for index, peak in enumerate(peaks):
        if kind == "irregular":
            waves = NORMAL_BEAT_WITHOUT_P
        elif kind == "ectopic" and index in early:
            peak = peaks[index - 1] + 0.6 * (peak - peaks[index - 1])
            waves = ECTOPIC_BEAT
        else:
            waves = NORMAL_BEAT
        signal += _gaussian_waves(times, peak, waves, scale)
    if kind == "irregular":  # fibrillation waves replace the P waves
        frequency = rng.uniform(5, 8)
        signal += 0.06 * np.sin(2 * np.pi * frequency * times
                                + rng.uniform(0, 2 * np.pi))
    wander = rng.uniform(0.05, 0.15) * np.sin(
        2 * np.pi * rng.uniform(0.15, 0.4) * times + rng.uniform(0, 2 * np.pi)
    )
    return signal + wander + rng.normal(0, 0.03, size=times.shape)


def synthetic_ekg(count, length=400, sampling_rate=100, seed=0):
    """Return (signals, labels): EKG-like traces, label 1 = arrhythmic.

    ``signals`` has shape (count, length, 1).  Half the traces (rounded
    down) are arrhythmic: an irregular rhythm without P waves (like atrial
    fibrillation) or a regular rhythm with premature wide beats.
    """
    if not _is_integer(count) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    if not _is_integer(length) or length < 2 * sampling_rate:
        raise ValueError(
            f"length must be at least 2 s = {2 * sampling_rate} samples, "
            f"got {length!r}"
        )
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(count) % 2)
    times = np.arange(length) / sampling_rate
    signals = np.stack([_one_ekg(times, label, rng) for label in labels])
    return signals[..., None].astype(np.float32), labels.astype(np.int64)


def _soft_inside(distance, limit, softness=0.6):
    """Return ~1 where distance < limit and ~0 outside, with a soft edge."""
    return 1.0 / (1.0 + np.exp((distance - limit) / softness))


def _one_shape(grid, label, size, rng):
    """Return the intensity of one ball, rod or plate in a size^3 cube."""
    centre = rng.uniform(size * 0.35, size * 0.65, size=3)
    offsets = [axis - c for axis, c in zip(grid, centre)]
    if VOLUME_CLASSES[label] == "ball":
        radius = rng.uniform(0.17, 0.25) * size
        return _soft_inside(np.sqrt(sum(o ** 2 for o in offsets)), radius)
    axis = rng.integers(3)
    along = np.abs(offsets[axis])
    across = np.sqrt(sum(o ** 2 for i, o in enumerate(offsets) if i != axis))
    if VOLUME_CLASSES[label] == "rod":
        radius = rng.uniform(0.08, 0.12) * size
        half_length = rng.uniform(0.35, 0.45) * size
        return _soft_inside(across, radius) * _soft_inside(along, half_length)
    half_thickness = rng.uniform(0.05, 0.08) * size
    radius = rng.uniform(0.3, 0.4) * size
    return _soft_inside(along, half_thickness) * _soft_inside(across, radius)


def synthetic_volumes(count, size=16, noise=0.25, seed=0):
    """Return (volumes, labels): noisy cubes holding a ball, rod or plate.

    ``volumes`` has shape (count, size, size, size, 1); ``labels`` indexes
    ``VOLUME_CLASSES``.  Rods and plates lie along a random axis, so one
    slice through a rod or a plate can look just like a slice of a ball.
    """
    if not _is_integer(count) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")
    if not _is_integer(size) or size < 8:
        raise ValueError(f"size must be an integer >= 8, got {size!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(count) % len(VOLUME_CLASSES))
    grid = np.meshgrid(*[np.arange(size)] * 3, indexing="ij")
    volumes = np.stack([
        rng.uniform(0.7, 1.0) * _one_shape(grid, label, size, rng)
        + rng.normal(0, noise, size=(size,) * 3)
        for label in labels
    ])
    return volumes[..., None].astype(np.float32), labels.astype(np.int64)
