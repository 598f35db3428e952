"""Mutants of a reference change: each kind on small sources, as diffs git makes and applies."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.repo.conftest import git

from proctor.repo import MUTANT_KINDS, Mutant, build_mutants
from proctor.repo.hunks import parse_file_diff
from proctor.repo.mutants import _Edit, _edited, source_files


class Change:
    """A one-commit repository at base and the diff ``git diff`` makes of the fix."""

    def __init__(self, root: Path, base: dict[str, str], fixed: dict[str, str]) -> None:
        self.root, self.base = root, base
        root.mkdir()
        git(root, "init", "-q")
        self._write(base)
        git(root, "add", "-A")
        git(root, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base")
        self._write(fixed)
        git(root, "add", "-A")
        self.patch = git(root, "diff", "--cached", "--no-renames")
        git(root, "reset", "-q", "--hard")

    def _write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            (self.root / name).write_text(text)

    def mutants(self, max_per_kind: int = 2) -> list[Mutant]:
        return build_mutants(self.patch, self.base.get, max_per_kind)

    def applied(self, mutant: Mutant, path: str) -> str | None:
        """``path`` as ``mutant`` leaves it (``None``: absent), applied to the base by a
        strict ``git apply`` (no recount, no fuzz: the diff is exactly right)."""
        git(self.root, "apply", "-", input=mutant.patch.encode())
        try:
            file = self.root / path
            return file.read_text() if file.exists() else None
        finally:
            git(self.root, "checkout", "-q", "--", ".")
            git(self.root, "clean", "-qfd")


def kinds(mutants: list[Mutant]) -> list[str]:
    return [m.kind for m in mutants]


CLAMP_BASE = '''"""Clamp."""


def clamp(values, low, high):
    out = []
    for v in values:
        out.append(v)
    return out
'''
CLAMP_FIXED = '''"""Clamp."""


def clamp(values, low, high):
    out = []
    for v in values:
        if v < low:
            v = low
        elif v >= high:
            v = high
        out.append(v)
    return out
'''


def test_negate_condition_wraps_tests_on_added_lines(tmp_path: Path) -> None:
    change = Change(tmp_path / "r", {"m.py": CLAMP_BASE}, {"m.py": CLAMP_FIXED})
    negated = [m for m in change.mutants() if m.kind == "negate-condition"]
    assert [m.description for m in negated] == [
        "m.py:7: `v < low` negated",
        "m.py:9: `v >= high` negated",
    ]
    assert change.applied(negated[0], "m.py") == CLAMP_FIXED.replace(
        "if v < low:", "if not (v < low):"
    )
    assert "elif not (v >= high):" in change.applied(negated[1], "m.py")


def test_negate_condition_covers_while_ifexp_and_assert_but_not_old_lines(tmp_path: Path) -> None:
    base = "def f(n):\n    if n:\n        pass\n    return n\n"
    fixed = (
        "def f(n):\n    if n:\n        pass\n    while n > 9:\n        n -= 1\n"
        "    assert n >= 0\n    return n if n else 1\n"
    )
    change = Change(tmp_path / "r", {"f.py": base}, {"f.py": fixed})
    negated = [m.description for m in change.mutants(5) if m.kind == "negate-condition"]
    assert negated == [
        "f.py:4: `n > 9` negated",
        "f.py:6: `n >= 0` negated",
        "f.py:7: `n` negated",
    ]  # `if n:` on line 2 is the base's


def test_return_early_goes_before_the_first_added_statement(tmp_path: Path) -> None:
    change = Change(tmp_path / "r", {"m.py": CLAMP_BASE}, {"m.py": CLAMP_FIXED})
    (early,) = [m for m in change.mutants() if m.kind == "return-early"]
    assert early.description == "m.py:7: `return` before `if v < low:` in clamp()"
    text = change.applied(early, "m.py")
    assert "    for v in values:\n        return\n        if v < low:\n" in text


def test_return_early_skips_generators_returns_and_docstrings(tmp_path: Path) -> None:
    base = (
        "def gen(xs):\n    yield 1\n\n\ndef get(x):\n    return 0\n\n\n"
        "class C:\n    def m(self):\n        pass\n"
    )
    fixed = (
        "def gen(xs):\n    ys = list(xs)\n    yield 1\n\n\ndef get(x):\n    return x\n\n\n"
        "class C:\n    def m(self):\n        self.x = 1\n        pass\n"
    )
    change = Change(tmp_path / "r", {"g.py": base}, {"g.py": fixed})
    early = [m for m in change.mutants() if m.kind == "return-early"]
    assert [m.description for m in early] == ["g.py:12: `return` before `self.x = 1` in m()"]
    assert "    def m(self):\n        return\n        self.x = 1\n" in change.applied(
        early[0], "g.py"
    )


def test_off_by_one_flips_comparisons_and_moves_bounds(tmp_path: Path) -> None:
    base = "def f(xs, n):\n    return xs\n"
    fixed = (
        "def f(xs, n):\n    if len(xs) > n:\n        xs = xs[:3]\n"
        "    return [x for x in range(5) if x <= n]\n"
    )
    change = Change(tmp_path / "r", {"f.py": base}, {"f.py": fixed})
    found = [m for m in change.mutants(9) if m.kind == "off-by-one"]
    assert [m.description.split(": ", 1)[1].split(" in ")[0] for m in found] == [
        "`>` -> `>=`",
        "`3` -> `4`",
        "`5` -> `6`",
        "`<=` -> `<`",
    ]
    assert "if len(xs) >= n:" in change.applied(found[0], "f.py")
    assert "xs[:4]" in change.applied(found[1], "f.py")
    assert "range(6)" in change.applied(found[2], "f.py")


def test_only_added_lines_are_mutated(tmp_path: Path) -> None:
    base = "def f(x):\n    if x < 3:\n        return 1\n    return 2\n"
    fixed = "def f(x):\n    if x < 3:\n        return 1\n    return 3\n"
    change = Change(tmp_path / "r", {"f.py": base}, {"f.py": fixed})
    assert change.mutants() == []  # the added line is a return with no bound or condition


def test_nothing_to_mutate_gives_no_mutants(tmp_path: Path) -> None:
    base = "def mean(v):\n    return sum(v) / (len(v) + 1)\n"
    fixed = "def mean(v):\n    return sum(v) / len(v)\n"
    change = Change(tmp_path / "r", {"calc.py": base}, {"calc.py": fixed})
    assert change.mutants() == []


def test_drop_hunk_needs_two_python_hunks(tmp_path: Path) -> None:
    far = "".join(f"x{i} = {i}\n" for i in range(20))
    base = f"def a():\n    return 1\n{far}\ndef b():\n    return 2\n"
    fixed = base.replace("return 1", "return 10").replace("return 2", "return 20")
    change = Change(tmp_path / "r", {"m.py": base}, {"m.py": fixed})
    dropped = [m for m in change.mutants() if m.kind == "drop-hunk"]
    assert [m.description for m in dropped] == [
        "m.py:2: hunk 1 of 2 left out",
        "m.py:25: hunk 2 of 2 left out",
    ]
    assert change.applied(dropped[0], "m.py") == base.replace("return 2", "return 20")
    assert change.applied(dropped[1], "m.py") == base.replace("return 1", "return 10")
    one = Change(
        tmp_path / "one",
        {"m.py": base, "NEWS": "old\n"},
        {"m.py": base.replace("return 1", "return 10"), "NEWS": "new\n"},
    )
    assert one.mutants() == []  # the NEWS hunk is no Python hunk: dropping m.py's = empty


def test_a_dropped_hunk_that_breaks_the_syntax_is_no_mutant(tmp_path: Path) -> None:
    far = "".join(f"x{i} = {i}\n" for i in range(20))
    base = f"a = 1\n{far}b = 2\n"
    fixed = base.replace("a = 1", 'a = """').replace("b = 2", '"""')  # one string, 22 lines
    change = Change(tmp_path / "r", {"m.py": base}, {"m.py": fixed})
    assert len(parse_file_diff(change.patch).hunks) == 2
    assert change.mutants() == []  # either hunk alone leaves a string open


def test_drop_hunk_leaves_out_a_whole_file(tmp_path: Path) -> None:
    change = Change(
        tmp_path / "r",
        {"a.py": "A = 1\n", "b.py": "B = 1\n"},
        {"a.py": "A = 2\n", "b.py": "B = 2\n", "c.py": "C = 3\n"},
    )
    dropped = [m for m in change.mutants(3) if m.kind == "drop-hunk"]
    assert [m.description for m in dropped] == [
        "a.py:1: hunk 1 of 1 left out",
        "b.py:1: hunk 1 of 1 left out",
        "c.py:1: hunk 1 of 1 left out",
    ]
    assert change.applied(dropped[0], "a.py") == "A = 1\n"
    assert change.applied(dropped[2], "b.py") == "B = 2\n"
    assert change.applied(dropped[2], "c.py") is None
    assert change.applied(dropped[0], "c.py") == "C = 3\n"


def test_at_most_n_per_kind_in_a_fixed_order(tmp_path: Path) -> None:
    change = Change(tmp_path / "r", {"m.py": CLAMP_BASE}, {"m.py": CLAMP_FIXED})
    assert kinds(change.mutants(1)) == ["negate-condition", "return-early", "off-by-one"]
    assert change.mutants(0) == []
    assert change.mutants() == change.mutants()
    assert set(kinds(change.mutants())) <= set(MUTANT_KINDS)


def test_a_new_file_and_a_missing_final_newline_still_apply(tmp_path: Path) -> None:
    change = Change(
        tmp_path / "r",
        {"old.py": "def f(x):\n    return x"},
        {
            "old.py": "def f(x):\n    if x > 0:\n        return x\n    return 0",
            "new.py": "if 1 < 2:\n    pass\n",
        },
    )
    mutants = change.mutants()
    assert mutants and all(m.patch.endswith("\n") for m in mutants)
    for mutant in mutants:
        change.applied(mutant, "old.py")  # each applies (git raises otherwise)
    negated = [m for m in mutants if m.kind == "negate-condition"]
    assert [m.description for m in negated] == [
        "new.py:1: `1 < 2` negated",  # files in the patch's order
        "old.py:2: `x > 0` negated",
    ]
    assert change.applied(negated[0], "new.py") == "if not (1 < 2):\n    pass\n"
    assert change.applied(negated[1], "old.py").endswith(
        "if not (x > 0):\n        return x\n    return 0"
    )


def test_an_edit_that_does_not_parse_or_changes_nothing_is_dropped(tmp_path: Path) -> None:
    change = Change(tmp_path / "r", {"m.py": CLAMP_BASE}, {"m.py": CLAMP_FIXED})
    (file,) = source_files(change.patch, change.base.get)
    at = CLAMP_FIXED.index("v < low")
    assert _edited(change.patch, file, _Edit(at, at + 1, "v(", 7, "")) is None
    assert _edited(change.patch, file, _Edit(at, at + 1, "v", 7, "")) is None
    assert _edited(change.patch, file, _Edit(at, at + 1, "w", 7, "")) is not None


def test_a_file_that_does_not_match_its_diff_is_not_edited(tmp_path: Path) -> None:
    change = Change(tmp_path / "r", {"m.py": CLAMP_BASE}, {"m.py": CLAMP_FIXED})
    assert source_files(change.patch, lambda _: "something else\n") == []
    assert source_files(change.patch, lambda _: CLAMP_BASE) != []


@pytest.mark.parametrize("source", ["def f(:\n", "x = 1\r y = 2\n"])
def test_a_fixed_file_that_does_not_parse_gives_no_edits(tmp_path: Path, source: str) -> None:
    change = Change(tmp_path / "r", {"m.py": "pass\n"}, {"m.py": source})
    assert source_files(change.patch, change.base.get) == []
