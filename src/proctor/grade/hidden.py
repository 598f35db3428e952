"""Hidden-test grading: protect the runner, apply the hidden tests, judge from signals the
change cannot forge (JUnit XML written outside the checkout, the runner's exit code).

Before the tests run, every file the hidden tests own is restored to base and the hidden tests
applied on top; any conftest.py, pytest configuration or module that would load into the test
runner ahead of the tests (``sitecustomize``, ``*.pth``, a module shadowing ``pytest``) that the
change touched is restored or removed. Code the change adds to the library itself still runs
inside the test process; the exit code must agree with the XML, and a selected test that is
missing or skipped counts as failed.
"""

from __future__ import annotations

import configparser
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import tomllib

from proctor.grade.junit import Status, parse_junit, statuses_for
from proctor.repo import apply_patch, changed_paths, read_base_file, restore_paths, touched_paths
from proctor.spec import Task

RUNNER_HOOK_NAMES = frozenset({"conftest.py", "pytest.ini", "sitecustomize.py", "usercustomize.py"})
RUNNER_MODULES = frozenset({"pytest", "_pytest", "pluggy", "py", "iniconfig", "pytest_timeout"})
# Files that hold pytest settings in one section among others: restored only if that changed.
CONFIG_SECTIONS = {"pyproject.toml": "tool.pytest", "setup.cfg": "tool:pytest", "tox.ini": "pytest"}


def _pytest_section(name: str, text: str | None) -> object:
    if text is None:
        return None
    try:
        if name == "pyproject.toml":
            return tomllib.loads(text).get("tool", {}).get("pytest")
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(text)
        section = CONFIG_SECTIONS[name]
        return dict(parser[section]) if parser.has_section(section) else None
    except (tomllib.TOMLDecodeError, configparser.Error):
        return "<unparsable>"


def _is_runner_hook(path: str, pythonpath: Sequence[str]) -> bool:
    p = PurePosixPath(path)
    if p.name in RUNNER_HOOK_NAMES or p.suffix == ".pth":
        return True
    for root in pythonpath:
        rel = p.relative_to(root) if root not in (".", "") and p.is_relative_to(root) else p
        top = rel.parts[0] if rel.parts else ""
        if top.removesuffix(".py") in RUNNER_MODULES and (
            len(rel.parts) > 1 or top.endswith(".py")
        ):
            return True
    return False


def protected_paths(checkout: Path, task: Task, test_patch: str) -> list[str]:
    """Paths to put back to base before grading: hidden test files and runner hooks changed."""
    owned = set(touched_paths(test_patch)) | set(task.hidden_tests.files)
    for path in changed_paths(checkout):
        name = PurePosixPath(path).name
        if _is_runner_hook(path, task.environment.pythonpath):
            owned.add(path)
        elif name in CONFIG_SECTIONS and PurePosixPath(path).parent == PurePosixPath("."):
            base = read_base_file(checkout, path)
            now = checkout / path
            after = now.read_text(errors="replace") if now.is_file() else None
            before = base.decode(errors="replace") if base is not None else None
            if _pytest_section(name, before) != _pytest_section(name, after):
                owned.add(path)
    return sorted(owned)


def prepare_for_grading(checkout: Path, task: Task, test_patch: str) -> list[str]:
    """Restore protected paths, then apply the hidden tests. Returns the paths restored.

    Raises:
        PatchError: the hidden tests do not apply to the restored tree (a spec problem).
    """
    restored = restore_paths(checkout, protected_paths(checkout, task, test_patch))
    apply_patch(checkout, test_patch, label="hidden tests")
    return restored


def pytest_argv(task: Task, junit_path: Path, per_test_timeout_s: float) -> list[str]:
    """The argv that runs FAIL_TO_PASS and PASS_TO_PASS with JUnit XML at ``junit_path``."""
    return [
        *task.environment.test_cmd,
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit_path}",
        "-o",
        "junit_family=xunit1",
        f"--timeout={max(1, int(per_test_timeout_s))}",
        "-rN",
        *task.test_ids,
    ]


@dataclass(frozen=True)
class TestVerdict:
    """What the hidden tests say about one attempt."""

    resolved: bool
    fail_to_pass: dict[str, Status]
    pass_to_pass: dict[str, Status]
    exit_code: int
    notes: list[str] = field(default_factory=list)

    @property
    def f2p_passed(self) -> int:
        """FAIL_TO_PASS tests that passed."""
        return sum(s is Status.PASSED for s in self.fail_to_pass.values())

    @property
    def p2p_passed(self) -> int:
        """PASS_TO_PASS tests that passed."""
        return sum(s is Status.PASSED for s in self.pass_to_pass.values())


# Added lines that reach for the test runner's own machinery: a library has no business
# touching them, and code imported by the tests could forge the verdict through them.
_RUNNER_REACH = re.compile(
    r"junitxml|junit_|\b_pytest\b|pytest_runtest|pytest_collection|pytest_sessionfinish"
    r"|\bos\._exit\b|PYTEST_ADDOPTS|sys\.settrace|sys\.setprofile"
)


def runner_tampering(patch: str) -> list[str]:
    """Added lines of ``patch`` (outside test files) that reach into the test runner."""
    hits: list[str] = []
    path = ""
    for line in patch.splitlines():
        if line.startswith("+++ "):
            path = line[4:].removeprefix("b/")
        elif line.startswith("+") and _RUNNER_REACH.search(line):
            hits.append(f"{path}: {line[1:].strip()[:120]}")
    return hits


def file_digests(checkout: Path, paths: Sequence[str]) -> dict[str, str]:
    """sha256 of each path (``"absent"`` when missing), to prove files were left alone."""
    out: dict[str, str] = {}
    for rel in paths:
        f = checkout / rel
        out[rel] = hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "absent"
    return out


def judge(
    task: Task, junit_text: str | None, exit_code: int, blockers: Sequence[str] = ()
) -> TestVerdict:
    """Decide resolved from the XML and the exit code; any disagreement is not resolved.

    ``blockers`` are reasons found elsewhere (tampering) that forbid a resolved verdict.
    """
    notes: list[str] = list(blockers)
    junit = {}
    if junit_text is None:
        notes.append("no JUnit XML was written")
    else:
        try:
            junit = parse_junit(junit_text)
        except Exception as exc:
            notes.append(str(exc))
    f2p = statuses_for(task.hidden_tests.fail_to_pass, junit)
    p2p = statuses_for(task.hidden_tests.pass_to_pass, junit)
    all_passed = all(s is Status.PASSED for s in [*f2p.values(), *p2p.values()])
    if all_passed and exit_code != 0:
        notes.append(f"runner exited {exit_code} although the XML reports every test passed")
    if exit_code == 0 and not all_passed and junit:
        notes.append("runner exited 0 although the XML reports failures")
    resolved = all_passed and exit_code == 0 and bool(junit) and not blockers
    return TestVerdict(resolved, f2p, p2p, exit_code, notes)
