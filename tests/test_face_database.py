"""Tests of helpers.faces.database.FaceDatabase with real LFW photos."""

import numpy as np
import pytest

from helpers.data.lfw import person_images
from helpers.faces import FaceDatabase
from helpers.faces.database import (
    DEFAULT_THRESHOLD,
    NOT_RECOGNIZED,
    RAW_THRESHOLD,
)
from helpers.faces.encoder import load_encoder
from instructor.exercises.nb01_verification_recognition import (
    identify,
    verify,
)

PEOPLE = ("Colin_Powell", "Serena_Williams", "Vladimir_Putin")
STRANGER = "Hugo_Chavez"


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.fixture(scope="module")
def database(encoder):
    """Three people enrolled with two photos each."""
    database = FaceDatabase(encoder)
    for name in PEOPLE:
        database.add_person(name, person_images(name)[:2])
    return database


@pytest.fixture(scope="module")
def queries(encoder):
    """Encodings of a third photo of each person and of a stranger."""
    paths = [person_images(name)[2] for name in PEOPLE + (STRANGER,)]
    return dict(zip(PEOPLE + (STRANGER,), encoder.encode(paths)))


def test_enrolment_stores_one_encoding_per_photo(database):
    assert len(database) == 3
    assert database.names() == list(PEOPLE)
    assert "Vladimir_Putin" in database and STRANGER not in database
    assert database.threshold == DEFAULT_THRESHOLD
    for name in PEOPLE:
        encodings = database.encodings_of(name)
        assert encodings.shape == (2, 128) and encodings.dtype == np.float32
    assert set(database.people) == set(PEOPLE)
    assert "3 people" in repr(database)


def test_verify_a_new_photo_of_each_person(database):
    for name in PEOPLE:
        photo = person_images(name)[2]
        distance, match = database.verify(photo, name, using=verify)
        assert match is True and 0 <= distance < DEFAULT_THRESHOLD
        impostor = PEOPLE[(PEOPLE.index(name) + 1) % 3]
        distance, match = database.verify(photo, impostor, using=verify)
        assert match is False and distance >= DEFAULT_THRESHOLD


def test_identify_finds_the_right_person_or_nobody(database, queries):
    for name in PEOPLE:
        found, distance = database.identify(person_images(name)[2], using=identify)
        assert found == name
        assert distance == pytest.approx(
            database.verify(queries[name], name, using=verify)[0], abs=1e-5)
    found, distance = database.identify(person_images(STRANGER)[2], using=identify)
    assert found == NOT_RECOGNIZED and distance >= DEFAULT_THRESHOLD


def test_the_decision_is_the_function_passed(database, queries):
    query = queries["Serena_Williams"]
    seen = []

    def decide(encoding, people, name, threshold):
        seen.append((encoding, set(people), name, threshold))
        return "decided"

    assert database.verify(query, "Serena_Williams", using=decide,
                           threshold=0.377) == "decided"
    encoding, people, name, threshold = seen[0]
    assert np.array_equal(encoding, query) and people == set(PEOPLE)
    assert (name, threshold) == ("Serena_Williams", 0.377)
    with pytest.raises(ValueError, match="using=verify"):
        database.verify(query, "Serena_Williams", using=None)
    with pytest.raises(ValueError, match="using=identify"):
        database.identify(query, using="identify")
    with pytest.raises(TypeError):
        database.identify(query)  # no rule of its own
    assert not hasattr(database, "distances")


def test_threshold_per_call_and_per_database(database, queries):
    query = queries["Colin_Powell"]
    distance, _ = database.verify(query, "Colin_Powell", using=verify)
    assert database.verify(query, "Colin_Powell",
                           threshold=distance, using=verify)[1] is False  # strict "<"
    assert database.identify(query, threshold=distance / 2, using=identify)[0] == (
        NOT_RECOGNIZED)
    assert database.identify(queries[STRANGER], threshold=2.0, using=identify)[0] in PEOPLE
    with pytest.raises(ValueError, match="positive"):
        database.verify(query, "Colin_Powell", threshold=-0.1, using=verify)
    with pytest.raises(ValueError, match="number"):
        FaceDatabase(threshold="high")
    raw = FaceDatabase(load_encoder(normalize=False))
    assert raw.threshold == RAW_THRESHOLD
    assert FaceDatabase(threshold=0.5).threshold == 0.5


def test_the_encoder_is_loaded_when_first_needed():
    from helpers.faces import FaceEncoder

    database = FaceDatabase()
    assert database._encoder is None
    assert isinstance(database.encoder, FaceEncoder)
    assert database.encoder is database.encoder


def test_unknown_name_is_a_key_error_listing_the_known(database, queries):
    with pytest.raises(KeyError, match="Serena_Williams"):
        database.verify(queries[STRANGER], STRANGER, using=verify)
    with pytest.raises(KeyError, match="nobody yet"):
        FaceDatabase().encodings_of("anyone")


def test_precomputed_encodings(queries):
    database = FaceDatabase()
    database.add_encodings("powell", queries["Colin_Powell"])
    database.add_encodings("chavez", np.stack([queries[STRANGER]] * 2))
    assert database.encodings_of("chavez").shape == (2, 128)
    assert database.verify(queries["Colin_Powell"], "powell", using=verify) == (0.0, True)
    name, distance = database.identify(queries[STRANGER][None], using=identify)
    assert name == "chavez" and distance == 0.0
    assert database.identify(list(queries[STRANGER]), using=identify)[0] == "chavez"
    with pytest.raises(ValueError, match="128"):
        database.verify(np.zeros(64), "powell", using=verify)
    with pytest.raises(ValueError, match="128"):
        database.add_encodings("x", np.zeros((2, 64)))
    with pytest.raises(ValueError, match="NaN"):
        database.add_encodings("x", np.full(128, np.nan))
    assert "x" not in database


def test_names_and_photos_are_validated(database):
    for name in ("", "   ", 3, None, NOT_RECOGNIZED):
        with pytest.raises(ValueError, match="name|reserved"):
            FaceDatabase().add_encodings(name, np.zeros(128))
    flat = np.full((120, 120, 3), 90, np.uint8)
    with pytest.raises(ValueError, match="add_person\\('blank'\\).*No face"):
        database.add_person("blank", [flat])
    with pytest.raises(ValueError, match="at least one photo"):
        database.add_person("nobody", [])
    assert "blank" not in database and "nobody" not in database
    with pytest.raises(ValueError, match="empty"):
        FaceDatabase().identify(np.zeros(128), using=identify)


def test_adding_more_photos_and_removing(queries):
    database = FaceDatabase()
    database.add_encodings("a", queries["Colin_Powell"])
    database.add_encodings("a", queries["Vladimir_Putin"])
    database.add_encodings("b", queries[STRANGER])
    assert database.encodings_of("a").shape == (2, 128)
    copy = database.encodings_of("a")
    copy[:] = 0
    assert np.any(database.encodings_of("a"))
    database.remove("a")
    assert database.names() == ["b"] and len(database) == 1
    with pytest.raises(KeyError):
        database.remove("a")


def test_save_and_load_round_trip(database, queries, tmp_path, encoder):
    path = database.save(tmp_path / "people.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["people.npz"]
    loaded = FaceDatabase.load(path, encoder=encoder)
    assert loaded.names() == database.names()
    assert loaded.threshold == database.threshold
    for name in PEOPLE:
        assert np.array_equal(loaded.encodings_of(name),
                              database.encodings_of(name))
    for query in queries.values():
        assert loaded.identify(query, using=identify) == database.identify(query, using=identify)
        assert loaded.verify(query, "Vladimir_Putin", using=verify) == database.verify(
            query, "Vladimir_Putin", using=verify)
    custom = FaceDatabase(threshold=0.3)
    custom.save(tmp_path / "empty.npz")
    empty = FaceDatabase.load(tmp_path / "empty.npz")
    assert len(empty) == 0 and empty.threshold == 0.3


def test_loading_a_wrong_or_corrupt_file(database, tmp_path):
    with pytest.raises(FileNotFoundError):
        FaceDatabase.load(tmp_path / "absent.npz")
    noise = tmp_path / "noise.npz"
    noise.write_bytes(np.random.default_rng(0).bytes(3000))
    truncated = tmp_path / "truncated.npz"
    good = database.save(tmp_path / "good.npz").read_bytes()
    truncated.write_bytes(good[:len(good) // 2])
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    array = tmp_path / "array.npy"
    np.save(array, np.zeros((3, 128)))
    for path in (noise, truncated, other, array):
        with pytest.raises(ValueError, match="not a saved FaceDatabase"):
            FaceDatabase.load(path)
