"""`proctor repos fetch`: mirrors cloned, derived repositories rebuilt, offline failures named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.mine.test_derive import derive_suite, make_source, refs
from typer.testing import CliRunner, Result

from proctor.cli.app import app
from proctor.errors import RepoError
from proctor.repo import mirror
from proctor.spec import Task, dump_task, load_suite

TASK = {
    "base_commit": "a" * 40,
    "created_at": "2024-01-01T00:00:00Z",
    "problem_statement": "Fix it.",
    "reference": {"commit": "b" * 40},
    "hidden_tests": {"files": ["t.py"], "fail_to_pass": ["t.py::test"]},
}


def fetch(suite: Path, cache: Path) -> Result:
    args = ["repos", "fetch", "--suite", str(suite), "--repos-dir", str(cache)]
    return CliRunner().invoke(app, args, env={"COLUMNS": "300"})


def write_tasks(suite: Path, repos: list[str]) -> None:
    suite.mkdir(parents=True)
    for n, repo in enumerate(repos):
        task = Task.model_validate({**TASK, "id": f"t{n}", "repo": repo})
        (suite / f"t{n}.yaml").write_text(dump_task(task))


def offline(monkeypatch: pytest.MonkeyPatch, clones: dict[str, Path] | None = None) -> None:
    """Clone only the URLs in ``clones`` (from a local repository); the rest fail as offline."""

    def clone(url: str, dest: Path) -> None:
        if clones and url in clones:
            mirror.run_git(["clone", "-q", "--mirror", str(clones[url]), str(dest)])
            return
        raise RepoError(f"cannot clone {url}: Could not resolve host: github.com")

    monkeypatch.setattr(mirror, "_clone", clone)


def test_a_deleted_derived_repository_is_rebuilt_with_the_same_shas(tmp_path: Path) -> None:
    sha = make_source(tmp_path / "src")
    cache, suite = tmp_path / "cache", tmp_path / "suite"
    derived = cache / "synth" / "shapes.git"
    derive_suite(tmp_path / "src", sha, derived, suite, repo="repos/synth/shapes.git")
    before = refs(derived)
    shutil.rmtree(derived)

    result = fetch(suite, cache)
    assert result.exit_code == 0, result.output
    assert "repos/synth/shapes.git: rebuilt 2 pair(s)" in result.output
    assert refs(derived) == before
    again = fetch(suite, cache)
    assert again.exit_code == 0, again.output
    assert "repos/synth/shapes.git: present" in again.output
    assert "1 repository ready" in again.output


def test_the_source_mirror_is_fetched_before_the_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = make_source(tmp_path / "src")
    cache, suite = tmp_path / "cache", tmp_path / "suite"
    derived = tmp_path / "first.git"
    record = derive_suite(tmp_path / "src", sha, derived, suite, repo="repos/synth/shapes.git")
    url = "https://github.com/acme/shapes"
    (suite / "derived.yaml").write_text(
        (suite / "derived.yaml").read_text().replace(record.source, url)
    )
    offline(monkeypatch, {url: tmp_path / "src"})

    result = fetch(suite, cache)
    assert result.exit_code == 0, result.output
    assert f"{url}: cloned into {cache / 'acme' / 'shapes.git'}" in result.output
    assert refs(cache / "synth" / "shapes.git") == refs(derived)


def test_a_rebuild_that_differs_names_each_missing_sha(tmp_path: Path) -> None:
    sha = make_source(tmp_path / "src")
    cache, suite = tmp_path / "cache", tmp_path / "suite"
    derive_suite(tmp_path / "src", sha, tmp_path / "d.git", suite, repo="repos/synth/shapes.git")
    text = (suite / "derived.yaml").read_text()
    (suite / "derived.yaml").write_text(text.replace("stem: shapes-perimeter", "stem: other"))
    task = next(t for t in load_suite(suite) if t.id == "shapes-perimeter")

    result = fetch(suite, cache)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: repos/synth/shapes.git: no commit {s} (rebuild is not byte-identical)"
        for s in (task.base_commit, task.reference.commit)
    ]


def test_offline_each_missing_repository_is_one_line_and_the_rest_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, suite = tmp_path / "cache", tmp_path / "suite"
    make_source(tmp_path / "here")
    present = "https://github.com/acme/present"
    mirror.run_git(
        ["clone", "-q", "--mirror", str(tmp_path / "here"), str(cache / "acme" / "present.git")]
    )
    urls = ["https://github.com/acme/a", present, "https://github.com/acme/b", "repos/synth/x.git"]
    write_tasks(suite, urls)
    offline(monkeypatch)

    result = fetch(suite, cache)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    reason = "Could not resolve host: github.com"
    assert lines == [
        f"error: cannot clone https://github.com/acme/a: {reason}",
        f"error: cannot clone https://github.com/acme/b: {reason}",
        f"error: repos/synth/x.git: missing ({cache / 'synth' / 'x.git'}), and no derived.yaml "
        "of the suite records it",
    ]
    assert f"{present}: present" in result.output


def test_a_malformed_suite_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "derived.yaml").write_text("path: x\n")
    result = fetch(tmp_path / "suite", tmp_path / "cache")
    assert result.exit_code == 1
    assert "derived.yaml: source: Field required" in result.output
