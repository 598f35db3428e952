"""splice_function: a function written blind goes back into its file."""

from __future__ import annotations

import ast
import textwrap

import pytest

from proctor.agent.splice import SpliceError, splice_function
from proctor.errors import ProctorError
from proctor.mine.functions import find_functions, remove_body

MODULE = '''"""Shapes."""

import math

SCALE = 2


def area(r):
    """Area of a circle of radius r."""
    raise NotImplementedError


class Box:
    """A box."""

    def __init__(self, w, h):
        self.w = w
        self.h = h

    @property
    def size(self):
        """Width times height."""
        raise NotImplementedError

    def grow(self, k):
        """A box k times as big."""
        raise NotImplementedError


def untouched():
    return SCALE
'''


def run(source: str, name: str = "m") -> dict[str, object]:
    scope: dict[str, object] = {"__name__": name}
    exec(compile(source, "<spliced>", "exec"), scope)
    return scope


def test_top_level_function_is_replaced_and_the_rest_kept() -> None:
    new = 'def area(r):\n    """Area."""\n    return math.pi * r * r\n'
    out = splice_function(MODULE, "area", new)
    scope = run(out)
    assert scope["area"](1) == pytest.approx(3.14159, rel=1e-4)  # type: ignore[operator]
    assert "raise NotImplementedError" in out  # the methods are still stubs
    assert out.count("def area") == 1
    assert out.startswith('"""Shapes."""\n\nimport math\n')
    assert out.endswith("def untouched():\n    return SCALE\n")


def test_method_is_reindented_and_keeps_its_decorator() -> None:
    new = "def size(self):\n    return self.w * self.h\n"
    out = splice_function(MODULE, "Box.size", new)
    kept = '    @property\n    def size(self):\n        """Width times height."""\n'
    assert kept + "        return self.w * self.h\n" in out
    box = run(out)["Box"](2, 3)  # type: ignore[operator]
    assert box.size == 6


def test_own_decorators_replace_the_originals() -> None:
    new = "@staticmethod\ndef grow(k):\n    return k * 2\n"
    out = splice_function(MODULE, "Box.grow", new)
    assert run(out)["Box"].grow(4) == 8  # type: ignore[attr-defined]


def test_method_written_inside_its_class_with_a_sibling() -> None:
    new = (
        "class Box:\n"
        "    def grow(self, k):\n"
        "        return self._scaled(k)\n"
        "\n"
        "    def _scaled(self, k):\n"
        "        return Box(self.w * k, self.h * k)\n"
    )
    out = splice_function(MODULE, "Box.grow", new)
    assert out.count("class Box") == 1
    scope = run(out)
    box = scope["Box"](1, 2).grow(3)  # type: ignore[operator]
    assert (box.w, box.h) == (3, 6)


def test_helpers_and_imports_are_hoisted() -> None:
    new = (
        "import functools\n"
        "from __future__ import annotations\n"
        "import math\n"
        "from statistics import fmean as avg\n"
        "\n"
        "FACTOR = 3\n"
        "\n"
        "def area(r, k=FACTOR):\n"
        "    return _square(r) * math.pi * k + avg([0, 0])\n"
        "\n"
        "def _square(x):\n"
        "    return x * x\n"
        "\n"
        "def untouched():\n"
        "    return 'rewritten'\n"
        "\n"
        "print(area(2))\n"
    )
    out = splice_function(MODULE, "area", new)
    head = out.split("SCALE = 2")[0]
    assert "import math\nimport functools\nfrom statistics import fmean as avg\n" in head
    assert "__future__" not in out
    assert out.count("import math") == 1  # already there: not added again
    assert out.index("FACTOR = 3") < out.index("def area")  # defined before the default
    assert out.index("def _square") < out.index("def area")
    assert "rewritten" not in out  # the module's own untouched() wins
    assert "print(" not in out
    scope = run(out)
    assert scope["area"](1) == pytest.approx(3 * 3.14159, rel=1e-4)  # type: ignore[operator]
    assert scope["untouched"]() == 2  # type: ignore[operator]


def test_helpers_of_a_method_go_before_its_class() -> None:
    new = "import operator\n\ndef size(self):\n    return _mul(self.w, self.h)\n\n"
    new += "def _mul(a, b):\n    return operator.mul(a, b)\n"
    out = splice_function(MODULE, "Box.size", new)
    assert out.index("def _mul") < out.index("class Box")
    assert run(out)["Box"](4, 5).size == 20  # type: ignore[operator]


def test_imports_go_after_the_docstring_when_there_are_none() -> None:
    source = '"""Doc."""\n\n\ndef f():\n    raise NotImplementedError\n'
    out = splice_function(source, "f", "import os\n\ndef f():\n    return os.sep\n")
    assert out.startswith('"""Doc."""\n\nimport os\n')
    assert run(out)["f"]() == "/"  # type: ignore[operator]


def test_multiline_strings_are_not_reindented() -> None:
    new = 'def size(self):\n    text = """a\nb"""\n    return text\n'
    out = splice_function(MODULE, "Box.size", new)
    assert run(out)["Box"](1, 1).size == "a\nb"  # type: ignore[operator]


def test_indented_answer_is_dedented_first() -> None:
    new = "    def area(r):\n        return r\n"
    assert run(splice_function(MODULE, "area", new))["area"](5) == 5  # type: ignore[operator]


def test_the_prompt_before_the_answer_is_ignored() -> None:
    prompt = '@property\ndef size(self):\n    """Width times height."""\n'
    out = splice_function(MODULE, "Box.size", prompt + "\ndef size(self):\n    return 7\n")
    assert run(out)["Box"](1, 1).size == 7  # type: ignore[operator]
    assert out.count("def size") == 1
    ast.parse(out)


@pytest.mark.parametrize(
    ("qualname", "new", "message"),
    [
        ("nope", "def nope():\n    pass\n", "no function 'nope'"),
        ("Box.nope", "def nope(self):\n    pass\n", "no function 'Box.nope'"),
        ("Nope.size", "def size(self):\n    pass\n", "no function"),
        ("area", "def other(r):\n    return r\n", "does not define 'area'"),
        ("area", "def area(r) return r", "does not parse"),
        ("area", "I would write it like this: area = pi r^2", "does not parse"),
        ("area", "", "does not define"),
    ],
)
def test_errors_are_typed(qualname: str, new: str, message: str) -> None:
    with pytest.raises(SpliceError, match=message) as info:
        splice_function(MODULE, qualname, new)
    assert isinstance(info.value, ProctorError)


def test_a_source_that_does_not_parse_is_an_error() -> None:
    with pytest.raises(SpliceError, match="the file does not parse"):
        splice_function("def f(:\n", "f", "def f():\n    pass\n")


def test_splicing_the_original_back_restores_the_file() -> None:
    original = MODULE.replace(
        '        """Width times height."""\n        raise NotImplementedError\n',
        '        """Width times height."""\n        return self.w * self.h\n',
    )
    fn = next(f for f in find_functions("m.py", original) if f.qualname == "Box.size")
    stubbed = remove_body(original, fn)
    text = "".join(original.splitlines(keepends=True)[fn.first_line - 1 : fn.end_line])
    assert splice_function(stubbed, "Box.size", textwrap.dedent(text)) == original


def test_a_function_written_without_a_docstring_keeps_its_own() -> None:
    out = splice_function(
        MODULE, "Box.grow", "def grow(self, k):\n    return Box(self.w * k, self.h * k)\n"
    )
    assert '    def grow(self, k):\n        """A box k times as big."""\n        return Box(' in out
    assert run(out)["Box"].grow.__doc__ == "A box k times as big."  # type: ignore[attr-defined]


def test_a_multiline_docstring_is_reindented_to_the_new_body() -> None:
    source = 'def f(x):\n    """One.\n\n    Two.\n    """\n    return x\n'
    out = splice_function(source, "f", "def f(x):\n  # two-space body\n  return x + 1\n")
    assert out == 'def f(x):\n  # two-space body\n  """One.\n\n  Two.\n  """\n  return x + 1\n'
    assert run(out)["f"](1) == 2  # type: ignore[operator]


@pytest.mark.parametrize(
    ("new", "doc"),
    [
        ('def area(r):\n    """Mine."""\n    return r\n', "Mine."),  # its own wins
        ("def area(r): return r\n", None),  # a body on the def line: nothing to put it before
    ],
)
def test_a_docstring_of_its_own_or_a_one_line_body_is_left_as_written(
    new: str, doc: str | None
) -> None:
    assert run(splice_function(MODULE, "area", new))["area"].__doc__ == doc  # type: ignore[attr-defined]


def test_the_docstring_goes_before_a_decorated_first_statement() -> None:
    new = (
        "def area(r):\n    @staticmethod\n    def inner():\n        return r\n    return inner()\n"
    )
    out = splice_function(MODULE, "area", new)
    assert '    """Area of a circle of radius r."""\n    @staticmethod\n' in out
