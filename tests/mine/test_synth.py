"""The synth pipeline on a tiny repository made at test time (builds a real venv)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from tests.conftest import TEST_SANDBOX, git

from proctor.mine import rebuild_derived
from proctor.mine.synth import SynthConfig, dump_with, synthesize
from proctor.spec import Task, load_derived, load_task, parse_task

TEXTUTIL = '''"""Small text helpers."""


def slugify(text):
    """Lower-case ``text`` and join its words with dashes."""
    words = text.split()
    lowered = [w.lower() for w in words]
    return "-".join(lowered)


def describe(value):
    """A short description of ``value``."""
    kind = type(value).__name__
    text = repr(value)
    return f"{kind}: {text}"


class Stack:
    """A list-backed stack."""

    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop_or(self, default):
        """Pop the top item, or return ``default`` when empty."""
        if not self.items:
            return default
        item = self.items[-1]
        del self.items[-1]
        return item


def untested(x):
    """Never called by a test."""
    y = x + 1
    z = y * 2
    return z
'''
TESTS = """from tinylib.textutil import Stack, describe, slugify


def test_slugify():
    assert slugify("Hello World") == "hello-world"


def test_describe_is_tolerated():
    try:
        describe(3)
    except Exception:
        pass


def test_stack():
    s = Stack()
    s.push(1)
    assert s.pop_or(None) == 1
    assert s.pop_or(7) == 7


def test_unrelated():
    assert 1 + 1 == 2
"""


def make_repo(root: Path) -> str:
    (root / "tinylib").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "tinylib" / "__init__.py").write_text("")
    (root / "tinylib" / "textutil.py").write_text(TEXTUTIL)
    (root / "tests" / "test_textutil.py").write_text(TESTS)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "tiny library")
    return git(root, "rev-parse", "HEAD")


def show(repo: Path, rev: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={repo}", "show", rev], capture_output=True, text=True, check=True
    ).stdout


def rev_parse(repo: Path, rev: str) -> str:
    return git(repo, f"--git-dir={repo}", "rev-parse", rev)


@pytest.mark.slow
def test_synthesizes_verified_pairs(tmp_path: Path, envs_dir: Path) -> None:
    sha = make_repo(tmp_path / "tiny")
    out = tmp_path / "tasks" / "tiny"
    config = SynthConfig(
        repo=str(tmp_path / "tiny"),
        commit=sha,
        out=out,
        max_tasks=5,
        repos_dir=tmp_path / "repos",
        envs_dir=envs_dir,
        suite_timeout_s=120,
        per_test_timeout_s=30,
        sandbox=TEST_SANDBOX,
    )
    report = synthesize(config)
    stems = sorted(stem for stem, _, _ in report.written)
    assert stems == ["tiny-tinylib.textutil.Stack.pop_or", "tiny-tinylib.textutil.slugify"]
    assert [label for label, _ in report.skipped] == ["tinylib/textutil.py::describe"]
    assert "no covering test fails" in report.skipped[0][1]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["derived.yaml", *(f"{s}-{kind}.yaml" for s in stems for kind in ("iso", "repo"))]
    )

    repo_task = load_task(out / "tiny-tinylib.textutil.slugify-repo.yaml")
    data = yaml.safe_load((out / "tiny-tinylib.textutil.slugify-iso.yaml").read_text())
    assert data.pop("kind") == "isolated"
    isolated = data.pop("isolated")
    iso_task = parse_task(data, "iso")
    assert isolated == {
        "path": "tinylib/textutil.py",
        "qualname": "slugify",
        "prompt": (
            'def slugify(text):\n    """Lower-case ``text`` and join its words with dashes."""\n'
        ),
    }
    assert isolated["prompt"] in iso_task.problem_statement
    assert "`slugify` in `tinylib/textutil.py`" in repo_task.problem_statement
    for field in ("repo", "base_commit", "reference", "hidden_tests", "environment"):
        assert getattr(repo_task, field) == getattr(iso_task, field)
    hidden = repo_task.hidden_tests
    assert hidden.fail_to_pass == ["tests/test_textutil.py::test_slugify"]
    assert "tests/test_textutil.py::test_unrelated" in hidden.pass_to_pass
    assert hidden.files == ["tests/test_textutil.py"]

    assert repo_task.repo == "repos/synth/tiny.git"  # in the cache, wherever it is
    derived = tmp_path / "repos" / "synth" / "tiny.git"
    record = load_derived(out / "derived.yaml")
    assert (record.path, record.source, record.commit) == (
        repo_task.repo,
        str(tmp_path / "tiny"),
        sha,
    )
    assert [(f.qualname, f.stem) for f in record.functions] == [
        ("Stack.pop_or", "tiny-tinylib.textutil.Stack.pop_or"),
        ("slugify", "tiny-tinylib.textutil.slugify"),
    ]
    rebuilt = tmp_path / "rebuilt.git"
    pairs = rebuild_derived(record, tmp_path / "tiny", rebuilt)
    assert pairs["tiny-tinylib.textutil.slugify"] == (
        repo_task.base_commit,
        repo_task.reference.commit,
    )
    base = show(derived, f"{repo_task.base_commit}:tinylib/textutil.py")
    assert '    """Lower-case ``text`` and join its words with dashes."""\n' in base
    assert "    raise NotImplementedError\n\n\ndef describe" in base
    assert show(derived, f"{repo_task.reference.commit}:tinylib/textutil.py") == TEXTUTIL
    assert rev_parse(derived, f"{repo_task.base_commit}^") == sha
    assert rev_parse(derived, f"{repo_task.reference.commit}^") == repo_task.base_commit


def test_dump_with_appends_keys_the_task_does_not_know(calc: tuple[Task, Path]) -> None:
    task, _ = calc
    iso = {"path": "calc.py", "qualname": "f", "prompt": "def f():\n    'x'\n"}
    text = dump_with(task, {"kind": "isolated", "isolated": iso})
    data = yaml.safe_load(text)
    assert data["kind"] == "isolated"
    assert data["isolated"]["prompt"] == "def f():\n    'x'\n"
    assert "prompt: |" in text
    rest = {k: v for k, v in data.items() if k not in ("kind", "isolated")}
    assert parse_task(rest, "t") == task
