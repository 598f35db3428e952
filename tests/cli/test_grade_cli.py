"""`proctor grade` on a patch and on SWE-bench-style predictions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.errors import ConfigError
from proctor.run.predictions import read_predictions
from proctor.spec import dump_task

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
        "--run-dir",
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
    res = invoke("grade", "--suite", str(suite), "--predictions", str(preds), "--run-dir", str(out))
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
