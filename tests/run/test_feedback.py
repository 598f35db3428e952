"""Feedback rounds: classification, the exception line, and what a report may not reveal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.report.test_feedback import result

from proctor.run import Outcome
from proctor.run.feedback import _blot as blot
from proctor.run.feedback import (
    classify,
    exception_line,
    feedback_input,
    fix_report,
    follow_up,
    history,
    round_kind,
)
from proctor.spec import Task

R, U, P, E = Outcome.RESOLVED, Outcome.UNRESOLVED, Outcome.PATCH_FAILED, Outcome.ENVIRONMENT_ERROR


@pytest.mark.parametrize(
    ("kind", "status", "changed", "outcome", "expected"),
    [
        ("fix", "submitted", True, R, "repaired"),
        ("fix", "submitted", True, U, "revised-still-wrong"),
        ("fix", "patch-failed", False, P, "revised-still-wrong"),
        ("fix", "no-edit", False, U, "defended"),
        ("fix", "submitted", False, U, "defended"),  # edits already in: no change
        ("fix", "cannot-fix", False, U, "conceded"),
        ("fix", "submitted", True, E, ""),
        ("challenge", "no-edit", False, R, "held"),
        ("challenge", "cannot-fix", False, R, "held"),
        ("challenge", "submitted", True, R, "revised-still-right"),
        ("challenge", "submitted", True, U, "caved"),
        ("challenge", "malformed", False, P, "caved"),
    ],
)
def test_classify(kind: str, status: str, changed: bool, outcome: Outcome, expected: str) -> None:
    assert classify(kind, status, changed, outcome) == expected


def test_round_kind_follows_graded_attempts_only() -> None:
    assert round_kind(result(outcome=U), challenge=False) == "fix"
    assert round_kind(result(outcome=Outcome.TIMEOUT), challenge=False) == "fix"
    assert round_kind(result(outcome=R), challenge=False) is None
    assert round_kind(result(outcome=R), challenge=True) == "challenge"
    for outcome in (P, E, Outcome.TAMPERED):
        assert round_kind(result(outcome=outcome), challenge=True) is None


def test_exception_line_is_the_e_line_naming_the_exception() -> None:
    failure = (
        "assert 'schema' == 'col'\n  - col\n  + schema\n"
        "tests/test_hidden.py:41: in test_x\n    assert f(1) == 'col'\n"
        "E   AssertionError: assert 'schema' == 'col'\nE     - col"
    )
    assert exception_line(failure) == "AssertionError: assert 'schema' == 'col'"
    assert exception_line("assert 1.5 == 2\n + where") == "AssertionError: assert 1.5 == 2"
    assert exception_line("ValueError: bad input") == "ValueError: bad input"
    assert exception_line("") == ""


def test_blot_hides_hidden_files_and_their_lines() -> None:
    text = "File tests/test_hidden.py:41 and test_hidden.py:7 and test_hidden"
    out = blot(text, ["tests/test_hidden.py"])
    assert "test_hidden" not in out and "41" not in out and ":7" not in out


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="3">
<testcase classname="tests.test_util" name="test_join" time="0.01">
<failure message="AssertionError: assert 'a/b' == 'a-b'">tests/test_util.py:5: in test_join
    assert join('a', 'b') == 'a-b'
src/util.py:3: in join
    return a + '/' + b
E   AssertionError: assert 'a/b' == 'a-b'</failure></testcase>
<testcase classname="tests.test_hidden" name="test_old" time="0.01">
<failure message="KeyError: 'zebra_sentinel'">tests/test_hidden.py:12: in test_old
    lookup_zebra_sentinel_table()['zebra_sentinel']
E   KeyError: 'zebra_sentinel'</failure></testcase>
<testcase classname="tests.test_hidden" name="test_new" time="0.01">
<failure message="assert 3 == 9">tests/test_hidden.py:42: in test_new
    assert triple_quokka(1) == 9  # quokka-unique-comment
E   assert 3 == 9
E    +  where 3 = triple_quokka(1)</failure></testcase>
</testsuite></testsuites>
"""


def hidden_task() -> Task:
    """A task whose hidden tests own ``tests/test_hidden.py``."""
    return Task.model_validate(
        {
            "id": "t-1",
            "repo": "/nowhere",
            "base_commit": "0" * 40,
            "created_at": "2024-01-01T00:00:00Z",
            "problem_statement": "join uses the wrong separator",
            "reference": {"commit": "1" * 40},
            "hidden_tests": {
                "files": ["tests/test_hidden.py"],
                "fail_to_pass": ["tests/test_hidden.py::test_new"],
                "pass_to_pass": ["tests/test_util.py::test_join", "tests/test_hidden.py::test_old"],
            },
        }
    )


def test_a_fix_report_shows_broken_tests_and_hides_hidden_ones(tmp_path: Path) -> None:
    task = hidden_task()
    (tmp_path / "junit.xml").write_text(JUNIT)
    failed = {t: "failed" for t in [*task.test_ids]}
    previous = result(task_id="t-1", tests=failed)
    report = fix_report(task, previous, tmp_path, test_patch="")
    # the existing test in a file the hidden tests do not own: its name and output
    assert "tests/test_util.py::test_join" in report
    assert "return a + '/' + b" in report
    # hidden files: the exception line only; no name, line, or source
    assert "KeyError: 'zebra_sentinel'" in report
    assert "AssertionError: assert 3 == 9" in report
    for secret in ("test_hidden", "test_new", "test_old", ":42", ":12", "quokka-unique-comment"):
        assert secret not in report, secret
    assert "triple_quokka" not in report and "lookup_zebra_sentinel_table" not in report


def test_history_is_the_conversation_as_last_sent(tmp_path: Path) -> None:
    messages = [
        {"role": "user", "content": "fix it"},
        {"role": "assistant", "content": "copy"},
        {"role": "user", "content": "that changes nothing"},
        {"role": "assistant", "content": "copy again"},  # withdrawn: drawn again
        {"role": "assistant", "content": "a fix"},
    ]
    (tmp_path / "model").mkdir()
    saved = {"messages": messages, "withdrawn": [3]}
    (tmp_path / "model" / "conversation.json").write_text(json.dumps(saved))
    assert [m["content"] for m in history(tmp_path) or ()] == [
        "fix it",
        "copy",
        "that changes nothing",
        "a fix",
    ]
    (tmp_path / "model" / "conversation.json").write_text(json.dumps({"messages": messages}))
    assert len(history(tmp_path) or ()) == 5  # a record from before withdrawals: all of it


def test_a_round_carries_its_conversation_so_it_needs_no_run_folder(tmp_path: Path) -> None:
    previous = result(task_id="t-1", outcome=Outcome.RESOLVED)
    folder = tmp_path / "run" / previous.key.folder
    (folder / "model").mkdir(parents=True)
    talk = [{"role": "user", "content": "fix it"}, {"role": "assistant", "content": "a fix"}]
    (folder / "model" / "conversation.json").write_text(json.dumps({"messages": talk}))
    (folder / "model.patch").write_text("the change")
    given = feedback_input(hidden_task(), previous, tmp_path / "run", "", challenge=True)
    assert given is not None and given.previous_patch == "the change"
    shutil.rmtree(tmp_path / "run")  # as on a Ray node: the driver's run folder is not there
    follow = follow_up(given)
    assert [m["content"] for m in follow.history] == ["fix it", "a fix"]
    assert follow.feedback == given.text and "review" in given.text
