"""The statement leak check: introduced names, and which a statement mentions."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import calc_task, git, make_calc_repo

from proctor.repo import (
    found_in_tree,
    introduced_names,
    statement_leaks,
    task_leaks,
    unseen_names,
)

BASE = '''"""HTTP helpers."""

import re


def client_addr(request):
    """The client's address."""
    return request.remote_addr
'''

FIX = '''--- a/web/http.py
+++ b/web/http.py
@@ -5,4 +5,10 @@
 def client_addr(request):
     """The client's address."""
-    return request.remote_addr
+    forwarded = parse_header(request.headers.get("X-Forwarded-For", ""))
+    return forwarded[0] if forwarded else request.remote_addr
+
+
+def parse_header(value, limit=4096):
+    # split on commas
+    return [part.strip() for part in value.split(",")][:limit]
'''

LEAKY = "client_addr ignores X-Forwarded-For; add parse_header(value) to split the header."


def _base(path: str) -> str | None:
    return BASE if path == "web/http.py" else None


def test_introduced_names_are_new_names_and_literals() -> None:
    found = introduced_names(FIX, _base)
    assert {"parse_header", "X-Forwarded-For", "forwarded", "4096", "limit"} <= found
    assert "client_addr" not in found  # in the base
    assert "remote_addr" not in found
    assert "return" not in found and "else" not in found  # keywords
    assert "commas" not in found  # comments are not code


def test_a_statement_naming_them_is_flagged() -> None:
    leaks = statement_leaks(LEAKY, introduced_names(FIX, _base), [])
    assert leaks == ["X-Forwarded-For", "parse_header"]


def test_allowed_names_are_not_flagged() -> None:
    leaks = statement_leaks(LEAKY, introduced_names(FIX, BASE), ["parse_header"])
    assert leaks == ["X-Forwarded-For"]


def test_names_in_the_base_are_never_flagged() -> None:
    base = BASE + '\nHEADER = "X-Forwarded-For"\n\ndef parse_header(v):\n    pass\n'
    assert statement_leaks(LEAKY, introduced_names(FIX, base), []) == []


def test_plain_words_count_only_in_code_or_as_calls() -> None:
    introduced = {"forwarded", "limit"}
    assert statement_leaks("The forwarded address is lost.", introduced, []) == []
    assert statement_leaks("Use `forwarded` here.", introduced, []) == ["forwarded"]
    assert statement_leaks("Pass limit(3) first.", introduced, []) == ["limit"]


def test_numbers_need_three_digits() -> None:
    patch = "--- a/m.py\n+++ b/m.py\n@@ -1 +1,2 @@\n x = 1\n+y = 42 + 8080\n"
    assert introduced_names(patch, "x = 1\n") == {"8080"}
    assert statement_leaks("It should listen on 8080.", {"8080"}, []) == ["8080"]


def test_task_leaks_reads_the_base_from_git(tmp_path: Path) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    extra = "\n\ndef median_value(v):\n    return v\n"
    (repo / "calc.py").write_text((repo / "calc.py").read_text() + extra)
    git(repo, "commit", "-qam", "median")
    fix = git(repo, "rev-parse", "HEAD")
    task = calc_task(repo, base, fix)
    statement = "mean is wrong; also add median_value."
    leaky = task.model_copy(update={"problem_statement": statement})
    assert task_leaks(repo, leaky) == ["median_value"]
    allowed = leaky.model_copy(update={"statement_may_name": ["median_value"]})
    assert task_leaks(repo, allowed) == []
    assert task_leaks(repo, task) == []


def test_names_elsewhere_in_the_base_tree_are_not_introduced(tmp_path: Path) -> None:
    repo, base, _ = make_calc_repo(tmp_path / "calc")
    (repo / "calc.py").write_text((repo / "calc.py").read_text() + '\nNAME = "median_value"\n')
    git(repo, "commit", "-qam", "median")
    fix = git(repo, "rev-parse", "HEAD")
    gold = git(repo, "diff", base, fix, "--", "calc.py")
    assert "median_value" in introduced_names(gold, "")
    assert found_in_tree(repo, base, ["test_add_negative", "median_value"]) == {"test_add_negative"}
    tests_only = gold.replace("median_value", "test_add_negative")
    assert "test_add_negative" not in unseen_names(tests_only, repo, base)
    assert "median_value" in unseen_names(gold, repo, base)
