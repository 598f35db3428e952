"""Problem statements: cleaning commit messages, the leak check, and the model's draft."""

from __future__ import annotations

import pytest
from tests.fake_chat import ScriptedLLM

from proctor.mine.describe import (
    chat_describer,
    clean_message,
    find_leak,
    fix_lines,
    is_thin,
    pick_statement,
)
from proctor.model.llm import ChatModel

FIX = """\
diff --git a/pkg/calc.py b/pkg/calc.py
--- a/pkg/calc.py
+++ b/pkg/calc.py
@@ -1,6 +1,8 @@
 def mean(values):
-    return sum(values) / (len(values) + 1)
+    # the count was off by one for every list
+    if not values:
+        return 0.0
+    return sum(values) / len(values)
+    total = compute_the_total_of_all_values_in_the_list(values)
-    helper_that_was_only_moved_somewhere_else(values)
+    helper_that_was_only_moved_somewhere_else(values)
"""


def test_clean_message_drops_git_boilerplate() -> None:
    message = (
        "Fix mean for lists (#34)\n\nmean([1, 2]) gave 1.0.\n\nFixes #12\n"
        "Closes: owner/repo#13.\n[skip ci]\nSigned-off-by: A <a@b>\nCo-authored-by: B <b@c>"
    )
    assert clean_message(message) == "Fix mean for lists\n\nmean([1, 2]) gave 1.0."


@pytest.mark.parametrize(
    ("message", "cleaned"),
    [
        ("Fix tokenization of order keywords (fixes #532).", "Fix tokenization of order keywords."),
        ("Add hook support (fixes #537, #540)", "Add hook support"),
        ("Fix #12: mean is wrong", "mean is wrong"),
        ("Keep `f(a) ( )` and (issue773)", "Keep `f(a) ( )` and (issue773)"),
    ],
)
def test_references_leave_no_litter(message: str, cleaned: str) -> None:
    assert clean_message(message) == cleaned


def test_a_pull_request_merge_is_described_by_its_title() -> None:
    message = "Merge pull request #7 from someone/fix-div\n\nDivide by zero loudly"
    assert clean_message(message) == "Divide by zero loudly"


def test_a_bare_merge_is_described_by_what_it_merged() -> None:
    assert clean_message("Merge branch 'fix'", "Make div fail loudly\n\nOn zero.") == (
        "Make div fail loudly\n\nOn zero."
    )


def test_thin_statements() -> None:
    assert is_thin("wip", 4) and is_thin("fix the bug", 4)
    assert not is_thin("mean() of an empty list fails", 4)


def test_fix_lines_skip_comments_and_moved_lines() -> None:
    assert fix_lines(FIX) == [
        "if not values:",
        "return 0.0",
        "return sum(values) / len(values)",
        "total = compute_the_total_of_all_values_in_the_list(values)",
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "Please change it to `return   sum(values) / len(values)`.",
        "It should do total = compute_the_total_of_all_values_in_the_list, I think",
    ],
)
def test_leaks_are_found(statement: str) -> None:
    assert find_leak(statement, FIX) is not None


@pytest.mark.parametrize(
    "statement",
    [
        "mean([1, 2, 3]) returns 1.5, I expected 2.",
        "The count was off by one for every list.",  # a comment of the fix is not code
        "helper_that_was_only_moved_somewhere_else(values) is slow",  # moved, not new
        "return 0.0",  # too short to give anything away
    ],
)
def test_honest_statements_pass(statement: str) -> None:
    assert find_leak(statement, FIX) is None


def test_pick_statement_falls_back_then_gives_up() -> None:
    leaky = ("model m", "Use `return sum(values) / len(values)` there.")
    message = ("commit message", "mean([1, 2, 3]) returns 1.5, I expected 2.")
    chosen = pick_statement([leaky, message], FIX, 4)
    assert chosen.source == "commit message" and chosen.text == message[1] + "\n"
    assert chosen.notes[0].startswith("model m: quotes the fix")
    assert pick_statement([leaky], FIX, 4).reason == "statement leaks the fix"
    thin = pick_statement([("commit message", "wip")], FIX, 4)
    assert thin.text is None and thin.reason == "commit message too thin for a statement"


def test_chat_describer_fills_the_template_and_unfences() -> None:
    chat = ScriptedLLM(["```markdown\nmean() is wrong for [1, 2, 3]\n```"])
    assert isinstance(chat, ChatModel)
    draft = chat_describer(chat)("Fix mean", FIX)
    assert draft == "mean() is wrong for [1, 2, 3]"
    prompt = str(chat.seen[0][-1]["content"])
    assert "Fix mean" in prompt and "len(values)" in prompt
    assert "{diff}" not in prompt and "{message}" not in prompt


def test_pick_statement_rejects_a_draft_naming_an_introduced_name() -> None:
    leaky = ("model m", "mean() is wrong; call the new mean_of_values helper instead.")
    message = ("commit message", "mean([1, 2, 3]) returns 1.5, I expected 2.")
    introduced = {"mean_of_values", "1.5e300"}
    chosen = pick_statement([leaky, message], FIX, 4, introduced)
    assert chosen.source == "commit message"
    assert chosen.notes == ("model m: names what the fix introduces: mean_of_values",)
    alone = pick_statement([leaky], FIX, 4, introduced)
    assert alone.text is None and alone.reason == "statement leaks the fix"
