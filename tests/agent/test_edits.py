"""Edit blocks: parsing realistic answers, applying them exactly, loosely, fuzzily, or not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from proctor.agent.edits import (
    EditBlock,
    apply_block,
    apply_blocks,
    parse_edit_blocks,
    replace_text,
    safe_path,
)
from proctor.agent.errors import EditNotApplied, MalformedAnswer, UnsafePath

WELL_FORMED = """calc.py
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    return sum(values) / len(values)
>>>>>>> REPLACE
"""

FENCED_CHATTY = """The bug is an off-by-one in the divisor of `mean`. Here is the fix:

src/calc.py
```python
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    return sum(values) / len(values)
>>>>>>> REPLACE
```

We should also document it. In `docs/usage.md`:

```markdown
<<<<<<< SEARCH
Compute the mean.
=======
Compute the arithmetic mean.
>>>>>>> REPLACE
```

And add a test:

```python tests/test_mean.py
<<<<<<< SEARCH
=======
from calc import mean


def test_mean():
    assert mean([1, 2, 3]) == 2
>>>>>>> REPLACE
```

**calc.py**
```python
<<<<<<< SEARCH
def add(a, b):
=======
def add(a: int, b: int) -> int:
>>>>>>> REPLACE
```
<<<<<<< SEARCH
    \"\"\"Sum of a and b.\"\"\"
=======
    \"\"\"The sum of a and b.\"\"\"
>>>>>>> REPLACE

CONFIDENCE: 0.8
"""


def test_parse_well_formed() -> None:
    [block] = parse_edit_blocks(WELL_FORMED)
    assert block == EditBlock(
        "calc.py",
        "    return sum(values) / (len(values) + 1)\n",
        "    return sum(values) / len(values)\n",
    )


def test_parse_fenced_chatty_several_files_and_a_new_one() -> None:
    blocks = parse_edit_blocks(FENCED_CHATTY)
    assert [b.path for b in blocks] == [
        "src/calc.py",
        "docs/usage.md",
        "tests/test_mean.py",
        "calc.py",
        "calc.py",  # no path before it: the previous block's
    ]
    assert blocks[2].search == ""
    assert blocks[2].replace.startswith("from calc import mean\n")
    assert blocks[4].replace == '    """The sum of a and b."""\n'


def test_parse_crlf_and_decorated_paths() -> None:
    text = "### pkg/mod.py:\r\n<<<<<<< SEARCH\r\nx = 1\r\n=======\r\nx = 2\r\n>>>>>>> REPLACE\r\n"
    [block] = parse_edit_blocks(text)
    assert block == EditBlock("pkg/mod.py", "x = 1\n", "x = 2\n")


def test_parse_empty_replace_deletes() -> None:
    [block] = parse_edit_blocks("a.py\n<<<<<<< SEARCH\nx = 1\n=======\n>>>>>>> REPLACE\n")
    assert block.replace == ""


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Looks fine to me.\nCONFIDENCE: 0.9", "no edit blocks"),
        ("a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n", "unterminated"),
        ("a.py\n<<<<<<< SEARCH\nx = 1\n>>>>>>> REPLACE\n", "missing ======="),
        ("a.py\n<<<<<<< SEARCH\nx = 1\n", "unterminated"),
        ("Here you go:\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE", "no file path"),
        ("a.py\n=======\nx = 2\n>>>>>>> REPLACE", "without <<<<<<< SEARCH"),
    ],
)
def test_parse_malformed(text: str, match: str) -> None:
    with pytest.raises(MalformedAnswer, match=match):
        parse_edit_blocks(text)


def _apply(root: Path, path: str, search: str, replace: str) -> str:
    return apply_block(root, EditBlock(path, search, replace)).how


def test_apply_exact(repo: Path) -> None:
    [block] = parse_edit_blocks(WELL_FORMED)
    assert apply_block(repo, block).how == "exact"
    assert "/ len(values)\n" in (repo / "calc.py").read_text()


def test_apply_whitespace_tolerant_reindents(repo: Path) -> None:
    search = "return sum(values) / (len(values) + 1)   \n"
    replace = "if not values:\n    raise ValueError('empty')\nreturn sum(values) / len(values)\n"
    assert _apply(repo, "calc.py", search, replace) == "whitespace"
    text = (repo / "calc.py").read_text()
    assert "    if not values:\n        raise ValueError('empty')\n" in text
    assert "        raise ValueError('empty')\n    return sum(values) / len(values)\n" in text


def test_apply_fuzzy(repo: Path) -> None:
    doc = '    """Arithmetic mean of a non-empty list"""\n'  # the model dropped the full stop
    search = f"def mean(values):\n{doc}    return sum(values) / (len(values) + 1)\n"
    replace = f"def mean(values):\n{doc}    return sum(values) / len(values)\n"
    applied = apply_block(repo, EditBlock("calc.py", search, replace))
    assert applied.how == "fuzzy"
    assert 0.9 <= applied.score < 1
    assert "return sum(values) / len(values)\n" in (repo / "calc.py").read_text()


def test_apply_not_found_says_what_is_closest(repo: Path) -> None:
    with pytest.raises(EditNotApplied) as err:
        _apply(repo, "calc.py", "def mean(vals):\n    return sum(vals) / n\n", "x\n")
    assert err.value.kind == "not-found"
    assert "def mean(values):" in err.value.hint


def test_apply_ambiguous(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def f():\n    return 1\n\n\ndef g():\n    return 1\n")
    with pytest.raises(EditNotApplied, match="found 2 times") as err:
        _apply(tmp_path, "m.py", "    return 1\n", "    return 2\n")
    assert err.value.kind == "ambiguous"
    assert "return 2" not in (tmp_path / "m.py").read_text()


def test_apply_fuzzy_ambiguous(tmp_path: Path) -> None:
    body = "def {}(x):\n    total = x + 1\n    return total * 2\n\n\n"
    (tmp_path / "m.py").write_text(body.format("f") + body.format("g"))
    search = "    total = x + 1\n    return total * 3\n"  # close to both, exactly like neither
    with pytest.raises(EditNotApplied) as err:
        _apply(tmp_path, "m.py", search, "    return 0\n")
    assert err.value.kind == "ambiguous"


def test_apply_missing_file_and_create(repo: Path) -> None:
    with pytest.raises(EditNotApplied) as err:
        _apply(repo, "nope.py", "x = 1\n", "x = 2\n")
    assert err.value.kind == "missing"
    assert _apply(repo, "pkg/new.py", "", "x = 1\n") == "created"
    assert (repo / "pkg" / "new.py").read_text() == "x = 1\n"
    assert _apply(repo, "pkg/new.py", "", "x = 1\n") == "already-applied"
    with pytest.raises(EditNotApplied) as err:
        _apply(repo, "calc.py", "", "x = 1\n")
    assert err.value.kind == "exists"


def test_apply_already_applied(repo: Path) -> None:
    [block] = parse_edit_blocks(WELL_FORMED)
    apply_block(repo, block)
    assert apply_block(repo, block).how == "already-applied"


def test_crlf_file_stays_crlf() -> None:
    content = "a = 1\r\nb = 2\r\nc = 3\r\n"
    new, applied = replace_text(content, EditBlock("f.py", "b = 2\n", "b = 20\n"))
    assert new == "a = 1\r\nb = 20\r\nc = 3\r\n"
    assert applied.how == "exact"


def test_no_trailing_newline_kept() -> None:
    new, _ = replace_text("a = 1\nb = 2", EditBlock("f.py", "b = 2\n", "b = 3\n"))
    assert new == "a = 1\nb = 3"


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../outside.py", "a/../../x.py", ".git/config", "C:/x.py"]
)
def test_paths_outside_are_rejected(repo: Path, path: str) -> None:
    with pytest.raises(UnsafePath):
        safe_path(repo, path)
    with pytest.raises(EditNotApplied) as err:
        _apply(repo, path, "", "x\n")
    assert err.value.kind == "unsafe"


def test_symlink_escaping_is_rejected(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "link")
    with pytest.raises(EditNotApplied) as err:
        _apply(repo, "link/evil.py", "", "x\n")
    assert err.value.kind == "unsafe"
    assert not (outside / "evil.py").exists()


def test_apply_blocks_in_order_keeps_going_past_a_failure(repo: Path) -> None:
    blocks = [
        EditBlock("calc.py", "def add(a, b):\n", "def add(a, b, c=0):\n"),
        EditBlock("calc.py", "no such line\n", "x\n"),
        EditBlock("calc.py", "def add(a, b, c=0):\n", "def add(a, b, c=1):\n"),
    ]
    applied, failed = apply_blocks(repo, blocks)
    assert [a.how for a in applied] == ["exact", "exact"]
    assert [f.kind for f in failed] == ["not-found"]
    assert "def add(a, b, c=1):" in (repo / "calc.py").read_text()
