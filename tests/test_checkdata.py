"""The public checks' expected values: fresh, complete and well formed."""

import importlib
import json

import pytest

from helpers.checks.common import EXPECTED_DIR
from instructor import checkdata


@pytest.mark.parametrize("topic", checkdata.TOPICS)
def test_committed_data_is_what_the_generator_writes(topic):
    committed = json.loads(checkdata.path_of(topic).read_text())
    found = checkdata.differences(committed, checkdata.generate(topic))
    assert not found, (
        f"helpers/checks/expected/{topic}.json is stale; run "
        f"'python -m instructor.checkdata {topic}'. First differences: "
        f"{found[:3]}")


@pytest.mark.parametrize("topic", checkdata.TOPICS)
def test_every_catalogued_mistake_has_a_message(topic):
    mistakes = importlib.import_module(f"instructor.mistakes.{topic}")
    checks = importlib.import_module(f"helpers.checks.{topic}")
    assert set(mistakes.MISTAKES) == set(checks.MESSAGES)
    for function, catalogue in mistakes.MISTAKES.items():
        assert set(catalogue) == set(checks.MESSAGES[function]), function


@pytest.mark.parametrize("topic", checkdata.TOPICS)
def test_stored_mistakes_are_catalogued_and_differ_from_expected(topic):
    data = json.loads(checkdata.path_of(topic).read_text())
    catalogue = importlib.import_module(
        f"instructor.mistakes.{topic}").MISTAKES
    for function, cases in data.items():
        if function == "about":
            continue
        for case in cases.values():
            for name, value in case.get("mistakes", {}).items():
                assert name in catalogue[function], (function, name)
                assert checkdata.differences(value, case["expected"]), (
                    function, name)


@pytest.mark.parametrize("topic", checkdata.TOPICS)
def test_the_mistakes_of_a_case_can_be_told_apart(topic):
    data = json.loads(checkdata.path_of(topic).read_text())
    for function, cases in data.items():
        if function == "about":
            continue
        for name, case in cases.items():
            values = list(case.get("mistakes", {}).items())
            for index, (first, value) in enumerate(values):
                for second, other in values[index + 1:]:
                    assert checkdata.differences(value, other), (
                        f"{function}, {name}: {first} and {second} give "
                        "the same value; change the fixture")


def test_differences_tolerate_round_off_but_nothing_else():
    old = {"a": [1.0, 2.0], "b": {"c": 3}, "d": "text"}
    assert checkdata.differences(old, {"a": [1.0 + 1e-9, 2.0],
                                       "b": {"c": 3}, "d": "text"}) == []
    changed = {"a": [1.0, 2.1], "b": {"c": 4, "e": 1}, "d": "other"}
    found = checkdata.differences(old, changed)
    assert any(item.startswith("/a[1]") for item in found)
    assert any(item.startswith("/b/e") for item in found)
    assert any(item.startswith("/b/c") for item in found)
    assert any(item.startswith("/d") for item in found)
    assert checkdata.differences([1.0], [1.0, 2.0])


def test_the_files_are_the_generators_layout():
    for topic in checkdata.TOPICS:
        path = EXPECTED_DIR / f"{topic}.json"
        data = json.loads(path.read_text())
        assert path.read_text() == checkdata.render(data)
        assert data["about"] == checkdata.ABOUT
