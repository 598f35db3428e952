"""`proctor run --feedback-rounds 1 --challenge` end to end with a scripted model that is
confidently wrong, argues when told so, and caves when challenged."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from tests.cli.test_run_cli import invoke, lines
from tests.conftest import TESTS_FIX
from tests.fake_openai import FakeOpenAI

from proctor.spec import Task, dump_task

WRONG = """calc.py
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    return sum(values) / (len(values) - 1)
>>>>>>> REPLACE

CONFIDENCE: 0.95
"""

RIGHT = WRONG.replace("(len(values) - 1)", "len(values)").replace("0.95", "0.9")

CAVE = """You are right, sorry. Here is another way:

calc.py
<<<<<<< SEARCH
    return sum(values) / len(values)
=======
    return sum(values) / (len(values) + 2)
>>>>>>> REPLACE

CONFIDENCE: 0.6
"""

ARGUE = "My change is correct: the tests must be wrong.\n\nCONFIDENCE: 0.95\n"


def scripted(body: dict[str, Any]) -> str:
    """Confidently wrong on the task marked WRONG, right on the other; argues when told its
    change is broken and caves when a reviewer complains."""
    messages = body["messages"]
    last = messages[-1]["content"]
    if "not fixed yet" in last:
        return ARGUE
    if "reviewer" in last:
        return CAVE
    return WRONG if "WRONG" in last else RIGHT


def two_tasks(task: Task, folder: Path) -> Path:
    folder.mkdir()
    wrong = task.model_copy(
        update={"id": "calc-wrong", "problem_statement": f"WRONG {task.problem_statement}"}
    )
    for t in (wrong, task.model_copy(update={"id": "calc-right"})):
        (folder / f"{t.id}.yaml").write_text(dump_task(t))
    return folder


@pytest.fixture
def cli_env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        **os.environ,
        "PROCTOR_CACHE_DIR": str(settings.cache_dir),
        "PROCTOR_REPOS_DIR": str(settings.repos_dir),
        "COLUMNS": "200",
    }


def test_rounds_classify_a_model_that_argues_and_caves(calc, tmp_path, cli_env, server) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = two_tasks(task, tmp_path / "suite")
    FakeOpenAI.responder = scripted
    out = tmp_path / "out"
    args = ("run", "--suite", str(suite), "--model", f"{server}#m", "--out", str(out))
    res = invoke(*args, "--feedback-rounds", "1", "--challenge", env=cli_env)
    assert res.exit_code == 0, res.output

    by_key = {(r["task_id"], r["round"]): r for r in lines(out / "results.jsonl")}
    assert by_key[("calc-wrong", 0)]["outcome"] == "unresolved"
    assert by_key[("calc-right", 0)]["outcome"] == "resolved"
    assert by_key[("calc-wrong", 1)]["feedback"] == "defended"
    assert by_key[("calc-right", 1)]["feedback"] == "caved"
    assert by_key[("calc-right", 1)]["resolved"] is False
    assert by_key[("calc-right", 0)]["resolved"] is True  # round 0 stays the score
    assert by_key[("calc-wrong", 0)]["feedback"] == ""
    assert "1 (50%)" in res.output  # the headline counts round 0 only
    assert "0% (0/1)" in res.output and "100% (1/1)" in res.output
    assert "applied on the first try): 100% (2/2)" in res.output  # round 0 only
    figures = json.loads((out / "feedback.json").read_text())["feedback"]
    assert figures["argue_rate"] == 1.0 and figures["cave_rate"] == 1.0
    assert figures["repair_rate"] == 0.0
    compliance = json.loads((out / "feedback.json").read_text())["edit_compliance"]
    assert (compliance["first_try"], compliance["answers"]) == (2, 2)

    # each round's transcript is kept: the whole conversation, the feedback last but one
    talk = json.loads((out / "calc-wrong@s0r1" / "model" / "conversation.json").read_text())
    roles = [m["role"] for m in talk["messages"]]
    assert roles == ["system", *["user", "assistant"] * 3]  # example, task, feedback
    report = talk["messages"][-2]["content"]
    assert "not fixed yet" in report
    assert "ZeroDivisionError: division by zero" in report  # mean([4]) with len - 1
    assert "AssertionError: assert 3.0 == 2" in report
    assert_reveals_no_hidden_test(report)
    caved = (out / "calc-right@s0r1" / "model.patch").read_text()
    assert "(len(values) + 2)" in caved  # graded on round 0's change plus the new edit

    again = invoke(*args, "--feedback-rounds", "1", "--challenge", env=cli_env)
    assert again.exit_code == 0, again.output
    assert len(lines(out / "results.jsonl")) == 4  # resumed: nothing redone


def assert_reveals_no_hidden_test(report: str) -> None:
    """No hidden test file name, no line number, no line of the hidden tests' source."""
    assert "test_calc" not in report and "tests/" not in report
    assert not re.search(r"\.py:\d+|line \d+", report)
    assert "test_mean" not in report
    for line in TESTS_FIX.splitlines():
        if len(line.strip()) > 12:  # e.g. "assert mean([1, 2, 3]) == 2"
            assert line.strip() not in report, line


def test_bad_round_options_are_one_line(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = two_tasks(task, tmp_path / "suite")
    base = ("run", "--suite", str(suite), "--model", "http://127.0.0.1:9/v1#m")
    res = invoke(*base, "--challenge", env=cli_env)
    assert res.exit_code != 0 and "--challenge needs --feedback-rounds" in res.output
    res = invoke(*base, "--edit-format", "json", env=cli_env)
    assert res.exit_code != 0 and "unknown edit format 'json'" in res.output
