"""`proctor grade` on a patch and on SWE-bench-style predictions."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.cli.grade import findings_table
from proctor.errors import ConfigError
from proctor.grade.quality import CheckResult, Finding, QualityReport
from proctor.run import AttemptResult, Outcome
from proctor.run.lock import own_run_dir
from proctor.run.predictions import read_predictions
from proctor.spec import Task, dump_task

FIX = "\n".join(
    [
        "diff --git a/calc.py b/calc.py",
        "--- a/calc.py",
        "+++ b/calc.py",
        "@@ -9,4 +9,4 @@ def add(a, b):",
        " ",
        " def mean(values):",
        '     """Arithmetic mean of a non-empty list."""',
        "-    return sum(values) / (len(values) + 1)",
        "+    return sum(values) / len(values)",
        "",
    ]
)


@pytest.fixture
def suite(calc, tmp_path, settings, monkeypatch) -> Path:  # type: ignore[no-untyped-def]
    task, _ = calc
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "calc-1.yaml").write_text(dump_task(task))
    monkeypatch.setenv("PROCTOR_CACHE_DIR", str(settings.cache_dir))
    monkeypatch.setenv("PROCTOR_REPOS_DIR", str(settings.repos_dir))
    return folder


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **os.environ})


def test_grade_one_patch(suite: Path, tmp_path: Path) -> None:
    patch = tmp_path / "fix.patch"
    patch.write_text(FIX)
    out = tmp_path / "out"
    res = invoke(
        "grade",
        "--suite",
        str(suite),
        "--task",
        "calc-1",
        "--patch",
        str(patch),
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    (line,) = (out / "results.jsonl").read_text().splitlines()
    result = json.loads(line)
    assert result["outcome"] == "resolved" and result["holds_up"] is True


def test_grade_predictions(suite: Path, tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    row = {"instance_id": "calc-1", "model_name_or_path": "someone/agent", "model_patch": "junk"}
    preds.write_text(json.dumps(row) + "\n")
    out = tmp_path / "out"
    res = invoke("grade", "--suite", str(suite), "--predictions", str(preds), "--out", str(out))
    assert res.exit_code == 0, res.output
    result = json.loads((out / "results.jsonl").read_text())
    assert result["model"] == "someone/agent"
    assert result["outcome"] == "patch-failed"


def test_grade_unknown_task_is_one_line(suite: Path, tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({"instance_id": "nope", "model_patch": ""}) + "\n")
    res = invoke("grade", "--suite", str(suite), "--predictions", str(preds))
    assert res.exit_code == 1
    assert "not in" in res.output and "nope" in res.output


def test_predictions_must_be_one_model(tmp_path: Path) -> None:
    preds = tmp_path / "p.jsonl"
    rows = [
        {"instance_id": "a", "model_name_or_path": "m1", "model_patch": ""},
        {"instance_id": "b", "model_name_or_path": "m2", "model_patch": ""},
    ]
    preds.write_text("\n".join(json.dumps(r) for r in rows))
    with pytest.raises(ConfigError, match="several models"):
        read_predictions(preds)
    preds.write_text("{not json\n")
    with pytest.raises(ConfigError, match=r"p.jsonl:1: not JSON"):
        read_predictions(preds)


def one_line(output: str) -> str:
    assert "Traceback" not in output
    assert output.strip().count("\n") == 0, output
    return output.strip()


def grade_patch(suite: Path, patch: Path, out: Path):  # type: ignore[no-untyped-def]
    args = ("--suite", str(suite), "--task", "calc-1", "--patch", str(patch))
    return invoke("grade", *args, "--out", str(out))


def test_a_changed_patch_is_graded_again(suite: Path, tmp_path: Path) -> None:
    patch, out = tmp_path / "fix.patch", tmp_path / "out"
    patch.write_text(FIX)
    assert grade_patch(suite, patch, out).exit_code == 0
    assert grade_patch(suite, patch, out).exit_code == 0  # the same patch: kept
    assert len((out / "results.jsonl").read_text().splitlines()) == 1
    patch.write_text("junk")  # not a patch at all
    res = grade_patch(suite, patch, out)
    assert res.exit_code == 0, res.output
    assert len((out / "results.jsonl").read_text().splitlines()) == 2
    result = json.loads((out / "results.jsonl").read_text().splitlines()[-1])
    assert result["outcome"] == "patch-failed"  # not the stale "resolved"
    assert json.loads((out / "calc-1" / "result.json").read_text())["outcome"] == "patch-failed"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"diff --git a/x b/x\n\xff\xfe caf\xe9\n", "not UTF-8 text (byte 19)"),
        (b"\x7fELF\x02\x01\x01\x00\x00", "a binary file, not a patch"),
    ],
    ids=["not utf-8", "binary"],
)
def test_an_unreadable_patch_is_one_line(
    suite: Path, tmp_path: Path, content: bytes, expected: str
) -> None:
    patch = tmp_path / "bad.patch"
    patch.write_bytes(content)
    res = grade_patch(suite, patch, tmp_path / "out")
    assert res.exit_code == 1
    assert f"bad.patch: {expected}" in one_line(res.output)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["file", "file/below"])
def test_a_run_dir_that_cannot_be_one_is_one_line(suite: Path, tmp_path: Path, where: str) -> None:
    patch = tmp_path / "fix.patch"
    patch.write_text(FIX)
    (tmp_path / "file").write_text("not a folder")
    res = grade_patch(suite, patch, tmp_path / where)
    assert res.exit_code == 1
    assert "is a file" in one_line(res.output)


def test_grading_into_a_run_dir_in_use_is_refused(suite: Path, tmp_path: Path) -> None:
    patch, out = tmp_path / "fix.patch", tmp_path / "out"
    patch.write_text(FIX)
    with own_run_dir(out):
        res = grade_patch(suite, patch, out)
    assert res.exit_code == 1
    assert f"in use by another proctor process (pid {os.getpid()})" in one_line(res.output)


ROW = {"instance_id": "calc-1", "model_name_or_path": "m", "model_patch": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"instance_id": "calc-1",\n "model_patch": ""},\n', "preds.jsonl:3: not a JSON array"),
        (json.dumps({"instance_id": "calc-1"}) + "\n", "preds.jsonl:1: model_patch missing"),
        (
            json.dumps(ROW) + "\n" + json.dumps(ROW) + "\n",
            "preds.jsonl:2: instance_id 'calc-1' repeats",
        ),
        ('"just a string"\n', "preds.jsonl:1: not a JSON object"),
    ],
    ids=["broken array", "no model_patch", "duplicate id", "not an object"],
)
def test_bad_predictions_are_one_line(
    suite: Path, tmp_path: Path, text: str, expected: str
) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text(text)
    res = invoke("grade", "--suite", str(suite), "--predictions", str(preds))
    assert res.exit_code == 1
    assert expected in one_line(res.output)


def test_predictions_as_one_json_array_are_read(tmp_path: Path) -> None:
    preds = tmp_path / "preds.json"
    preds.write_text(json.dumps([ROW, {**ROW, "instance_id": "calc-2", "model_patch": None}]))
    assert read_predictions(preds) == ("m", {"calc-1": "", "calc-2": ""})


def test_brackets_in_messages_survive(suite: Path, tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    preds.write_text(json.dumps({**ROW, "instance_id": "calc[local]"}) + "\n")
    res = invoke("grade", "--suite", str(suite), "--predictions", str(preds))
    assert res.exit_code == 1
    assert "calc[local]" in one_line(res.output)


def test_findings_are_listed_from_the_typed_quality_report() -> None:
    task = Task.model_validate(
        {
            "id": "calc-1",
            "repo": "https://github.com/example/calc",
            "base_commit": "a" * 40,
            "created_at": "2024-01-01T00:00:00Z",
            "problem_statement": "mean is wrong",
            "reference": {"commit": "b" * 40},
            "hidden_tests": {"files": ["t.py"], "fail_to_pass": ["t.py::t"]},
        }
    )
    unused = Finding(
        check="lint", kind="new", path="calc.py", line=3, message="`os` unused", rule="F401"
    )
    checks = {
        name: CheckResult(name=name, ok=name != "lint", findings=[unused] if name == "lint" else [])
        for name in ("lint", "format", "conventions", "hygiene", "security")
    }
    now = datetime.now(timezone.utc)
    result = AttemptResult(
        task_id="calc-1",
        model="m",
        outcome=Outcome.RESOLVED,
        resolved=True,
        started_at=now,
        finished_at=now,
        quality=QualityReport(**checks),
    )
    console = Console(width=200, record=True)
    console.print(findings_table(task, result))
    text = console.export_text()
    assert "lint" in text and "calc.py:3" in text and "[F401] `os` unused" in text
    empty = findings_table(task, result.model_copy(update={"quality": None}))
    assert empty.row_count == 0
