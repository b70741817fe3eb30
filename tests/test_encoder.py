"""Tests of helpers.faces.encoder: the Keras port of dlib's face encoder."""

import os
from pathlib import Path

import numpy as np
import pytest

from helpers import settings
from helpers.data.lfw import person_images
from helpers.faces import encoder as encoder_module
from helpers.faces.database import DEFAULT_THRESHOLD
from helpers.faces.encoder import load_encoder, load_keras_model
from helpers.faces.images import load_image

# 13 aligned chips (six real faces, noise, a gradient, black, white) with
# dlib 20.0.1's own descriptors of them (dlib_face_recognition_resnet_v1)
# dlib 20.0.1's own descriptors for 13 chips, kept beside the project in
# ../shared/reference (CI has it there); FACES_STYLES_REFERENCE overrides.
REFERENCE = Path(
    settings.value("REFERENCE")
    or Path(__file__).resolve().parents[2] / "shared" / "reference"
) / "dlib_reference.npz"


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as stored:
        return {key: stored[key] for key in stored.files}


@pytest.fixture(scope="module")
def photos():
    """Two photos of Colin Powell and one of Serena Williams (LFW)."""
    powell = person_images("Colin_Powell")
    return [load_image(powell[0]), load_image(powell[1]),
            load_image(person_images("Serena_Williams")[0])]


def test_port_reproduces_dlib_descriptors(encoder, reference):
    descriptors = encoder.encode_chips(
        reference["chips"], flip_average=False, normalize=False)
    assert descriptors.shape == (13, 128) and descriptors.dtype == np.float32
    assert np.abs(descriptors - reference["descriptors"]).max() < 1e-5


def test_default_encodings_are_unit_length_mirror_averages(encoder,
                                                           reference):
    chips = reference["chips"][:4]
    raw = encoder.encode_chips(chips, flip_average=False, normalize=False)
    mirrored = encoder.encode_chips(np.ascontiguousarray(chips[:, :, ::-1]),
                                    flip_average=False, normalize=False)
    expected = raw + mirrored
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    encodings = encoder.encode_chips(chips)
    assert np.allclose(np.linalg.norm(encodings, axis=1), 1.0, atol=1e-5)
    assert np.allclose(encodings, expected, atol=1e-5)
    # batching does not change the result
    assert np.allclose(encoder.encode_chips(chips, batch_size=3), encodings,
                       atol=1e-5)


def test_keras_model_is_functional_with_29_convolutions():
    import keras

    model = load_keras_model()
    assert type(model).__name__ == "Functional"
    convolutions = [layer for layer in model.layers
                    if isinstance(layer, keras.layers.Conv2D)]
    assert len(convolutions) == 29
    assert model.input_shape == (None, 150, 150, 3)
    assert model.output_shape == (None, 128)
    assert model.count_params() == sum(
        int(np.prod(w.shape)) for w in model.get_weights())


def test_second_load_uses_the_cached_weights(monkeypatch):
    first = load_keras_model()
    assert load_keras_model() is first  # kept in memory
    cache = encoder_module._cache_path()
    assert cache.is_file()
    modified = cache.stat().st_mtime_ns
    monkeypatch.setattr(encoder_module, "_MODEL", None)  # forget it
    second = load_keras_model()
    assert second is not first
    assert cache.stat().st_mtime_ns == modified  # read, not written again
    for a, b in zip(first.get_weights(), second.get_weights()):
        assert np.array_equal(a, b)


def test_encode_chips_rejects_bad_input(encoder, reference):
    chip = reference["chips"][0]
    with pytest.raises(ValueError, match=r"chips\[None\]"):
        encoder.encode_chips(chip)
    with pytest.raises(ValueError, match=r"\(N, 150, 150, 3\)"):
        encoder.encode_chips(np.zeros((2, 160, 160, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\(N, 150, 150, 3\)"):
        encoder.encode_chips(np.zeros((2, 150, 150), np.uint8)[..., None])
    with pytest.raises(ValueError, match="uint8"):
        encoder.encode_chips(chip[None].astype(np.float32) / 255)
    empty = encoder.encode_chips(np.zeros((0, 150, 150, 3), np.uint8))
    assert empty.shape == (0, 128)


def test_same_person_is_closer_than_the_threshold(encoder, photos):
    encodings = encoder.encode(photos, choose="central")
    assert encodings.shape == (3, 128)
    same = np.linalg.norm(encodings[0] - encodings[1])
    different = [np.linalg.norm(encodings[i] - encodings[2]) for i in (0, 1)]
    assert same < DEFAULT_THRESHOLD < min(different)


def test_paths_and_arrays_give_the_same_encoding(encoder, photos):
    path = person_images("Colin_Powell")[0]
    from_path = encoder.encode(path)
    assert from_path.shape == (1, 128)
    assert np.allclose(from_path[0], encoder.encode([photos[0]])[0],
                       atol=1e-6)


def test_grayscale_and_rgba_photos_encode_close_to_rgb(encoder, photos):
    rgb = photos[0]
    gray = np.round(rgb @ [0.299, 0.587, 0.114]).astype(np.uint8)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    encodings = encoder.encode([rgb, gray, rgba])
    assert np.linalg.norm(encodings[0] - encodings[1]) < 0.2
    assert np.allclose(encodings[0], encodings[2], atol=1e-6)


def test_images_without_a_face_are_rejected(encoder):
    flat = np.full((200, 200, 3), 128, np.uint8)
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3),
                                              dtype=np.uint8)
    for image in (flat, noise):
        with pytest.raises(ValueError, match="no face found in image"):
            encoder.encode([image])
    assert encoder.chips([flat], choose="all").shape == (0, 150, 150, 3)


def test_choose_all_returns_every_face_of_a_montage(encoder, photos):
    montage = np.hstack([photos[0][40:210, 40:210],
                         photos[2][40:210, 40:210]])
    chips = encoder.chips([montage], choose="all")
    assert chips.shape == (2, 150, 150, 3) and chips.dtype == np.uint8
    assert encoder.chips([montage], choose="largest").shape == (
        1, 150, 150, 3)
    left, right = encoder.encode_chips(chips)
    alone = encoder.encode([photos[0], photos[2]])
    assert {0, 1} == {int(np.argmin(np.linalg.norm(alone - e, axis=1)))
                      for e in (left, right)}
    with pytest.raises(ValueError, match="choose must be one of"):
        encoder.chips([montage], choose="smallest")


def test_unreadable_files_are_reported(encoder, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(ValueError, match="broken.jpg"):
        encoder.encode([broken])
    with pytest.raises(FileNotFoundError, match="missing.jpg"):
        encoder.encode([tmp_path / "missing.jpg"])


def test_a_mixed_batch_reports_which_image_has_no_face(encoder, photos):
    flat = np.full((120, 90, 3), 200, np.uint8)
    with pytest.raises(ValueError, match="no face found in image 1 "):
        encoder.encode([photos[0], flat, photos[2]])


def test_detect_faces_gives_boxes_scores_and_float_keypoints(photos):
    from helpers.faces import detect_faces

    found = detect_faces(photos)
    assert len(found) == 3
    for detections in found:
        assert detections, "every LFW photo has a face"
        best = detections[0]
        assert best.box.shape == (4,) and 0.9 <= best.score <= 1.0
        assert best.keypoints.shape == (5, 2)
        assert best.keypoints.dtype == np.float32
        # keypoints are not rounded to whole pixels
        assert np.any(best.keypoints != np.round(best.keypoints))
        x, y, width, height = best.box
        inside = ((best.keypoints[:, 0] >= x) & (best.keypoints[:, 0] <= x + width)
                  & (best.keypoints[:, 1] >= y)
                  & (best.keypoints[:, 1] <= y + height))
        assert inside.all()
        assert best["score"] == best.score and best["box"] is best.box
        assert dict(best)["keypoints"] is best.keypoints
        left_eye, right_eye = best.keypoints[:2]
        assert left_eye[0] < right_eye[0]  # "left" = left of the image
    # one image in, one list of detections out
    single = detect_faces(photos[0])
    assert isinstance(single, list) and np.allclose(
        single[0].keypoints, found[0][0].keypoints, atol=2.0)
    # a larger min_face_size skips small faces but keeps LFW's
    assert len(detect_faces(photos[0], min_face_size=40)) >= 1
    assert detect_faces(photos[0], min_face_size=400) == []
    with pytest.raises(ValueError, match="min_face_size"):
        detect_faces(photos[0], min_face_size=0)


def test_load_image_converts_and_validates(tmp_path):
    from PIL import Image

    from helpers.faces import load_image

    rgb = np.random.default_rng(2).integers(0, 256, (40, 30, 3), np.uint8)
    assert np.array_equal(load_image(rgb), rgb)
    gray = rgb[..., 0]
    for version in (gray, gray[..., None]):
        assert np.array_equal(load_image(version), np.dstack([gray] * 3))
    transparent = np.dstack([rgb, np.zeros((40, 30), np.uint8)])
    assert (load_image(transparent) == 255).all()  # composited on white
    assert np.array_equal(load_image(rgb / 255.0), rgb)
    assert np.array_equal(load_image(rgb.astype(np.float32)), rgb)
    path = tmp_path / "gray.png"
    Image.fromarray(gray).save(path)
    assert load_image(path).shape == (40, 30, 3)
    assert np.array_equal(load_image(str(path)), np.dstack([gray] * 3))
    bad = {
        "shape": np.zeros((4, 40, 30, 3), np.uint8),
        r"\(40, 30, 2\)": np.zeros((40, 30, 2), np.uint8),
        "16x16": np.zeros((8, 30, 3), np.uint8),
        "dtype": np.zeros((40, 30, 3), bool),
        "NaN": np.full((40, 30, 3), np.nan),
        "values from": np.full((40, 30, 3), 300.0),
        "path or a NumPy array": [[1, 2], [3, 4]],
    }
    for message, value in bad.items():
        with pytest.raises(ValueError, match=message):
            load_image(value)
    truncated = tmp_path / "truncated.jpg"
    Image.fromarray(rgb).save(tmp_path / "whole.jpg")
    truncated.write_bytes((tmp_path / "whole.jpg").read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated.jpg"):
        load_image(truncated)


def test_a_damaged_cache_that_still_loads_is_replaced(monkeypatch, tmp_path,
                                                      reference):
    monkeypatch.setenv("FACES_STYLES_DATA", str(tmp_path))
    monkeypatch.setattr(encoder_module, "_MODEL", None)
    good = [w.copy() for w in load_keras_model().get_weights()]
    cache = encoder_module._cache_path()
    assert cache.parent == tmp_path / "models" and cache.is_file()

    # A readable HDF5 file with the right layout but wrong numbers, as a
    # half-finished or interleaved write can leave behind.
    damaged = load_keras_model()
    damaged.set_weights([np.zeros_like(w) for w in good])
    damaged.save_weights(cache)
    monkeypatch.setattr(encoder_module, "_MODEL", None)

    model = load_keras_model()
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), good))
    assert cache.with_name(cache.name + ".corrupt").is_file()
    assert not list(tmp_path.glob("models/*.part.weights.h5"))
    monkeypatch.setattr(encoder_module, "_MODEL", None)
    again = load_keras_model()  # the rewritten cache is valid
    assert all(np.array_equal(a, b) for a, b in zip(again.get_weights(), good))


CONCURRENT_LOAD = """
import numpy as np
from helpers.faces.encoder import load_encoder
with np.load({reference!r}) as stored:
    chips, expected = stored["chips"], stored["descriptors"]
encoder = load_encoder(flip_average=False, normalize=False)
print(float(np.abs(encoder.encode_chips(chips) - expected).max()))
"""


def test_first_conversions_at_the_same_moment_do_not_corrupt_the_cache(
        tmp_path):
    import subprocess
    import sys

    env = dict(os.environ, FACES_STYLES_DATA=str(tmp_path))
    code = CONCURRENT_LOAD.format(reference=str(REFERENCE))
    repo = Path(__file__).resolve().parent.parent
    runs = [subprocess.Popen([sys.executable, "-c", code], cwd=repo, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
            for _ in range(3)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err
        assert float(out.split()[-1]) < 1e-5, "wrong encodings after a race"
    # and the cache they left behind is a good one
    rerun = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert float(rerun.stdout.split()[-1]) < 1e-5
    assert not list(tmp_path.glob("models/*.corrupt"))
    assert not list(tmp_path.glob("models/*.part.weights.h5"))
