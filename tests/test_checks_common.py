"""The building blocks of every public check, and the own-work check."""

import inspect
import sys
import textwrap

import numpy as np
import pytest

import helpers.assets
from helpers.checks.common import (
    assert_close,
    assert_own_function,
    assert_shape,
    expected_values,
    find_mistake,
    same_values,
)
from helpers.checks.own_work import HELPERS_DIR, call_watched


def learner_function(x):
    return np.square(x)


def cheating_function(x):
    return helpers.assets.sha256_of(x)


def notebook(source, name, **names):
    """Define ``source`` as if typed in a notebook cell; return ``name``."""
    namespace = {"__name__": "__main__", "np": np, **names}
    exec(textwrap.dedent(source), namespace)
    return namespace[name]


def test_own_function_passes():
    learner_function.__module__ = "__main__"
    assert_own_function(learner_function)


def test_reference_itself_is_rejected():
    with pytest.raises(AssertionError, match="reference implementation"):
        assert_own_function(np.square, reference=np.square)


def test_function_from_a_module_is_rejected():
    with pytest.raises(AssertionError, match="define it yourself"):
        assert_own_function(helpers.assets.sha256_of)


def test_calling_into_helpers_is_rejected():
    cheating_function.__module__ = "__main__"
    with pytest.raises(AssertionError, match="'helpers'"):
        assert_own_function(cheating_function)


def test_lambda_alias_of_builtin_is_rejected():
    with pytest.raises(AssertionError, match="function defined with 'def'"):
        assert_own_function(len)


def test_assert_close_reports_shape_and_difference():
    with pytest.raises(AssertionError, match=r"shape \(2,\)"):
        assert_close(np.zeros(2), np.zeros(3))
    with pytest.raises(AssertionError, match="largest difference"):
        assert_close(np.zeros(3), np.ones(3), hint="Divide by 255.")


def test_assert_shape():
    assert_shape(np.zeros((2, 3)), (2, 3))
    with pytest.raises(AssertionError, match=r"expected \(3, 2\)"):
        assert_shape(np.zeros((2, 3)), (3, 2))


def test_expected_values_are_copies_and_mistakes_are_found():
    first = expected_values("nb03_siamese_triplet")
    first["triplet_loss"]["cases"]["alpha=0.173"]["expected"] = "changed"
    case = expected_values(
        "nb03_siamese_triplet")["triplet_loss"]["cases"]["alpha=0.173"]
    assert isinstance(case["expected"], float)
    name = "positive and negative swapped"
    swapped = case["mistakes"][name]
    assert find_mistake(swapped * (1 + 1e-6), case["mistakes"]) == name
    assert find_mistake(case["expected"], case["mistakes"]) is None
    assert same_values(np.float32(case["expected"]), case["expected"])
    assert not same_values([case["expected"]], case["expected"])
    assert not same_values("text", case["expected"])
    with pytest.raises(FileNotFoundError, match="incomplete"):
        expected_values("no_such_topic")


# --- own work: static routes ----------------------------------------------

HONEST = """
def helper(a, b):
    return np.sqrt(np.sum((np.asarray(a) - np.asarray(b)) ** 2, axis=-1))

def distance(a, b, scale=1.0):
    \"\"\"Uses another notebook function, getattr on an object, a model.\"\"\"
    model = getattr(Model(), "compile")
    model(optimizer="adam")
    return scale * helper(a, b)

class Model:
    def compile(self, optimizer):
        return optimizer
"""


def test_an_honest_function_passes_and_keeps_its_signature():
    distance = notebook(HONEST, "distance")
    own = assert_own_function(distance)
    assert own.__name__ == "distance" and own.__wrapped__ is distance
    assert list(inspect.signature(own).parameters) == ["a", "b", "scale"]
    assert own([0.0, 3.0], [4.0, 0.0]) == pytest.approx(5.0)
    assert sys.getprofile() is None


@pytest.mark.parametrize("source, route", [
    ("def f(x, _f=sha256_of):\n    return _f(x)\n",
     "default argument '_f' bound to course code .*sha256_of"),
    ("def f(x, *, _f=sha256_of):\n    return _f(x)\n",
     "default argument '_f' bound to course code"),
    ("def make():\n    g = sha256_of\n    def f(x):\n        return g(x)\n"
     "    return f\nf = make()\n",
     "closure variable 'g' that holds course code"),
    ("import sys\ndef f(x):\n"
     "    return sys.modules['helpers.assets'].sha256_of(x)\n",
     "sys.modules"),
    ("modules = __import__('sys').modules\ndef f(x):\n"
     "    return modules['.'.join(('helpers', 'assets'))].sha256_of(x)\n",
     "uses 'modules', which is sys.modules"),
    ("import importlib\ndef f(x):\n"
     "    return importlib.import_module(NAME).sha256_of(x)\n",
     "importlib"),
    ("def f(x):\n    return __import__('hel' + 'pers').assets.sha256_of(x)\n",
     "__import__"),
    ("def f(x):\n    return eval('sha' + '256_of')(x)\n", "eval"),
    ("def f(x):\n    space = {}\n    exec(open(PATH).read(), space)\n"
     "    return space['sha256_of'](x)\n", "exec"),
    ("def f(x):\n    return compile('x', 'y', 'eval')\n", "compile"),
    ("import sys\ndef f(x):\n"
     "    return getattr(sys, 'modu' + 'les')['helpers.assets'](x)\n",
     "getattr"),
    ("def f(x):\n    import sys as system\n"
     "    return getattr(system, 'path')\n", "getattr"),
    ("import inspect\ndef f(x):\n"
     "    return inspect.getsource(inspect)\n", "inspect.getsource"),
    ("import linecache\ndef f(x):\n    return linecache.getline(x, 1)\n",
     "linecache"),
    ("from helpers.checks import nb03_siamese_triplet as t\ndef f(x):\n"
     "    return t.expected_values('nb03_siamese_triplet')\n",
     "'t' from the course package 'helpers'"),
    ("def f(x):\n    from helpers.checks import nb03_siamese_triplet\n"
     "    return nb03_siamese_triplet.expected_values("
     "'nb03_siamese_triplet')\n",
     "imports the course module helpers.checks"),
    ("def f(x):\n"
     "    return open('helpers/checks/expected/nb05_style_transfer.json')\n",
     "names the course code"),
    ("def g(x):\n    return sha256_of(x)\ndef f(x):\n    return g(x)\n",
     "through your g.*'sha256_of' from the course package"),
])
def test_each_route_to_course_code_is_named(source, route):
    function = notebook(source, "f", sha256_of=helpers.assets.sha256_of,
                        PATH=helpers.assets.__file__, NAME="helpers.assets")
    with pytest.raises(AssertionError, match=route):
        assert_own_function(function)


def test_running_course_source_with_exec_is_a_copy_of_course_code():
    space = {"__name__": "__main__"}
    exec(HELPERS_DIR.joinpath("convolutions.py").read_text(), space)
    wrapper = notebook("def conv(*args):\n"
                       "    return synthetic_volumes(*args)\n",
                       "conv", **space)
    with pytest.raises(AssertionError, match="copy of course code "
                       "helpers/convolutions.py: synthetic_volumes"):
        assert_own_function(wrapper)
    with pytest.raises(AssertionError, match="is a copy of course code"):
        assert_own_function(space["synthetic_ekg"])


# --- own work: the watch on every call --------------------------------------


def test_a_call_that_reaches_course_code_fails_and_names_it():
    hidden = notebook("import types\n"
                      "tools = types.SimpleNamespace(digest=DIGEST)\n"
                      "def f(x):\n    return tools.digest(x)\n", "f",
                      DIGEST=helpers.assets.sha256_of)
    own = assert_own_function(hidden)  # nothing visible without running
    with pytest.raises(AssertionError, match="f ran course code "
                       "helpers/assets.py: sha256_of; write the computation"):
        own(helpers.assets.__file__)
    assert sys.getprofile() is None


def test_the_watch_reports_course_code_before_the_learners_error():
    def broken(x):
        helpers.assets.sha256_of(x)
        raise RuntimeError("later")

    with pytest.raises(AssertionError, match="ran course code") as caught:
        call_watched("broken", broken, helpers.assets.__file__)
    assert isinstance(caught.value.__cause__, RuntimeError)
    with pytest.raises(RuntimeError, match="own error"):
        call_watched("f", notebook("def f():\n"
                                   "    raise RuntimeError('own error')\n",
                                   "f"))
    assert sys.getprofile() is None


def test_course_code_passed_in_by_the_check_is_allowed():
    from helpers.checks.nb05_style_transfer_models import tiny_extractor

    extractor = tiny_extractor(0)
    apply = notebook("def apply(extractor, image):\n"
                     "    return extractor(image)['conv1'].shape\n", "apply")
    image = np.zeros((1, 4, 4, 3), np.float32)
    assert tuple(call_watched("apply", apply, extractor, image)) == \
        (1, 4, 4, 4)


def test_the_previous_profile_hook_is_restored():
    calls = []

    def previous(frame, event, arg):
        calls.append(event)

    sys.setprofile(previous)
    try:
        call_watched("square", notebook("def f(x):\n    return x * x\n",
                                        "f"), 3)
        assert sys.getprofile() is previous
    finally:
        sys.setprofile(None)


def _check_that_calls(function):
    """A public check as the notebooks have them, on a learner function."""
    from helpers.checks.common import learner_check, passed

    @learner_check("double")
    def check_double(double):
        result = double(np.arange(3))
        if not np.array_equal(np.asarray(result) * 1, [0, 2, 4]):
            raise AssertionError("double(np.arange(3)) should be [0, 2, 4].")
        passed("double")

    return check_double(function)


def _cell(source, name):
    """Define ``source`` in a named cell, as IPython does (linecache)."""
    import linecache

    source = textwrap.dedent(source)
    filename = "/tmp/ipykernel_0/cell_1.py"
    linecache.cache[filename] = (len(source), None,
                                 source.splitlines(True), filename)
    namespace = {"__name__": "__main__", "np": np}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def test_learner_exception_is_reported_in_full_with_its_line():
    long_text = "the key is missing " * 30 + "END"
    double = _cell(f"""
        def double(values):
            table = {{}}
            raise KeyError({long_text!r})
        """, "double")
    with pytest.raises(AssertionError) as failure:
        _check_that_calls(double)
    message = str(failure.value)
    assert message.startswith("Your double raised KeyError:")
    assert long_text in message  # the whole text, not cut off
    assert "raise KeyError(" in message  # the learner's own line
    assert isinstance(failure.value.__cause__, KeyError)


def test_a_note_the_check_adds_follows_the_learners_error():
    from helpers.checks.common import learner_check

    half = _cell("""
        def half(values):
            return values[0] / len(values[1:])
        """, "half")

    @learner_check("half")
    def check_half(half):
        try:
            half([1.0])
        except Exception as error:
            error.add_note("It was called with values=[1.0] (one value).")
            raise

    with pytest.raises(AssertionError) as failure:
        check_half(half)
    message = str(failure.value)
    assert message.startswith("Your half raised ZeroDivisionError:")
    assert message.endswith("It was called with values=[1.0] (one value).")


def test_unusable_result_is_not_blamed_on_the_learner_code():
    double = notebook("""
        def double(values):
            return {"values": values}
        """, "double")
    with pytest.raises(AssertionError, match="could not use what your double "
                       "returned"):
        _check_that_calls(double)


def test_check_failures_and_passes_are_unchanged(capsys):
    wrong = notebook("def double(values):\n    return values\n", "double")
    with pytest.raises(AssertionError, match=r"should be \[0, 2, 4\]"):
        _check_that_calls(wrong)
    right = notebook("def double(values):\n    return 2 * values\n", "double")
    _check_that_calls(right)
    assert "double: all public tests passed." in capsys.readouterr().out
