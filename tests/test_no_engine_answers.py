"""No function a learner can call computes a graded exercise's result.

Every callable of the learner package (``helpers``, as the learner bundle
ships it, ``helpers.checks`` and ``_private`` names included) is called on
the inputs of every graded exercise's public cases, the way the check
calls the learner's function; the test fails naming each one that returns
the reference's value on more than half of an exercise's cases.
``tests/engine_sweep.py`` says exactly how (which calls, which instances,
how values compare) and what it does not call:

- properties; methods of classes that cannot be built from one input, with
  no argument, or from a name -> value input through an ``add*`` method;
- calls that write files outside the sweep's temporary folder, start a
  process or open a network connection (the sandbox refuses them);
- a candidate after one call ran past its CPU-time limit, after its calls
  took 3 CPU seconds in all, or after it drew a figure and returned no
  data; one that crashed or hung the worker.

What was not fully swept is printed (``pytest -s``) and listed in the
failure message.  The sweep runs in a subprocess with HOME and TMPDIR in a
temporary folder, matplotlib's Agg backend, no proxy that works and the
caller's FACES_STYLES_ASSETS.  A fake engine (``FAKE_ENGINE``), swept in
the same run, proves an equivalent is caught and a near miss is not.
"""

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SWEEP = Path(__file__).resolve().parent / "engine_sweep.py"
#: A worker silent for this long is stuck in one call: killed, restarted.
STUCK_SECONDS = 60
#: The whole sweep, restarts included.
SWEEP_SECONDS = 900
#: The self-test's exercises: a class method and a function reproduce them.
FAKE_TARGETS = {"method": ("01_verification_recognition", "verify"),
                "function": ("02_one_shot", "embedding_distance")}
FAKE_ENGINE = """
\"\"\"A fake engine for the sweep's self-test: equivalents, near misses.\"\"\"

import numpy as np

from instructor.exercises import exercise as _exercise

_method = _exercise{method}.reference
_function = _exercise{function}.reference


class Gallery:
    \"\"\"People's encodings, filled one person at a time.\"\"\"

    def __init__(self):
        self.people = {{}}

    def add(self, name, encodings):
        \"\"\"Store ``encodings`` of ``name``.\"\"\"
        self.people[name] = encodings

    def closest(self, *others):
        \"\"\"The graded answer, the stored people put back in place.\"\"\"
        others = list(others[::-1])
        others.insert({position}, self.people)
        return _method(*others)

    def rescaled(self, *others):
        \"\"\"A near miss: every float of the answer 0.1 % larger.\"\"\"
        return _scaled(self.closest(*others))


def spread(*arguments):
    \"\"\"The graded answer with its arguments in reverse order.\"\"\"
    return _function(*arguments[::-1])


def scaled_spread(*arguments):
    \"\"\"A near miss: the answer 0.1 % larger (another normalisation).\"\"\"
    return _scaled(spread(*arguments))


def _scaled(value):
    if isinstance(value, (tuple, list)):
        return type(value)(_scaled(item) for item in value)
    if isinstance(value, (bool, np.bool_, str)):
        return value
    return np.asarray(value, dtype=np.float64) * 1.001
"""


def fake_engine():
    """Return the fake engine's source, written for today's references."""
    from instructor.exercises import exercise

    notebook, name = FAKE_TARGETS["method"]
    inputs = exercise(notebook, name).cases[0].inputs
    position = next(index for index, value in enumerate(inputs)
                    if isinstance(value, dict))
    return FAKE_ENGINE.format(position=position, **{
        role: repr(target) for role, target in FAKE_TARGETS.items()})


def _environment(home):
    """The sweep's environment: HOME, TMPDIR and caches under ``home``.

    FACES_STYLES_ASSETS passes through; the data cache is read-only to the
    sweep's candidates (the sandbox refuses writes outside ``home``).
    """
    env = dict(os.environ)
    env.update(HOME=str(home), TMPDIR=str(home), MPLBACKEND="Agg",
               MPLCONFIGDIR=str(home / "matplotlib"),
               PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=f"{REPO}{os.pathsep}{home}",
               TF_CPP_MIN_LOG_LEVEL="3", KERAS_HOME=str(home / "keras"),
               FACES_STYLES_QUICK="1", http_proxy="http://0.0.0.0:9",
               https_proxy="http://0.0.0.0:9")
    return env


def _events(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()
            if line.strip()]


def run_sweep(home, packages=("helpers",), exercises=()):
    """Run the sweep; return its events.

    A worker that crashes (TensorFlow aborts on some malformed inputs) or
    stays silent in one call is started again without the candidate it was
    calling and without those it had finished.
    """
    results = home / "results.jsonl"
    events, left_out = [], []
    deadline = time.monotonic() + SWEEP_SECONDS
    while True:
        finished = [event["candidate"] for event in events
                    if event["event"] == "end"]
        command = [sys.executable, str(SWEEP), str(results)]
        command += [f"--package={name}" for name in packages]
        command += [f"--exercise={name}" for name in exercises]
        command += [f"--skip={name}" for name in finished + left_out]
        results.unlink(missing_ok=True)
        with open(home / "stderr.txt", "w") as stderr:
            worker = subprocess.Popen(
                command, cwd=home, env=_environment(home),
                stdout=subprocess.DEVNULL, stderr=stderr)
            seen, quiet_since = 0, time.monotonic()
            while worker.poll() is None:
                time.sleep(0.2)
                size = results.stat().st_size if results.exists() else 0
                if size != seen:
                    seen, quiet_since = size, time.monotonic()
                if time.monotonic() - quiet_since > STUCK_SECONDS \
                        or time.monotonic() > deadline:
                    worker.kill()
                    worker.wait()
        run = _events(results)
        starts = [event for event in run if event["event"] == "start"]
        done = bool(run) and run[-1]["event"] == "done"
        if not done and (not starts or time.monotonic() > deadline):
            tail = (home / "stderr.txt").read_text()[-3000:]
            raise AssertionError(
                f"The engine sweep did not finish (last events: {run[-3:]});"
                f" its stderr ends with:\n{tail}")
        if events:  # a restart: its cases and count are known already
            run = [event for event in run if event["event"] not in
                   ("case", "case failed", "no inputs", "candidates",
                    "import failed")]
        events += run
        if done:
            break
        left_out.append(starts[-1]["candidate"])
    return events + [{"event": "stuck", "candidate": name}
                     for name in left_out]


def offenders(events):
    """Return {(exercise, candidate): [calls]} of the reproduced exercises.

    A candidate reproduces an exercise when it returns the reference's
    value on more than half of its cases, as given or with padded
    encodings: an equivalent that refuses one edge case (a broadcast, an
    empty input) still gives the answer away, while one or two cases in
    four can match by chance (an index of an unrelated array).
    """
    cases = defaultdict(set)
    for event in events:
        if event["event"] == "case":
            cases[event["exercise"]].add(event["case"])
    matched = defaultdict(dict)
    for event in events:
        if event["event"] == "match":
            key = (event["exercise"], event["candidate"])
            matched[key].setdefault(event["case"], event["call"])
    return {key: sorted(set(calls.values()))
            for key, calls in matched.items()
            if 2 * len(calls) > len(cases[key[0]])}


def skipped_report(events):
    """Return lines naming every candidate that was not fully swept."""
    lines = []
    for event in events:
        kind = event["event"]
        if kind == "stopped":
            lines.append(f"  {event['candidate']}: stopped at "
                         f"{event['exercise']}: {event['why']}")
        elif kind == "stuck":
            lines.append(f"  {event['candidate']}: crashed or hung the "
                         "worker, left out")
        elif kind == "refused":
            lines.append(f"  {event['candidate']}: refused ({event['what']})")
        elif kind == "no inputs":
            lines.append(f"  exercise {event['exercise']}: no public case "
                         "and no EXTRA_INPUTS")
        elif kind in ("case failed", "import failed"):
            lines.append(f"  {kind}: {event}")
    return sorted(set(lines))


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The sweep of the learner package and of a fake engine, in one run."""
    home = tmp_path_factory.mktemp("engine_sweep")
    fake = home / "fake_engine"
    fake.mkdir()
    (fake / "__init__.py").write_text(fake_engine().lstrip())
    events = run_sweep(home, packages=("helpers", "fake_engine"))
    print("\nengine sweep, not fully swept:\n" + "\n".join(
        skipped_report(events)))
    return events


def test_sweep_covers_every_exercise(sweep):
    from instructor import exercises

    labels = {f"{notebook}:{item.name}"
              for notebook, module in exercises.modules().items()
              for item in module.EXERCISES}
    swept = {event["exercise"] for event in sweep if event["event"] == "case"}
    problems = [event for event in sweep if event["event"] in
                ("no inputs", "case failed", "import failed")]
    assert swept == labels and not problems, (
        f"not swept: {sorted(labels - swept)}; {problems}: give every "
        "exercise a public case, or inputs in EXTRA_INPUTS of "
        "tests/engine_sweep.py, and fix what failed")
    count = next(event["count"] for event in sweep
                 if event["event"] == "candidates")
    assert count > 300


def test_no_engine_function_reproduces_a_graded_exercise(sweep):
    found = {key: calls for key, calls in offenders(sweep).items()
             if key[1].startswith("helpers.")}
    lines = [f"  {exercise}: {candidate}  (e.g. {calls[0]})"
             for (exercise, candidate), calls in sorted(found.items())]
    assert not found, (
        "These functions of the learner package compute a graded "
        "exercise's result, so a learner can call or read the answer:\n"
        + "\n".join(lines) + "\nWhere the engine needs the computation, "
        "take the learner's function as an argument or use a formulation "
        "the exercise does not ask for; then remove the equivalent.\n"
        "Not fully swept:\n" + "\n".join(skipped_report(sweep)))


def test_the_sweep_catches_an_equivalent_and_not_a_near_miss(sweep):
    found = {key for key in offenders(sweep) if key[1].startswith("fake_")}
    method, function = (":".join(FAKE_TARGETS[role])
                        for role in ("method", "function"))
    assert {(method, "fake_engine.Gallery.closest"),
            (function, "fake_engine.spread")} <= found
    near_misses = [key for key in found if "scaled" in key[1]]
    assert not near_misses, near_misses


def test_a_match_on_half_the_cases_or_fewer_is_no_offence():
    cases = [{"event": "case", "exercise": "x", "case": name,
              "family": "as given"} for name in "abcd"]

    def matches(names):
        return [{"event": "match", "exercise": "x", "candidate": "f",
                 "case": name, "family": "padded", "call": "f(a)"}
                for name in names]

    assert offenders(cases + matches("ab")) == {}
    assert offenders(cases + matches("abc")) == {("x", "f"): ["f(a)"]}


def test_values_compare_like_the_public_checks():
    import numpy as np
    from engine_sweep import matched_part, plain

    want = plain((np.float32(0.25), True))
    assert matched_part(plain([0.25, 1]), want) == ""
    assert matched_part(plain(np.array([0.25, 1.0])), want) == ""
    assert matched_part(plain(0.25), want) == " = item 0 of the result"
    # An item that is 0 or 1 (a bool, a count) matches too easily.
    assert matched_part(plain(1.0), want) is None
    assert matched_part(plain([0.25 + 1e-4, 1]), want) is None
    assert matched_part(plain([[0.25, 1]]), want) is None
