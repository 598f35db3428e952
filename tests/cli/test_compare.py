"""`proctor compare` with the baselines on suites built at test time: gold 100%, empty 0%."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.settings import Settings

PARTS = ("humaneval", "isolated", "repo_level", "issues_resolved")


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCTOR_CACHE_DIR", str(settings.cache_dir))
    monkeypatch.setenv("PROCTOR_REPOS_DIR", str(settings.repos_dir))
    monkeypatch.setenv("COLUMNS", "200")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["compare", *args])
    return result.exit_code, result.output


def test_gold_and_empty_end_to_end_then_resume_and_from_runs(
    suites: tuple[Path, Path], tmp_path: Path, env: None
) -> None:
    pairs, issues = suites
    out = tmp_path / "cmp"
    args = ["--model", "gold", "--model", "empty", "--suite", str(pairs), "--suite", str(issues)]
    args += ["--humaneval-subset", "2", "--out", str(out)]
    code, text = invoke(*args)
    assert code == 0, text
    assert "isolated vs repo-level" in text and "HumanEval" in text
    assert f"comparison: {out / 'comparison.json'}" in text
    assert f"plot: {out / 'comparison.svg'}" in text
    assert (out / "comparison.svg").read_text().startswith("<svg")
    data = json.loads((out / "comparison.json").read_text())
    gold, empty = data["models"]
    assert (gold["model"], empty["model"]) == ("gold", "empty")
    assert [gold[p]["value"] for p in PARTS] == [1.0, 1.0, 1.0, 1.0]
    assert [empty[p]["value"] for p in PARTS] == [0.0, 0.0, 0.0, 0.0]
    assert [gold[p]["n"] for p in PARTS] == [2, 1, 1, 1]
    for row in (gold, empty):
        tax = row["context_tax"]
        assert (tax["value"], tax["low"], tax["high"], tax["n"]) == (0.0, 0.0, 0.0, 1)
        assert row["pairs"] == 1 and row["excluded"] == 0
    assert empty["issues_holds_up"]["value"] == 0.0
    assert gold["issues_holds_up"] is not None  # graded for quality: known either way
    assert "100%" in text and "+0 pp" in text and "[+0,+0]" in text
    manifest = json.loads((out / "gold" / "runs.json").read_text())
    assert manifest == {
        "model": "gold",
        "humaneval": "humaneval-2",
        "pairs": "pairs-calc",
        "issues": "issues",
    }
    results = out / "gold" / "pairs-calc" / "results.jsonl"
    before = results.read_text()

    code, text = invoke(*args)  # everything is finished: nothing is attempted again
    assert code == 0, text
    assert results.read_text() == before
    assert ": resolved" not in text

    again = tmp_path / "again"
    code, text = invoke("--from-runs", str(out), "--out", str(again))
    assert code == 0, text
    rerun = json.loads((again / "comparison.json").read_text())
    assert [m["model"] for m in rerun["models"]] == ["gold", "empty"]
    assert rerun["models"][0]["isolated"] == gold["isolated"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "at least one --model"),
        (("--model", "gold", "--from-runs", "x"), "not both"),
        (("--model", "gold", "--humaneval-subset", "0"), "nothing to compare"),
        (("--model", "gold", "--humaneval-subset", "-1"), "0 or more"),
        (("--from-runs", "nowhere"), "no runs.json"),
    ],
)
def test_mistakes_are_one_line_errors(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    code, text = invoke(*args, "--out", str(tmp_path / "o"))
    assert code == 1
    assert message in text and "Traceback" not in text


def test_a_broken_machine_is_one_line_before_anything_runs(
    suites: tuple[Path, Path], tmp_path: Path, env: None
) -> None:
    _, issues = suites
    out = tmp_path / "cmp"
    args = ("--model", "gold", "--suite", str(issues), "--humaneval-subset", "0")
    code, text = invoke(*args, "--out", str(out), "--sandbox", "bogus")
    assert code == 1
    assert "unknown sandbox backend 'bogus'" in text and text.strip().count("\n") == 0, text
    assert not out.exists()


def test_which_suite_holds_the_pairs_is_read_from_its_tasks(
    suites: tuple[Path, Path], tmp_path: Path, env: None
) -> None:
    pairs, issues = suites
    out = tmp_path / "cmp"
    args = ("--model", "empty", "--suite", str(issues), "--suite", str(pairs))  # issues first
    code, text = invoke(*args, "--humaneval-subset", "0", "--out", str(out))
    assert code == 0, text
    manifest = json.loads((out / "empty" / "runs.json").read_text())
    assert (manifest["pairs"], manifest["issues"]) == ("pairs-calc", "issues")


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (("issues", "again/issues"), "two suites are named 'issues'"),
        (("issues", "issues-2"), "are both real-issues suites: give one of each"),
        (("pairs-calc", "pairs-2"), "are both same-function pairs suites: give one of each"),
    ],
    ids=["same name", "two issues suites", "two pairs suites"],
)
def test_two_suites_of_one_kind_are_one_line(
    suites: tuple[Path, Path], tmp_path: Path, names: tuple[str, str], message: str
) -> None:
    pairs, issues = suites  # tmp_path/pairs-calc and tmp_path/issues
    (tmp_path / "again").mkdir()
    for link, target in (("issues-2", issues), ("pairs-2", pairs), ("again/issues", issues)):
        (tmp_path / link).symlink_to(target)
    args = [arg for name in names for arg in ("--suite", str(tmp_path / name))]
    code, text = invoke("--model", "gold", *args, "--out", str(tmp_path / "o"))
    assert code == 1
    assert message in text and text.count("\n") == 1, text
    assert not (tmp_path / "o").exists()


def test_a_compare_stopped_half_way_can_be_compared_on_what_finished(
    suites: tuple[Path, Path], tmp_path: Path, env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import proctor.cli.compare as compare_cli

    pairs, issues = suites
    out = tmp_path / "cmp"
    real = compare_cli.run_suite

    def stop_at_the_issues(tasks: Any, ctx: Any, folder: Path, **kw: Any) -> Any:
        if folder.name == "issues":
            raise KeyboardInterrupt  # as Ctrl-C before the real-issues suite
        return real(tasks, ctx, folder, **kw)

    monkeypatch.setattr(compare_cli, "run_suite", stop_at_the_issues)
    args = ["--model", "gold", "--suite", str(pairs), "--suite", str(issues)]
    code, _ = invoke(*args, "--humaneval-subset", "0", "--out", str(out))
    assert code != 0
    manifest = json.loads((out / "gold" / "runs.json").read_text())
    assert (manifest["pairs"], manifest["issues"]) == ("pairs-calc", "issues")
    code, text = invoke("--from-runs", str(out), "--out", str(tmp_path / "after"))
    assert code == 0, text
    row = json.loads((tmp_path / "after" / "comparison.json").read_text())["models"][0]
    assert row["isolated"]["value"] == 1.0 and row["issues_resolved"] is None


def test_compare_only_the_chosen_tasks(
    suites: tuple[Path, Path], tmp_path: Path, env: None
) -> None:
    pairs, issues = suites
    (task_id,) = [p.stem for p in issues.glob("*.yaml")]
    out = tmp_path / "cmp"
    args = ["--model", "gold", "--suite", str(pairs), "--suite", str(issues)]
    code, text = invoke(*args, "--humaneval-subset", "0", "--out", str(out), "--task", task_id)
    assert code == 0, text
    assert f"{pairs}: no task chosen, left out" in text
    manifest = json.loads((out / "gold" / "runs.json").read_text())
    assert (manifest["pairs"], manifest["issues"]) == (None, "issues")
    done = (out / "gold" / "issues" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["task_id"] for line in done] == [task_id]

    code, text = invoke(*args, "--out", str(tmp_path / "o"), "--task", "nope")
    assert code == 1 and "unknown task id 'nope'" in text and "Traceback" not in text
