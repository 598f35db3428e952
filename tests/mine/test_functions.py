"""Finding functions, removing their bodies, and choosing which ones make tasks (pure)."""

from __future__ import annotations

import ast

from proctor.mine.functions import find_functions, isolated_prompt, remove_body
from proctor.mine.synth import SuiteRun, choose, task_stem

SOURCE = '''"""Module."""
import functools


@functools.lru_cache
def total(
    values,
    start=0,
):
    # add them up
    result = start
    for v in values:
        result += v
    return result


class Box:
    """A box."""

    def __init__(self, items):
        self.items = items

    def heaviest(self, key=None):
        """The heaviest item, by ``key``.

        Empty boxes give None.
        """
        if not self.items:
            return None
        return max(self.items, key=key)

    def size(self):
        return len(self.items)


def short(): return 1


def test_like():
    assert total([1]) == 1


async def later():
    """Async."""
    a = 1
    b = 2
    return a + b
'''


def test_finds_top_level_functions_and_methods() -> None:
    found = {f.qualname: f for f in find_functions("pkg/mod.py", SOURCE)}
    assert set(found) == {"total", "Box.heaviest", "Box.size"}
    total = found["total"]
    assert (total.first_line, total.header_end, total.body_start) == (5, 9, 11)
    assert total.body_lines == 4 and not total.has_docstring and not total.is_method
    heaviest = found["Box.heaviest"]
    assert heaviest.has_docstring and heaviest.is_method and heaviest.body_lines == 3
    assert heaviest.body_indent == " " * 8


def test_remove_body_keeps_signature_and_docstring() -> None:
    found = {f.qualname: f for f in find_functions("m.py", SOURCE)}
    stubbed = remove_body(SOURCE, found["Box.heaviest"])
    assert (
        '        Empty boxes give None.\n        """\n        raise NotImplementedError\n'
        in stubbed
    )
    assert "return max(" not in stubbed and "def size(self):" in stubbed
    ast.parse(stubbed)
    stubbed = remove_body(SOURCE, found["total"])
    assert "):\n    raise NotImplementedError\n\n\nclass Box" in stubbed
    assert "# add them up" not in stubbed
    ast.parse(stubbed)


def test_isolated_prompt_is_signature_and_docstring() -> None:
    found = {f.qualname: f for f in find_functions("m.py", SOURCE)}
    assert isolated_prompt(SOURCE, found["Box.heaviest"]) == (
        'def heaviest(self, key=None):\n    """The heaviest item, by ``key``.\n\n'
        '    Empty boxes give None.\n    """\n'
    )
    assert isolated_prompt(SOURCE, found["total"]).startswith("@functools.lru_cache\ndef total(")


def test_unparsable_file_has_no_functions() -> None:
    assert find_functions("bad.py", "def (:\n") == []


def test_choose_needs_a_passing_covering_test_and_prefers_docstrings() -> None:
    functions = find_functions("pkg/mod.py", SOURCE) + find_functions("tests/test_mod.py", SOURCE)
    run = SuiteRun(
        outcomes={"t.py::a": "passed", "t.py::b": "failed", "t.py::c": "passed"},
        calls={
            "t.py::a": [("pkg/mod.py", 5, "total"), ("tests/test_mod.py", 5, "total")],
            "t.py::b": [("pkg/mod.py", 23, "Box.heaviest")],
            "t.py::c": [("pkg/mod.py", 23, "Box.heaviest"), ("pkg/mod.py", 5, "total")],
        },
    )
    chosen = choose(functions, run, max_tasks=5)
    assert [(c.function.path, c.function.qualname) for c in chosen] == [
        ("pkg/mod.py", "Box.heaviest"),
        ("pkg/mod.py", "total"),
    ]
    assert chosen[0].tests == ("t.py::c",)
    assert chosen[1].tests == ("t.py::a", "t.py::c")
    assert len(choose(functions, run, max_tasks=0)) == 0
    documented = choose(functions, run, max_tasks=5, documented_only=True)
    assert [c.function.qualname for c in documented] == ["Box.heaviest"]


def test_task_stem_names_the_module_as_imported() -> None:
    src = {f.qualname: f for f in find_functions("src/pkg/__init__.py", SOURCE)}
    assert task_stem("lib", src["Box.heaviest"], ["src"]) == "lib-pkg.Box.heaviest"
    flat = {f.qualname: f for f in find_functions("pkg/mod.py", SOURCE)}
    assert task_stem("lib", flat["total"]) == "lib-pkg.mod.total"
