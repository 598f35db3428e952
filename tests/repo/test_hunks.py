"""One file's diff as hunks: the text it makes, the lines it adds, diffs made anew (pure)."""

from __future__ import annotations

from proctor.repo.hunks import (
    added_lines,
    parse_file_diff,
    rediff,
    text_after,
    text_lines,
    without_hunk,
)

BASE = "".join(f"line {i}\n" for i in range(1, 21))
TWO_HUNKS = """\
diff --git a/m.py b/m.py
index 1111111..2222222 100644
--- a/m.py
+++ b/m.py
@@ -1,4 +1,5 @@ def top():
 line 1
+new A
 line 2
 line 3
 line 4
@@ -15,6 +16,5 @@ def low():
 line 15
 line 16
 line 17
-line 18
 line 19
 line 20
"""
FIXED = BASE.replace("line 1\n", "line 1\nnew A\n").replace("line 18\n", "")


def test_parse_keeps_the_text_byte_for_byte() -> None:
    diff = parse_file_diff(TWO_HUNKS)
    assert diff.text == TWO_HUNKS
    assert diff.head.startswith("diff --git a/m.py b/m.py\nindex ")
    assert [(h.old_start, h.old_count, h.new_start, h.new_count) for h in diff.hunks] == [
        (1, 4, 1, 5),
        (15, 6, 16, 5),
    ]
    assert diff.hunks[0].context == " def top():\n"


def test_text_after_applies_exactly_or_not_at_all() -> None:
    diff = parse_file_diff(TWO_HUNKS)
    assert text_after(BASE, diff) == FIXED
    assert text_after(BASE.replace("line 18", "line eighteen"), diff) is None
    assert text_after("line 1\n", diff) is None


def test_added_lines_are_numbered_in_the_new_text() -> None:
    diff = parse_file_diff(TWO_HUNKS)
    assert added_lines(diff) == {2}
    assert [h.first_changed for h in diff.hunks] == [2, 19]  # a removal: where it was


def test_without_a_hunk_the_later_ones_move() -> None:
    diff = parse_file_diff(TWO_HUNKS)
    first_only = without_hunk(diff, 1)
    assert first_only == TWO_HUNKS[: TWO_HUNKS.index("@@ -15")]
    second_only = parse_file_diff(without_hunk(diff, 0))
    (hunk,) = second_only.hunks
    assert (hunk.old_start, hunk.new_start) == (15, 15)  # the dropped hunk added one line
    assert text_after(BASE, second_only) == BASE.replace("line 18\n", "")
    single = parse_file_diff(first_only)
    assert without_hunk(single, 0) == ""


def test_rediff_is_what_git_would_write() -> None:
    head = "diff --git a/m.py b/m.py\nindex 1111111..2222222 100644\n--- a/m.py\n+++ b/m.py\n"
    made = rediff(head, BASE, FIXED)
    assert "index " not in made
    assert made == TWO_HUNKS.replace("index 1111111..2222222 100644\n", "").replace(
        " def top():", ""
    ).replace(" def low():", "")
    assert text_after(BASE, parse_file_diff(made)) == FIXED
    assert rediff(head, BASE, BASE) == ""


def test_a_missing_final_newline_is_marked_and_read_back() -> None:
    head = "--- a/x.py\n+++ b/x.py\n"
    made = rediff(head, "a\nb", "a\nc")
    assert made == (
        "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n a\n-b\n"
        "\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
    )
    assert text_after("a\nb", parse_file_diff(made)) == "a\nc"


def test_a_new_file_starts_from_nothing() -> None:
    made = rediff("--- /dev/null\n+++ b/n.py\n", "", "x = 1\n")
    assert made.endswith("@@ -0,0 +1,1 @@\n+x = 1\n")
    assert text_after("", parse_file_diff(made)) == "x = 1\n"


def test_lines_split_on_newline_only() -> None:
    assert text_lines("a\x0cb\r\nc") == ["a\x0cb\r\n", "c"]
    assert text_lines("") == []
