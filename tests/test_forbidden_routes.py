"""Both own-work scanners reject every route of their one shared list.

The grader's scan (instructor.grading.own_work, on the answer cells'
source) and the public checks' (helpers.checks.own_work, on the function
object) read helpers.checks.forbidden_routes; each route of that list is
used by a small answer here and must be named by both.
"""

import textwrap

import pytest

from helpers.checks import forbidden_routes as routes
from helpers.checks.own_work import assert_own_function
from instructor.grading.own_work import find_routes


def _uses():
    """Yield (id, function source using one route, the route's message)."""
    for name, message in routes.CALLS.items():
        yield name, f"def f(x):\n    return {name}('x')\n", message
    for module, message in routes.MODULES.items():
        yield module, f"def f(x):\n    import {module}\n    return x\n", \
            message
    for attribute, (owner, message) in routes.ATTRIBUTES.items():
        yield f"x.{attribute}", \
            f"def f(x):\n    return x.{attribute}\n", message
        yield f"from {owner} import {attribute}", (
            f"def f(x):\n    from {owner or 'os'} import {attribute}\n"
            "    return x\n"), message
    for (owner, attribute), message in routes.MODULE_ATTRIBUTES.items():
        yield f"{owner}.{attribute}", (
            f"def f(x):\n    import {owner}\n"
            f"    return {owner}.{attribute}()\n"), message
        yield f"{owner}.{attribute} at the cell's level", (
            f"import {owner} as alias\ndef f(x):\n"
            f"    return alias.{attribute}()\n"), message
        yield f"from {owner} import {attribute}", (
            f"def f(x):\n    from {owner} import {attribute}\n"
            f"    return {attribute}()\n"), message
    for name, message in routes.NAMES.items():
        yield name, f"def f(x):\n    return {name}\n", message


USES = list(_uses())


def test_the_list_joins_what_both_scanners_forbade():
    forbidden = (set(routes.CALLS) | set(routes.MODULES)
                 | set(routes.ATTRIBUTES)
                 | {name for _, name in routes.MODULE_ATTRIBUTES})
    # ctypes, gc and vars were the grader's only; runpy, __dict__ the
    # public checks' only.
    assert {"ctypes", "get_objects", "get_referrers", "vars", "runpy",
            "__dict__", "globals", "_getframe", "stack"} <= forbidden


@pytest.mark.parametrize("source, message", [use[1:] for use in USES],
                         ids=[use[0] for use in USES])
def test_the_grader_rejects_each_route(source, message):
    assert message in find_routes(source), (source, find_routes(source))


@pytest.mark.parametrize("source, message", [use[1:] for use in USES],
                         ids=[use[0] for use in USES])
def test_the_public_checks_reject_each_route(source, message):
    namespace = {"__name__": "__main__"}
    exec(textwrap.dedent(source), namespace)
    with pytest.raises(AssertionError) as raised:
        assert_own_function(namespace["f"])
    assert message in str(raised.value)


def test_a_stack_that_is_not_inspect_s_is_no_route():
    source = ("import numpy as np\ndef f(x):\n"
              "    return np.stack([x, x])\n")
    namespace = {"__name__": "__main__"}
    exec(source, namespace)
    assert find_routes(source) == []
    assert_own_function(namespace["f"])
