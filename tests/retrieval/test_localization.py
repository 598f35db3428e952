"""The localization benchmark: the split, the counting rules, and no reading past base."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from tests.conftest import calc_task, git, make_calc_repo
from typer.testing import CliRunner

from proctor.cli.retrieve import retrieve
from proctor.errors import ConfigError
from proctor.repo import sealed_checkout
from proctor.retrieval import (
    Chunk,
    ChunkBM25Retriever,
    HybridRetriever,
    HybridSettings,
    OracleRetriever,
    Retriever,
    Target,
    evaluate,
    for_task,
    format_table,
    read_history,
    split_by_repo,
)
from proctor.retrieval.localization import score_ranking
from proctor.spec import Task, dump_task


def _task(repo: str, number: int) -> Task:
    return calc_task(Path(repo), "a" * 40, "b" * 40, f"t-{number}").model_copy(
        update={"repo": repo}
    )


def test_the_split_is_by_repository_and_does_not_depend_on_order() -> None:
    repos = [f"https://example.com/r{n}" for n in range(6)]
    tasks = [_task(repos[n % 6], n) for n in range(18)]
    parts = split_by_repo(tasks)
    tune = {t.repo for t in parts["tune"]}
    test = {t.repo for t in parts["test"]}
    assert not tune & test and tune | test == set(repos) and len(test) == 3
    backwards = split_by_repo(list(reversed(tasks)))
    assert {t.repo for t in backwards["test"]} == test
    assert len(parts["all"]) == 18


def _fn(name: str, line: int) -> Chunk:
    return Chunk("m.py", line, line + 2, f"def {name}(): pass", "function", name)


def test_a_function_counts_only_when_its_own_unit_is_in_the_first_k() -> None:
    targets = [
        Target("m.py", "function", "f", 1, 3),
        Target("m.py", "function", "g", 5, 7),
        Target("m.py", "class", "C", 9, 20),  # not a function: left out of function recall
    ]
    whole = Chunk("m.py", 1, 20, "...", "file")
    klass = Chunk("m.py", 9, 20, "class C: ...", "class", "C")
    ranked = [whole, klass, _fn("g", 5), _fn("x", 30), _fn("f", 1)]
    score = score_ranking("t", targets, ranked, {2000: [whole]})
    assert score.functions == 2 and score.files == 1
    assert score.function_found == {1: 0, 5: 2, 10: 2}
    assert score.file_found == {1: 1, 3: 1}
    assert score.budget_found == {2000: 2}  # a whole file in the context holds both


@pytest.fixture
def calc_suite(tmp_path: Path) -> tuple[Path, Task, Path]:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    task = calc_task(repo, base, fix)
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / f"{task.id}.yaml").write_text(dump_task(task))
    return suite, task, repo


def test_evaluate_scores_every_retriever_and_the_oracle(
    calc_suite: tuple[Path, Task, Path], tmp_path: Path
) -> None:
    _, task, _ = calc_suite
    retrievers: dict[str, Retriever] = {"hybrid": HybridRetriever(), "bm25": ChunkBM25Retriever()}
    result = evaluate([task], retrievers, tmp_path / "repos")
    assert result.retrievers == ["hybrid", "bm25", "oracle"]
    hybrid = result.scores["hybrid"][0]
    assert hybrid.functions == 1 and hybrid.function_found[1] == 1
    assert result.scores["oracle"][0].function_found[10] == 0  # whole files are no function unit
    assert result.scores["oracle"][0].budget_found[8000] == 1
    table = format_table(result)
    assert table.splitlines()[0] == "1 tasks, 1 function targets, 1 files"
    assert "| hybrid | 100.0% |" in table
    assert "| oracle | - | - | - | - | - | - | 100.0% | 100.0% | - | - | 100.0% | 100.0% |" in table


HISTORY_ON = HybridSettings(fix_weight=5.0, cochange_weight=1.0)
"""The hybrid with both history signals on, strongly."""


def test_no_signal_reads_past_the_base_commit(
    calc_suite: tuple[Path, Task, Path], tmp_path: Path
) -> None:
    """A later commit that would make the fix easy to find changes nothing at base: not its
    text, not its message (what past fixes resemble), not what it changed together."""
    _, task, repo = calc_suite
    statement = "The totals are off: totally wrong sum somewhere."
    task = task.model_copy(update={"problem_statement": statement})
    retrievers: dict[str, Retriever] = {
        "hybrid": HybridRetriever(),
        "history": HybridRetriever(HISTORY_ON),
        "bm25": ChunkBM25Retriever(),
    }
    before = evaluate([task], retrievers, tmp_path / "repos").scores
    assert before["hybrid"][0].function_found[1] == 0  # add (its docstring: "Sum") leads
    assert before["history"][0].function_found[1] == 0
    helpful = (
        (repo / "calc.py")
        .read_text()
        .replace("def mean(values):", "def mean(values):\n    # totals off, totally wrong: totals")
    )
    (repo / "calc.py").write_text(helpful)
    git(repo, "commit", "-qam", "totals are off: totally wrong arithmetic in mean")
    assert HybridRetriever().rank(statement, repo).chunks[0].name == "mean"  # it would help
    assert ChunkBM25Retriever().rank(statement, repo)[0].name == "mean"
    # the later commit's message alone, on the checkout at base, would help too
    at_base = sealed_checkout(repo, task.base_commit, tmp_path / "at-base")
    later = HybridRetriever(HISTORY_ON, history=read_history(repo, "HEAD"))
    assert later.rank(statement, at_base).chunks[0].name == "mean"
    assert read_history(repo, task.base_commit).commits[0].sha == task.base_commit
    after = evaluate([task], retrievers, tmp_path / "repos").scores
    assert after == before


def test_the_oracle_is_given_the_reference_files_only(
    calc_suite: tuple[Path, Task, Path], tmp_path: Path
) -> None:
    _, _, repo = calc_suite
    (repo / "NOTES.txt").write_text("notes\n")
    oracle = OracleRetriever()
    with pytest.raises(ConfigError, match="needs a task"):
        oracle.retrieve("fix mean", repo, 8000)
    sites = {"NOTES.txt": [(1, 1)], "calc.py": [(1, 2)], "gone.py": [(1, 1)]}
    ready = for_task(oracle, repo, "HEAD", lambda: sites)
    context = ready.retrieve("anything", repo, 8000)
    assert [(c.path, c.kind) for c in context.chunks] == [
        ("calc.py", "file"),
        ("NOTES.txt", "file"),
    ]
    assert context.chunks[0].text == (repo / "calc.py").read_text()
    assert [c.path for c in ready.retrieve("anything", repo, 40).chunks] == ["NOTES.txt"]


def test_a_file_too_big_for_the_oracle_gives_the_units_its_hunks_cover(tmp_path: Path) -> None:
    functions = [
        f"def f{i}(x):\n" + "".join(f"    x += {j}\n" for j in range(30)) for i in range(40)
    ]
    (tmp_path / "big.py").write_text("\n\n".join(functions) + "\n")
    (tmp_path / "small.py").write_text("def g():\n    return 1\n")
    starts = [1 + i * 33 for i in range(40)]  # f{i} spans starts[i] .. starts[i] + 30
    sites = {"big.py": [(starts[7] + 3, starts[7] + 4), (starts[30], starts[30])], "small.py": []}
    ready = for_task(OracleRetriever(), tmp_path, "HEAD", lambda: sites)
    chunks = ready.retrieve("anything", tmp_path, 2000).chunks
    assert [(c.path, c.kind, c.name) for c in chunks] == [
        ("big.py", "function", "f7"),
        ("big.py", "function", "f30"),
        ("small.py", "file", ""),
    ]
    whole = ready.retrieve("anything", tmp_path, 100_000).chunks
    assert [(c.path, c.kind) for c in whole] == [("big.py", "file"), ("small.py", "file")]


def test_cli_eval_prints_the_table(calc_suite: tuple[Path, Task, Path], tmp_path: Path) -> None:
    suite, _, _ = calc_suite
    app = typer.Typer()
    app.command()(retrieve)
    args = ["--eval", str(suite), "--repos-dir", str(tmp_path / "repos")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "| retriever | func@1 | func@5 | func@10 | mean@1 |" in result.output
    assert "| bm25 |" in result.output and "| hybrid |" in result.output
    assert "| oracle |" in result.output
    bad = CliRunner().invoke(app, [*args, "--split", "nope"])
    assert bad.exit_code != 0 and "unknown split 'nope'" in bad.output
    alone = CliRunner().invoke(app, [*args, "--retriever", "hybrid"])
    assert "| hybrid |" in alone.output and "| bm25 |" not in alone.output
    oracle = CliRunner().invoke(app, [*args, "--retriever", "oracle"])
    assert oracle.exit_code == 0 and oracle.output.count("| oracle |") == 1
    neither = CliRunner().invoke(app, ["--repos-dir", str(tmp_path / "repos")])
    assert neither.exit_code != 0 and "--task ID" in neither.output
