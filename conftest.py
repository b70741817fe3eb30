"""Test-session settings shared by unit tests and nbval notebook runs."""

import os

# Notebooks and tests run in the quick configuration; kernels inherit this.
os.environ.setdefault("FACES_STYLES_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Temporary test courses share the grader's fixture cache (photo encodings,
# reference training steps), computed once per test session.
os.environ.setdefault(
    "FACES_STYLES_GRADING_CACHE",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), ".grading_cache"))
# Bit-stable TensorFlow numerics; a learner's notebook keeps oneDNN on.
from helpers.notebook import REPRODUCIBLE_ENV  # noqa: E402

for _key, _value in REPRODUCIBLE_ENV.items():
    os.environ.setdefault(_key, _value)


#: Test files that take minutes (notebook executions, nbgrader round trips,
#: class gradings, a fresh install), scheduled first so that the two workers
#: finish together; longest first.  The round trip is split by assignment.
SLOW_FIRST = (
    "tests/test_nbgrader_roundtrip.py",
    "solutions/",
    "tests/test_cheating_class.py",
    "tests/test_student_bundle.py",
    "tests/test_exchange.py",
    "tests/test_dask_grading.py",
    "tests/test_postgres_gradebook.py",
    "tests/test_grading_robustness.py",
    "tests/test_quiz_grading.py",
    "tests/test_sanitised_html.py",
    "tests/test_browser.py",
)


def _scope(nodeid):
    """The unit of work of a test: its file, or its round-trip assignment."""
    path, _, rest = nodeid.partition("::")
    if path == SLOW_FIRST[0] and "[" in rest:
        return f"{path}[{rest.split('[', 1)[1]}"
    return path


def _rank(scope):
    """Where a unit goes in the queue: slow files first, in SLOW_FIRST order."""
    for rank, prefix in enumerate(SLOW_FIRST):
        if scope.startswith(prefix):
            return rank
    return len(SLOW_FIRST)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``, with round trips by assignment and slow first."""
    from xdist.scheduler import LoadScopeScheduling

    if config.getvalue("dist") != "loadfile":
        return None

    class SlowFirstScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _scope(nodeid)

        def _assign_work_unit(self, node):
            # The base class hands out the first unit of the queue.
            self.workqueue.move_to_end(min(self.workqueue, key=_rank),
                                       last=False)
            super()._assign_work_unit(node)

    return SlowFirstScheduling(config, log)
