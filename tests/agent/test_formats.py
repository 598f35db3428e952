"""Edit formats: search/replace blocks, whole files and unified diffs, read and applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.agent import OneShotAgent, apply_answer, has_edits, parse_edits
from proctor.agent.errors import MalformedAnswer
from proctor.agent.oneshot import MAX_REFLECTIONS
from proctor.errors import ConfigError
from proctor.model.base import Problem

WHOLE = '''Here is the file.

calc.py
```python
"""Tiny calculator."""


def add(a, b):
    """Sum of a and b."""
    return a + b


def mean(values):
    """Arithmetic mean of a non-empty list."""
    return sum(values) / len(values)
```

CONFIDENCE: 0.7
'''

UDIFF = """```diff
--- a/calc.py
+++ b/calc.py
@@ -10,3 +10,3 @@ def mean(values):
 def mean(values):
     \"\"\"Arithmetic mean of a non-empty list.\"\"\"
-    return sum(values) / (len(values) + 1)
+    return sum(values) / len(values)
```
CONFIDENCE: 0.7
"""

NEW_FILE = """```diff
--- /dev/null
+++ b/notes/readme.txt
@@ -0,0 +1,1 @@
+hello
```
"""


def fixed(repo: Path) -> bool:
    return "return sum(values) / len(values)" in (repo / "calc.py").read_text()


@pytest.mark.parametrize(("answer", "fmt"), [(WHOLE, "whole-file"), (UDIFF, "udiff")])
def test_each_format_applies(repo: Path, answer: str, fmt: str) -> None:
    assert apply_answer(answer, repo, fmt) == ""
    assert fixed(repo)
    assert "def add(a, b):" in (repo / "calc.py").read_text()


def test_udiff_creates_a_file_and_ignores_line_numbers(repo: Path) -> None:
    assert apply_answer(NEW_FILE, repo, "udiff") == ""
    assert (repo / "notes" / "readme.txt").read_text() == "hello\n"
    shifted = UDIFF.replace("@@ -10,3 +10,3 @@", "@@ -99,3 +99,3 @@")
    assert apply_answer(shifted, repo, "udiff") == ""
    assert fixed(repo)


def test_udiff_with_wrong_context_fails_with_the_reason(repo: Path) -> None:
    wrong = UDIFF.replace("(len(values) + 1)", "count").replace("Arithmetic", "Weighted")
    assert "not-found" in apply_answer(wrong, repo, "udiff")


@pytest.mark.parametrize("fmt", ["search-replace", "whole-file", "udiff"])
def test_a_bare_confidence_line_is_no_edit_in_any_format(repo: Path, fmt: str) -> None:
    assert not has_edits("CONFIDENCE: 0.8", fmt)
    with pytest.raises(MalformedAnswer):
        parse_edits("CONFIDENCE: 0.8", fmt, repo)
    assert apply_answer("CONFIDENCE: 0.8", repo, fmt).startswith("malformed")


def test_whole_file_outside_the_repo_is_refused(repo: Path) -> None:
    answer = "../evil.py\n```python\nx = 1\n```\n"
    assert "unsafe" in apply_answer(answer, repo, "whole-file")


def test_unknown_format_is_a_config_error(script, retriever) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="known: search-replace, whole-file, udiff, function"):
        OneShotAgent(script([]), retriever, edit_format="json")


@pytest.mark.parametrize(("answer", "fmt"), [(WHOLE, "whole-file"), (UDIFF, "udiff")])
def test_agent_prompts_and_applies_its_format(  # type: ignore[no-untyped-def]
    script, retriever, problem: Problem, answer: str, fmt: str
) -> None:
    llm = script([answer])
    sub = OneShotAgent(llm, retriever, edit_format=fmt).solve(problem)
    assert (sub.status, sub.first_try) == ("submitted", True)
    assert fixed(problem.checkout)
    system, example, user = (llm.seen[0][i]["content"] for i in (0, 2, 3))
    shown = "```diff" if fmt == "udiff" else "app/hello.py\n```python"
    assert shown in example and "SEARCH" not in system + example
    # the format is stated first and restated as the last thing the model reads
    assert user.rstrip().endswith("end with the CONFIDENCE line.")


def test_first_try_is_recorded(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    bad = "calc.py\n<<<<<<< SEARCH\nnot in the file\n=======\nx = 1\n>>>>>>> REPLACE\n"
    good = (
        "calc.py\n<<<<<<< SEARCH\n    return sum(values) / (len(values) + 1)\n=======\n"
        "    return sum(values) / len(values)\n>>>>>>> REPLACE\nCONFIDENCE: 0.5\n"
    )
    retried = OneShotAgent(script([bad, good]), retriever).solve(problem)
    assert (retried.status, retried.first_try) == ("submitted", False)
    bare = OneShotAgent(script(["CONFIDENCE: 0.8"] * (1 + MAX_REFLECTIONS)), retriever).solve(
        problem
    )
    assert (bare.status, bare.first_try) == ("malformed", False)
    gave_up = OneShotAgent(script(["CANNOT FIX: needs C"]), retriever).solve(problem)
    assert (gave_up.status, gave_up.first_try) == ("cannot-fix", None)


FUNCTION = """calc.py
```python
def mean(values):
    \"\"\"Arithmetic mean of a non-empty list.\"\"\"
    return sum(values) / len(values)
```
CONFIDENCE: 0.7
"""


def test_function_format_splices_by_name(repo: Path) -> None:
    assert apply_answer(FUNCTION, repo, "function") == ""
    assert fixed(repo) and "def add(a, b):" in (repo / "calc.py").read_text()


def test_function_format_finds_the_file_without_a_path(repo: Path) -> None:
    assert apply_answer(FUNCTION.replace("calc.py\n", "", 1), repo, "function") == ""
    assert fixed(repo)


def test_function_format_needs_a_function_of_the_repo(repo: Path) -> None:
    unknown = FUNCTION.replace("def mean(", "def median(")
    assert "median not found" in apply_answer(unknown, repo, "function")


def test_local_models_default_to_the_function_format(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    from proctor.model import local_spec

    assert local_spec("qwen2.5-coder-0.5b").edit_format == "function"
    llm = script([FUNCTION])
    sub = OneShotAgent(llm, retriever, edit_format="function").solve(problem)
    assert (sub.status, sub.first_try) == ("submitted", True) and fixed(problem.checkout)
    roles = [m["role"] for m in llm.seen[0]]
    assert roles == ["system", "user"]  # no example turn: a 0.5B model copies it


def test_function_format_reads_a_path_comment_and_a_method_of_its_class(repo: Path) -> None:
    (repo / "shapes.py").write_text(
        "class Square:\n    def area(self):\n        return 0\n\n\n"
        "class Circle:\n    def area(self):\n        return 0\n"
    )
    answer = "```python\n# shapes.py\nclass Circle:\n    def area(self):\n        return 3\n```\n"
    assert apply_answer(answer, repo, "function") == ""
    text = (repo / "shapes.py").read_text()
    assert text.count("return 0") == 1 and "return 3" in text.split("class Circle")[1]
    bare = answer.replace("# shapes.py\n", "")  # no path: the file defining both is found
    (repo / "shapes.py").write_text(text.replace("return 3", "return 0"))
    assert apply_answer(bare, repo, "function") == ""


def test_function_format_splits_a_block_at_path_comments(repo: Path) -> None:
    (repo / "other.py").write_text("def area():\n    return 0\n")
    answer = (
        "```python\n# calc.py:\ndef mean(values):\n    return sum(values) / len(values)\n\n"
        "# other.py:\ndef area():\n    return 1\n```\n"
    )
    assert apply_answer(answer, repo, "function") == ""
    assert fixed(repo) and "return 1" in (repo / "other.py").read_text()
