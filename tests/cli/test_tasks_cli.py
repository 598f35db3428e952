"""`proctor tasks validate | schema | import-swebench`."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.spec import load_suite

runner = CliRunner()
SHIPPED = Path(__file__).parents[2] / "tasks" / "core"


def test_shipped_suite_validates() -> None:
    res = runner.invoke(app, ["tasks", "validate", "--suite", str(SHIPPED)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "13 task file(s) valid" in res.output


def test_shipped_suite_spans_three_repositories() -> None:
    tasks = load_suite(SHIPPED)
    assert len(tasks) >= 10
    assert len({t.repo for t in tasks}) >= 3


def test_bad_file_is_named_with_field_and_exit_code(tmp_path: Path) -> None:
    good = yaml.safe_load((SHIPPED / "sqlparse-5ca50a2.yaml").read_text())
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(good))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({**good, "id": "b", "base_commit": "zz"}))
    res = runner.invoke(
        app, ["tasks", "validate", "--suite", str(tmp_path)], env={"COLUMNS": "300"}
    )
    assert res.exit_code == 1
    assert f"{tmp_path / 'bad.yaml'}: base_commit: 'zz' is not a hex sha" in res.output


def test_schema_is_json_schema() -> None:
    res = runner.invoke(app, ["tasks", "schema"])
    schema = json.loads(res.output)
    assert schema["title"] == "Task"
    assert "hidden_tests" in schema["properties"]


def test_import_swebench_writes_loadable_tasks(tmp_path: Path) -> None:
    inst = {
        "instance_id": "octo__widgets-1",
        "repo": "octo/widgets",
        "base_commit": "a" * 40,
        "patch": "diff --git a/w.py b/w.py\n",
        "test_patch": "diff --git a/t/test_w.py b/t/test_w.py\n",
        "FAIL_TO_PASS": '["t/test_w.py::test_x"]',
        "PASS_TO_PASS": "[]",
        "problem_statement": "Widgets break.\nSecond line.",
        "created_at": "2023-01-01T00:00:00Z",
    }
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(inst) + "\n")
    out = tmp_path / "suite"
    res = runner.invoke(
        app, ["tasks", "import-swebench", str(src), "--out", str(out), "--package", "attrs"]
    )
    assert res.exit_code == 0, res.output
    (task,) = load_suite(out)
    assert task.id == "octo__widgets-1"
    assert task.environment.packages == ["attrs"]
    assert task.problem_statement == "Widgets break.\nSecond line."


def test_import_swebench_bad_input_is_one_line(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"instance_id": "x"}\n')
    res = runner.invoke(app, ["tasks", "import-swebench", str(src), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "in.jsonl:1: repo: missing" in res.output


def test_schema_of_the_repo_config() -> None:
    res = runner.invoke(app, ["tasks", "schema", "--repo-config"])
    assert res.exit_code == 0, res.output
    schema = json.loads(res.output)
    assert schema["title"] == "RepoConfig"
    assert schema["additionalProperties"] == {"$ref": "#/$defs/Environment"}


def test_import_swebench_with_a_url_keyed_repo_config(tmp_path: Path) -> None:
    inst = {
        "instance_id": "octo__widgets-1",
        "repo": "octo/widgets",
        "base_commit": "a" * 40,
        "patch": "diff --git a/w.py b/w.py\n",
        "test_patch": "diff --git a/t/test_w.py b/t/test_w.py\n",
        "FAIL_TO_PASS": '["t/test_w.py::test_x"]',
        "problem_statement": "Widgets break.",
    }
    src = tmp_path / "in.json"
    src.write_text(json.dumps([inst]))
    cfg = tmp_path / "repos.yaml"
    cfg.write_text("https://github.com/octo/widgets/:\n  pythonpath: [src]\n")
    args = ["tasks", "import-swebench", str(src), "--out", str(tmp_path / "o")]
    res = runner.invoke(app, [*args, "--repo-config", str(cfg)])
    assert res.exit_code == 0, res.output
    (task,) = load_suite(tmp_path / "o")
    assert task.environment.pythonpath == ["src"]

    cfg.write_text("octo/widgets:\n  pyhton: '3.10'\n")
    res = runner.invoke(app, [*args, "--repo-config", str(cfg)], env={"COLUMNS": "300"})
    assert res.exit_code == 1
    assert f"error: {cfg}: octo/widgets: pyhton: unknown environment field" in res.output
