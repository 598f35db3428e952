"""`proctor tasks validate | schema | import-swebench`."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import Result
from tests.conftest import calc_task, make_calc_repo
from tests.mine.conftest import git
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.spec import Difficulty, dump_task, load_suite

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
        app,
        ["tasks", "import-swebench", str(src), "--no-infer", "--out", str(out), "--package", "x"],
    )
    assert res.exit_code == 0, res.output
    (task,) = load_suite(out)
    assert task.id == "octo__widgets-1"
    assert task.environment.packages == ["x"]
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
    args = ["tasks", "import-swebench", str(src), "--out", str(tmp_path / "o"), "--no-infer"]
    res = runner.invoke(app, [*args, "--repo-config", str(cfg)])
    assert res.exit_code == 0, res.output
    (task,) = load_suite(tmp_path / "o")
    assert task.environment.pythonpath == ["src"]

    cfg.write_text("octo/widgets:\n  pyhton: '3.10'\n")
    res = runner.invoke(app, [*args, "--repo-config", str(cfg)], env={"COLUMNS": "300"})
    assert res.exit_code == 1
    assert f"error: {cfg}: octo/widgets: pyhton: unknown environment field" in res.output


def _src_layout_repo(root: Path) -> str:
    """A src-layout package with one test, committed; its sha."""
    files = {
        "pyproject.toml": '[project]\nname = "widgets"\nrequires-python = ">=3.9"\n',
        "src/widgets/__init__.py": "def size():\n    return 1\n",
        "tests/test_size.py": "from widgets import size\n\n\ndef test_size():\n"
        "    assert size() == 1\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "widgets")
    return git(root, "rev-parse", "HEAD")


def _instance(repo: Path, sha: str) -> str:
    return json.dumps(
        {
            "instance_id": "widgets-1",
            "repo": str(repo),
            "base_commit": sha,
            "patch": "diff --git a/w.py b/w.py\n",
            "test_patch": "diff --git a/t/test_w.py b/t/test_w.py\n",
            "FAIL_TO_PASS": ["tests/test_size.py::test_size"],
            "problem_statement": "Widgets break.",
            "created_at": "2024-01-01T00:00:00Z",
        }
    )


def test_import_swebench_infers_the_environment_and_options_win(tmp_path: Path) -> None:
    repo = tmp_path / "widgets"
    src = tmp_path / "in.jsonl"
    src.write_text(_instance(repo, _src_layout_repo(repo)) + "\n")
    args = ["tasks", "import-swebench", str(src), "--no-check", "--out"]
    res = runner.invoke(app, [*args, str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    (task,) = load_suite(tmp_path / "o")
    assert task.environment.pythonpath == ["src"]
    assert "layout: src" in str(task.environment.note)
    res = runner.invoke(app, [*args, str(tmp_path / "o2"), "--pythonpath", "."])
    assert res.exit_code == 0, res.output
    (task,) = load_suite(tmp_path / "o2")
    assert task.environment.pythonpath == ["."]


def test_import_swebench_names_a_repository_it_cannot_read(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(_instance(tmp_path / "missing", "a" * 40) + "\n")
    res = runner.invoke(app, ["tasks", "import-swebench", str(src), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "no environment for 1 repositories" in res.output
    assert not list((tmp_path / "o").glob("*.yaml"))


def _calc_suite(tmp_path: Path, statement: str, may_name: list[str] | None = None) -> Path:
    """A suite of one calc task whose fix also adds ``median_value``; returns its folder."""
    repo, base, _ = make_calc_repo(tmp_path / "calc")
    extra = "\n\ndef median_value(values):\n    return sorted(values)[len(values) // 2]\n"
    (repo / "calc.py").write_text((repo / "calc.py").read_text() + extra)
    git(repo, "commit", "-qam", "median")
    task = calc_task(repo, base, git(repo, "rev-parse", "HEAD"))
    update: dict[str, object] = {"problem_statement": statement}
    if may_name is not None:
        update["statement_may_name"] = may_name
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "calc-1.yaml").write_text(dump_task(task.model_copy(update=update)))
    return suite


def _validate(*args: str) -> Result:
    return runner.invoke(app, ["tasks", "validate", *args], env={"COLUMNS": "300"})


def test_validate_names_what_a_statement_leaks(tmp_path: Path) -> None:
    suite = _calc_suite(tmp_path, "mean is off by one; please add median_value too.")
    res = _validate("--suite", str(suite), "--repos-dir", str(tmp_path / "repos"))
    assert res.exit_code == 1, res.output
    assert "calc-1: statement names what the fix introduces: median_value" in res.output
    assert _validate("--suite", str(suite), "--no-leak-check").exit_code == 0


def test_validate_allows_the_names_a_task_declares(tmp_path: Path) -> None:
    suite = _calc_suite(tmp_path, "Please add median_value.", ["median_value"])
    res = _validate("--suite", str(suite), "--repos-dir", str(tmp_path / "repos"))
    assert res.exit_code == 0, res.output
    assert "leak" not in res.output


def test_validate_skips_the_leak_check_without_a_mirror(tmp_path: Path) -> None:
    suite = _calc_suite(tmp_path, "Please add median_value.")
    task = load_suite(suite)[0]
    remote = task.model_copy(update={"repo": "https://github.com/example/calc"})
    (suite / "calc-1.yaml").write_text(dump_task(remote))
    res = _validate("--suite", str(suite), "--repos-dir", str(tmp_path / "repos"))
    assert res.exit_code == 0, res.output
    assert "calc-1: leak check skipped: no mirror" in res.output
    assert not (tmp_path / "repos").exists()


def _stats_suite(tmp_path: Path) -> tuple[Path, Path]:
    """A suite of two tasks: one with category and difficulty, one on a local repository."""
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    suite = tmp_path / "suite"
    suite.mkdir()
    plain = calc_task(repo, base, fix)
    sized = plain.model_copy(
        update={
            "id": "calc-2",
            "category": "bug",
            "difficulty": Difficulty(files=2, hunks=2, lines=4),
        }
    )
    for task in (plain, sized):
        (suite / f"{task.id}.yaml").write_text(dump_task(task))
    return suite, repo


def test_stats_table(tmp_path: Path) -> None:
    suite, _ = _stats_suite(tmp_path)
    res = runner.invoke(app, ["tasks", "stats", "--suite", str(suite)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "2 task(s)" in res.output
    assert "category: unknown" in res.output and "files changed: unknown" in res.output
    assert "not measured" in res.output


def test_stats_json_and_measure(tmp_path: Path) -> None:
    suite, _ = _stats_suite(tmp_path)
    args = ["tasks", "stats", "--suite", str(suite), "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["tasks"] == 2 and data["by_repo"] == {"calc": 2}
    assert data["by_category"] == {"bug": 1, "unknown": 1}
    assert data["by_files"] == {"2": 1, "unknown": 1} and data["multi_file"] == 1
    measured = runner.invoke(app, [*args, "--measure", "--repos-dir", str(tmp_path / "repos")])
    assert measured.exit_code == 0, measured.output
    assert json.loads(measured.output)["by_files"] == {"1": 1, "2": 1}
    assert "difficulty" not in (suite / "calc-1.yaml").read_text()


def test_stats_of_an_empty_folder_is_one_line(tmp_path: Path) -> None:
    res = runner.invoke(app, ["tasks", "stats", "--suite", str(tmp_path)])
    assert res.exit_code == 1
    assert "no task files" in res.output
