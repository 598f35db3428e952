"""Hidden-test grading, first and last steps: protect the runner, then judge.

Before the tests run, every file the hidden tests own is restored to base and the hidden tests
applied on top; every file that hooks the runner (:attr:`proctor.testrun.RunnerFiles.hooks`:
for pytest its local plugins, config files, ``sitecustomize``/``usercustomize``; and ``*.pth``)
and test package ``__init__.py`` the change touched is restored or removed, and so is any
module it adds that shadows one the runner loads. After the run, :func:`judge` decides
from the reported statuses, the exit status and the integrity evidence
(:mod:`proctor.grade.integrity`); a selected test that is missing or skipped counts as failed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from proctor.repo import apply_patch, changed_paths, read_base_file, restore_paths, touched_paths
from proctor.spec import Task
from proctor.testrun import RunnerFiles, Status, TestReport, get_runner, under_roots

TEST_FOLDERS = frozenset({"test", "tests", "testing"})


def _top_module(path: str, roots: Sequence[str]) -> tuple[str, str] | None:
    """(root, top-level module name) that ``path`` belongs to on the import path."""
    for root, rel in under_roots(path, roots):
        top = rel.parts[0] if rel.parts else ""
        if len(rel.parts) > 1 or top.endswith(".py"):
            return root, top.removesuffix(".py")
    return None


def _shadows_runner(
    checkout: Path, path: str, roots: Sequence[str], runner_modules: Iterable[str]
) -> bool:
    """Whether ``path`` belongs to a runner module that the base tree does not provide."""
    found = _top_module(path, roots)
    if found is None or found[1] not in set(runner_modules):
        return False
    root, top = found
    prefix = "" if root in (".", "") else f"{root}/"
    return all(
        read_base_file(checkout, f"{prefix}{candidate}") is None
        for candidate in (f"{top}.py", f"{top}/__init__.py")
    )


def _is_test_package_init(path: str, owned: set[str]) -> bool:
    p = PurePosixPath(path)
    if p.name != "__init__.py":
        return False
    if TEST_FOLDERS & set(p.parent.parts):
        return True
    return any(PurePosixPath(o).parent == p.parent for o in owned)


def hidden_paths(task: Task, test_patch: str) -> set[str]:
    """The files the hidden tests own: those their patch touches and those the task names."""
    return set(touched_paths(test_patch)) | set(task.hidden_tests.files)


def protected_paths(
    checkout: Path, task: Task, test_patch: str, runner_modules: Iterable[str] = ()
) -> list[str]:
    """Paths to put back to base before grading.

    These are the files the hidden tests own, and every changed file that hooks the runner
    (the task's runner names them: for pytest conftest files, its config files,
    ``sitecustomize``/``usercustomize``, ``*.pth``), test packages' ``__init__.py``, and
    modules the change adds that shadow a runner module (the repository's own modules are its
    code under test, even when the runner imports them).

    Raises:
        ConfigError: the task names an unknown runner.
    """
    files = get_runner(task.environment.runner).files
    owned = hidden_paths(task, test_patch)
    roots = [*task.environment.pythonpath, "."]
    modules = {*files.modules, *runner_modules}
    for path in changed_paths(checkout):
        p = PurePosixPath(path)
        if (
            p.name in files.hooks
            or p.suffix in files.hook_suffixes
            or _is_test_package_init(path, owned)
            or _shadows_runner(checkout, path, roots, modules)
        ):
            owned.add(path)
    return sorted(owned)


def prepare_for_grading(
    checkout: Path, task: Task, test_patch: str, runner_modules: Iterable[str] = ()
) -> list[str]:
    """Restore protected paths, then apply the hidden tests. Returns the paths restored.

    Raises:
        PatchError: the hidden tests do not apply to the restored tree (a spec problem).
    """
    paths = protected_paths(checkout, task, test_patch, runner_modules)
    restored = restore_paths(checkout, paths)
    apply_patch(checkout, test_patch, label="hidden tests")
    return restored


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


# Added lines that reach for the test runner's own machinery (or the interpreter's): a library
# has no business touching them, and code imported by the tests could forge the verdict
# through them.
_INTERPRETER_REACH = r"\bos\._exit\b|sys\.settrace|sys\.setprofile"


def runner_tampering(patch: str, files: RunnerFiles) -> list[str]:
    """Added lines of ``patch`` that reach into the test runner: a hint, never a verdict."""
    reach = re.compile(f"{files.internals}|{_INTERPRETER_REACH}")
    hits: list[str] = []
    path = ""
    for line in patch.splitlines():
        if line.startswith("+++ "):
            path = line[4:].removeprefix("b/")
        elif line.startswith("+") and reach.search(line):
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
    task: Task,
    report: TestReport,
    exit_code: int,
    *,
    expected_exit: int = 0,
    evidence: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> TestVerdict:
    """Decide resolved from the reported statuses and the exit status.

    Resolved needs every selected test reported passed, the exit status an honest session
    gives (``expected_exit``: 1 when canaries that must fail ran) and no ``evidence`` of
    tampering; anything else is not resolved, with the reason in the notes.
    """
    out: list[str] = [*notes, *evidence]
    f2p = report.statuses_for(task.hidden_tests.fail_to_pass)
    p2p = report.statuses_for(task.hidden_tests.pass_to_pass)
    all_passed = all(s is Status.PASSED for s in [*f2p.values(), *p2p.values()])
    reported = bool(report.cases)
    if reported and all_passed and exit_code != expected_exit:
        out.append(
            f"runner exited {exit_code}, where an honest run of these tests exits {expected_exit}"
        )
    resolved = all_passed and exit_code == expected_exit and reported and not evidence
    return TestVerdict(resolved, f2p, p2p, exit_code, out)
