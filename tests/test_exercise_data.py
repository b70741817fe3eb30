"""The learner bundle's exercise data: fresh, complete and well formed."""

import json

import pytest

from helpers.checks.common import shipped_cases
from instructor import exercises
from instructor.exercises import generate

NOTEBOOKS = exercises.NOTEBOOKS


def _data(notebook):
    return json.loads(generate.path_of(notebook).read_text())


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_committed_data_is_what_the_generator_writes(notebook):
    found = generate.differences(_data(notebook), generate.generate(notebook))
    assert not found, (
        f"{generate.path_of(notebook).name} is stale; run 'python -m "
        f"instructor.exercises {notebook}'. First differences: {found[:3]}")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_file_is_the_generators_layout(notebook):
    path = generate.path_of(notebook)
    data = json.loads(path.read_text())
    assert path.read_text() == generate.render(data)
    assert data["about"] == generate.ABOUT.format(
        module=exercises.module_name(notebook))
    module = exercises.load(notebook)
    declared = [item.name for item in module.EXERCISES]
    declared += list(getattr(module, "SHIPPED_DATA", {}))
    assert [key for key in data if key != "about"] == declared


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_stored_signatures_are_recognised_mistakes_with_messages(notebook):
    data = _data(notebook)
    for item in exercises.load(notebook).EXERCISES:
        recognised = {mistake.name for mistake in item.recognised}
        entry = data[item.name]
        assert set(entry.get("messages", {})) == recognised, item.name
        for case in entry["cases"].values():
            for name, value in case.get("mistakes", {}).items():
                assert name in recognised, (item.name, name)
                assert generate.differences(value, case["expected"]), (
                    item.name, name)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_recognised_mistake_has_a_signature(notebook):
    data = _data(notebook)
    for item in exercises.load(notebook).EXERCISES:
        cases = data[item.name]["cases"].values()
        for mistake in item.recognised:
            assert any(mistake.name in case.get("mistakes", {})
                       for case in cases), (
                f"{item.name}: '{mistake.name}' gives the expected value on "
                "every public case, so the check cannot recognise it; add "
                "a case or drop its message")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_mistakes_of_a_case_can_be_told_apart(notebook):
    data = _data(notebook)
    for item in exercises.load(notebook).EXERCISES:
        name, entry = item.name, data[item.name]
        for case_name, case in entry["cases"].items():
            values = list(case.get("mistakes", {}).items())
            for index, (first, value) in enumerate(values):
                for second, other in values[index + 1:]:
                    assert generate.differences(value, other), (
                        f"{name}, {case_name}: {first} and {second} give "
                        "the same value; change the case")


def test_shipped_inputs_keep_their_dtype():
    cases = shipped_cases("helpers.checks.nb00_setup", "to_unit_range")
    (image,) = cases.inputs("rgb")
    assert image.dtype.name == "uint8" and image.shape == (4, 5, 3)
    image[...] = 0
    assert cases.inputs("rgb")[0].max() == 255, "inputs must be copies"


def test_differences_tolerate_round_off_but_nothing_else():
    old = {"a": [1.0, 2.0], "b": {"c": 3}, "d": "text"}
    assert generate.differences(old, {"a": [1.0 + 1e-9, 2.0],
                                      "b": {"c": 3}, "d": "text"}) == []
    changed = {"a": [1.0, 2.1], "b": {"c": 4, "e": 1}, "d": "other"}
    found = generate.differences(old, changed)
    assert any(item.startswith("/a[1]") for item in found)
    assert any(item.startswith("/b/e") for item in found)
    assert any(item.startswith("/b/c") for item in found)
    assert any(item.startswith("/d") for item in found)
    assert generate.differences([1.0], [1.0, 2.0])


def test_check_mode_finds_a_stale_or_missing_file(tmp_path):
    text = generate.path_of("00_setup").read_text()
    path = tmp_path / generate.path_of("00_setup").name
    path.write_text(text.replace("0.85098", "0.95098"))
    assert set(generate.stale_notebooks(["00_setup"], tmp_path)) == {
        "00_setup"}
    path.unlink()
    assert "missing" in generate.stale_notebooks(
        ["00_setup"], tmp_path)["00_setup"][0]
    path.write_text(text)
    assert generate.stale_notebooks(["00_setup"], tmp_path) == {}
    assert generate.main(["--check", "00_setup"]) == 0
