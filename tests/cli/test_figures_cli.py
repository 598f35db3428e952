"""`proctor run` and `proctor compare` with a scripted model over HTTP: its stated confidence,
its samples and its release dates become the figures beside the resolve rate, end to end on a
repository built at test time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.test_run_cli import write_suite
from tests.fake_openai import FakeOpenAI
from typer.testing import CliRunner, Result

from proctor.cli.app import app
from proctor.settings import Settings
from proctor.spec import Task

RIGHT = """The divisor is off by one.

calc.py
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    return sum(values) / len(values)
>>>>>>> REPLACE

CONFIDENCE: 0.9
"""

WRONG = """The divisor is off by one.

calc.py
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    return sum(values) / (len(values) + 2)
>>>>>>> REPLACE

CONFIDENCE: 0.95
"""


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROCTOR_CACHE_DIR", str(settings.cache_dir))
    monkeypatch.setenv("PROCTOR_REPOS_DIR", str(settings.repos_dir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("COLUMNS", "250")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_a_confidently_wrong_model_is_measured_by_run(
    calc: tuple[Task, Path], tmp_path: Path, server: str, env: None
) -> None:
    suite = write_suite(calc[0], tmp_path / "suite", 2)
    FakeOpenAI.answers = [(200, WRONG), (200, RIGHT)]  # calc-0, then calc-1 (-j 1)
    out = tmp_path / "out"
    result = invoke("run", "--suite", str(suite), "--model", f"{server}#fake", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "calibration (real issues)" in result.output
    assert "release-date fairness" in result.output and "unknown cutoff" in result.output
    figures = json.loads((out / "figures.json").read_text())
    cal = figures["calibration"]
    assert (cal["answers"], cal["stated"], cal["missing"]) == (2, 2, 0)
    assert cal["confidently_wrong"]["value"] == 0.5  # calc-0: 0.95 sure, and wrong
    assert cal["brier_resolved"] == pytest.approx((0.95**2 + 0.1**2) / 2)
    assert cal["auroc_resolved"] == 0.0  # the wrong answer was the more confident
    assert figures["cutoff"] is None and figures["by_cutoff"]["issues_resolved"]["after"] is None
    records = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [(r["temperature"], r["seed"]) for r in records] == [(0.0, None), (0.0, None)]


def test_samples_record_temperature_and_seed_and_measure_consistency(
    calc: tuple[Task, Path], tmp_path: Path, server: str, env: None
) -> None:
    suite = write_suite(calc[0], tmp_path / "suite", 1)
    FakeOpenAI.answers = [(200, RIGHT), (200, WRONG)]  # sample 0 right, sample 1 wrong
    out = tmp_path / "out"
    args = ["run", "--suite", str(suite), "--model", f"{server}#fake", "--out", str(out)]
    result = invoke(*args, "--samples", "2", "--temperature", "0.7")
    assert result.exit_code == 0, result.output
    records = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert sorted((r["sample"], r["outcome"], r["temperature"], r["seed"]) for r in records) == [
        (0, "resolved", 0.7, 0),
        (1, "unresolved", 0.7, 1),
    ]
    assert (out / "calc-0@s1r0" / "result.json").is_file()  # each sample its own folder
    sent = [(b["temperature"], b["seed"]) for b in FakeOpenAI.seen]
    assert sorted(sent) == [(0.7, 0), (0.7, 1)]
    consistency = json.loads((out / "figures.json").read_text())["consistency"]
    assert consistency["pass_at"] == {"1": 0.5, "2": 1.0}
    assert consistency["pass_hat"] == {"1": 0.5, "2": 0.0}
    assert consistency["flipped"] == ["calc-0"]
    assert "consistency over samples" in result.output and "pass^2 0%" in result.output

    again = invoke(*args, "--samples", "2", "--temperature", "0.7")  # resumes: nothing redone
    assert again.exit_code == 0, again.output
    assert len((out / "results.jsonl").read_text().splitlines()) == 2


@pytest.mark.parametrize(
    ("model", "extra", "message"),
    [
        ("{server}#fake", (), "--samples 2 at temperature 0 repeats one answer"),
        ("{server}#fake", ("--temperature", "0"), "at temperature 0"),
        ("gold", ("--temperature", "0.5"), "gold has no sampling"),
    ],
)
def test_samples_without_sampling_are_refused_in_one_line(
    calc: tuple[Task, Path],
    tmp_path: Path,
    server: str,
    env: None,
    model: str,
    extra: tuple[str, ...],
    message: str,
) -> None:
    suite = write_suite(calc[0], tmp_path / "suite", 1)
    name = model.format(server=server)
    for command in ("run", "compare"):
        where = ("--suite", str(suite), "--out", str(tmp_path / command))
        result = invoke(command, "--model", name, "--samples", "2", *extra, *where)
        assert result.exit_code == 1, result.output
        assert message in result.output and len(result.output.strip().splitlines()) == 1
        assert not (tmp_path / command / "results.jsonl").exists()
        assert FakeOpenAI.seen == []  # refused before anything was asked


def test_compare_two_scripted_models_released_apart(
    suites: tuple[Path, Path], tmp_path: Path, server: str, env: None
) -> None:
    _, issues = suites  # one task, created 2024-01-01
    config = tmp_path / "config" / "proctor"
    config.mkdir(parents=True)
    entry = f"base_url: {server}\n    model: fake\n"
    (config / "models.yaml").write_text(
        "models:\n"
        f"  old:\n    {entry}    training_cutoff: 2023-06-01\n    released: 2023-07-01\n"
        f"  new:\n    {entry}    training_cutoff: 2023-12-01\n    released: 2024-06-01\n"
        f"  secret:\n    {entry}"
    )
    FakeOpenAI.answers = [(200, WRONG), (200, RIGHT), (200, RIGHT)]  # old, new, secret
    out = tmp_path / "cmp"
    models = ("--model", "old", "--model", "new", "--model", "secret", "--model", "gold")
    args = (*models, "--suite", str(issues), "--humaneval-subset", "0", "--out", str(out))
    result = invoke("compare", *args, "--same-window")
    assert result.exit_code == 0, result.output
    text = result.output
    for title in ("calibration", "release-date fairness", "is the difference real?"):
        assert title in text
    assert "WARNING: old was released 2023-07-01 and new 2024-06-01" in text
    assert (
        "note: same window: tasks created after 2023-12-01 (n=1); "
        "left out, training cutoff unknown: secret, gold"
    ) in text
    data = json.loads((out / "comparison.json").read_text())
    old, new, secret, gold = data["models"]
    assert old["calibration"]["confidently_wrong"]["value"] == 1.0
    assert new["calibration"]["confidently_wrong"]["value"] == 0.0
    assert gold["calibration"] is None and gold["consistency"] is None
    assert old["by_cutoff"]["issues_resolved"]["after"]["value"] == 0.0
    assert new["by_cutoff"]["issues_resolved"]["after"]["value"] == 1.0
    assert secret["cutoff"] is None and secret["by_cutoff"]["issues_resolved"]["after"] is None
    assert (old["same_window"]["n"], new["same_window"]["value"]) == (1, 1.0)
    assert secret["same_window"] is None
    [diff] = data["differences"]
    assert (diff["first"], diff["second"], diff["tasks"]) == ("old", "new", 1)
    assert (diff["first_only"], diff["second_only"], diff["p_value"]) == (0, 1, 1.0)
    assert diff["significant"] is False
    for name in ("reliability", "risk-coverage", "cutoff-split"):
        assert (out / f"{name}.svg").read_text().startswith("<svg")
        assert f"plot: {out / name}.svg" in text

    again = invoke("compare", "--from-runs", str(out), "--out", str(tmp_path / "again"))
    assert again.exit_code == 0, again.output  # the figures come back from the folders alone
    rebuilt = json.loads((tmp_path / "again" / "comparison.json").read_text())
    assert rebuilt["models"][0]["calibration"] == old["calibration"]
    assert len(rebuilt["differences"]) == 6  # every pair of four, no window asked
