"""`proctor humaneval` and `proctor synth` as the lead will register them."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import typer
from typer.testing import CliRunner

from proctor.cli import humaneval, synth
from proctor.errors import ConfigError
from proctor.model.baselines import EmptyChatModel
from proctor.model.llm import ChatModel


def app(resolver: humaneval.ChatResolver | None = None) -> typer.Typer:
    cli = typer.Typer()
    cli.command("humaneval")(humaneval.make_humaneval(resolver))
    cli.command("synth")(synth.synth)
    return cli


def test_humaneval_with_the_canonical_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["humaneval", "--model", "canonical", "--subset", "2", "--out", str(out)]
    result = CliRunner().invoke(app(), args)
    assert result.exit_code == 0, result.output
    assert "pass@1" in result.output and "1.000" in result.output
    saved = json.loads((out / "result.json").read_text())
    assert saved["pass_at_k"] == {"pass@1": 1.0}
    assert [p["task_id"] for p in saved["problems"]] == ["HumanEval/0", "HumanEval/1"]


def test_humaneval_resolves_other_names_with_the_resolver(tmp_path: Path) -> None:
    asked: list[str] = []

    def resolver(name: str) -> AbstractContextManager[ChatModel]:
        asked.append(name)
        if name != "my-model":
            raise ConfigError(f"unknown model {name!r}")
        model = EmptyChatModel()
        model.name = name
        return nullcontext(model)

    out = tmp_path / "run"
    args = ["humaneval", "--model", "my-model", "--subset", "HumanEval/3", "--out", str(out)]
    result = CliRunner().invoke(app(resolver), args)
    assert result.exit_code == 0, result.output
    assert asked == ["my-model"]
    assert json.loads((out / "result.json").read_text())["model"] == "my-model"
    bad = CliRunner().invoke(app(resolver), ["humaneval", "--model", "other"])
    assert bad.exit_code == 1
    assert "unknown model 'other'" in bad.output


def test_humaneval_unknown_model_is_one_line() -> None:
    result = CliRunner().invoke(app(), ["humaneval", "--model", "gpt-nope"])
    assert result.exit_code == 1
    assert "unknown model 'gpt-nope' (known: canonical, empty)" in result.output
    assert "Traceback" not in result.output


def test_parse_subset() -> None:
    assert humaneval.parse_subset(None) is None
    assert humaneval.parse_subset("5") == 5
    assert humaneval.parse_subset("HumanEval/1, 7") == ["HumanEval/1", "7"]


def test_synth_missing_repository_is_one_line(tmp_path: Path) -> None:
    args = ["synth", str(tmp_path / "nope"), "--commit", "HEAD", "--out", str(tmp_path / "t")]
    result = CliRunner().invoke(app(), [*args, "--repos-dir", str(tmp_path / "repos")])
    assert result.exit_code == 1
    assert "no such file or directory" in result.output
    assert "Traceback" not in result.output
