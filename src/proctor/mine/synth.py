"""Same-function task pairs: one function's body, asked for in its repository and in isolation.

``synthesize`` takes a repository at a commit and

1. runs its test suite once in the sandbox under a call tracer (``harness/calltrace``), which
   says, per test, its outcome and which functions of the repository it called;
2. picks functions that are worth asking for (see :func:`choose`): 3-40 body lines, covered
   by at least one passing test, not a test, top-level or a method, docstring preferred (or
   required: ``documented_only``, as an isolated prompt without one is a bare signature);
3. for each, makes two commits in a derived bare repository ``repos_dir/synth/NAME.git``:
   ``base`` (a child of the commit, the body replaced by ``raise NotImplementedError``, the
   docstring kept) and ``fix`` (the body restored, i.e. the original tree);
4. runs the covering tests at base and at fix in the sandbox: FAIL_TO_PASS are those that
   fail at base and pass at fix, PASS_TO_PASS other tests of the same files that pass at
   both; a function with no FAIL_TO_PASS is skipped;
5. writes two ordinary task specs with the same ground truth: ``<id>-repo`` (fix it in the
   repository) and ``<id>-iso`` (the same base, fix and tests, marked isolated, its prompt
   the signature and docstring only), whose ``repo`` is ``repos/synth/NAME.git`` (in the
   cache, wherever ``repos_dir`` is);
6. records the source, commit and functions in the suite's ``derived.yaml``.

Commits are made with proctor's fixed identity and date, so synthesising again from the same
commit gives the same shas, and the record alone rebuilds the derived repository
(:func:`~proctor.mine.derive.rebuild_derived`).
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import yaml

from proctor.errors import GradingError, ProctorError
from proctor.files import harness_path
from proctor.mine.derive import (
    commit_date,
    derive_pair,
    init_derived,
    recorded_functions,
    write_record,
)
from proctor.mine.functions import FunctionInfo, find_functions, isolated_prompt, remove_body
from proctor.repo import (
    cache_repo,
    ensure_source,
    github_slug,
    is_test_path,
    repo_location,
    resolve_commit,
    run_git,
    sealed_checkout,
)
from proctor.sandbox import Limits, PythonEnv, build_env, open_sandbox
from proctor.settings import get_settings
from proctor.spec import DerivedFunction, DerivedRepo, Environment, Task, dump_task
from proctor.testrun import (
    RunOptions,
    command_for,
    get_runner,
    run_setup,
    session_env,
    session_mounts,
)

__all__ = [
    "Candidate",
    "SuiteRun",
    "SynthConfig",
    "SynthReport",
    "choose",
    "synthesize",
    "task_stem",
]

CALLTRACE_DIR = harness_path("calltrace")
"""Folder of the pytest plugin ``proctor_calltrace`` in a checkout of proctor."""
MIN_BODY, MAX_BODY = 3, 40
MAX_P2P = 20


@dataclass(frozen=True)
class SynthConfig:
    """What to synthesise from, and where things go."""

    repo: str
    """Repository URL or local path."""
    commit: str
    out: Path
    """Suite folder the task files are written to."""
    environment: Environment = field(default_factory=Environment)
    max_tasks: int = 10
    """Most function pairs to write."""
    documented_only: bool = False
    """Only functions with a docstring (an undocumented one's isolated prompt is its signature)."""
    repos_dir: Path = Path("repos")
    envs_dir: Path = field(default_factory=lambda: get_settings().envs_dir)
    sandbox: str = "auto"
    memory_mb: int = 4096
    suite_timeout_s: float = 900.0
    per_test_timeout_s: float = 120.0


@dataclass(frozen=True)
class SuiteRun:
    """One pytest run under the tracer: outcome and called functions per test id."""

    outcomes: dict[str, str]
    calls: dict[str, list[tuple[str, int, str]]]
    """Test id -> (path, first line, qualname) of each function it called."""


@dataclass(frozen=True)
class Candidate:
    """A function chosen for a task pair, with the passing tests that call it."""

    function: FunctionInfo
    tests: tuple[str, ...]


@dataclass
class SynthReport:
    """What a synthesis wrote and what it skipped, and why."""

    written: list[tuple[str, int, int]] = field(default_factory=list)
    """(id stem, FAIL_TO_PASS count, PASS_TO_PASS count) of each pair written."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(path::qualname, reason)."""
    derived_repo: Path | None = None


def choose(
    functions: Sequence[FunctionInfo],
    run: SuiteRun,
    max_tasks: int,
    *,
    documented_only: bool = False,
) -> list[Candidate]:
    """Functions worth a task, best first, at most ``2 * max_tasks`` (spares for skips).

    A function qualifies with 3-40 body lines, in a file that is not a test file, called by
    at least one passing test (and, with ``documented_only``, with a docstring). Documented
    functions come first; files take turns, so one big module does not fill the suite.
    """
    covering: dict[tuple[str, int], list[str]] = {}
    for test, calls in run.calls.items():
        if run.outcomes.get(test) != "passed":
            continue
        for path, line, _ in calls:
            covering.setdefault((path, line), []).append(test)
    fit = [
        Candidate(f, tuple(sorted(covering[f.path, f.first_line])))
        for f in functions
        if MIN_BODY <= f.body_lines <= MAX_BODY
        and not is_test_path(f.path)
        and (f.path, f.first_line) in covering
        and (f.has_docstring or not documented_only)
    ]
    fit.sort(key=lambda c: (not c.function.has_docstring, c.function.path, c.function.first_line))
    by_file: dict[str, list[Candidate]] = {}
    for cand in fit:
        by_file.setdefault(cand.function.path, []).append(cand)
    ordered: list[Candidate] = []
    queues = list(by_file.values())
    while queues and len(ordered) < 2 * max_tasks:
        queues = [q for q in queues if q]
        ordered += [q.pop(0) for q in queues][: 2 * max_tasks - len(ordered)]
    return ordered


def synthesize(config: SynthConfig, *, log: Callable[[str], None] = lambda _: None) -> SynthReport:
    """Write up to ``config.max_tasks`` verified task pairs to ``config.out``.

    Raises:
        RepoError: the repository or commit cannot be had.
        ConfigError: ``config.out`` records a derived repository from another source.
        SpecError: the ``derived.yaml`` of ``config.out`` is malformed.
        EnvironmentBuildError: the environment cannot be built.
        SandboxError: the sandbox cannot run the tests.
        GradingError: the test suite gave no report (it could not be collected).
    """
    source = ensure_source(config.repo, config.repos_dir)
    sha = resolve_commit(source, config.commit)
    task_repo = _task_repo(config.repo)
    recorded = recorded_functions(config.out, task_repo, config.repo, sha)
    derived = repo_location(task_repo, config.repos_dir)
    env = build_env(config.environment, task_repo, config.envs_dir)  # the tasks' env key
    report = SynthReport(derived_repo=derived)
    created_at = commit_date(source, sha)
    init_derived(derived, source, sha)
    with tempfile.TemporaryDirectory(prefix="proctor-synth-") as tmp:
        work = Path(tmp)
        checkout = sealed_checkout(source, sha, work / "orig")
        log(f"tracing the test suite of {config.repo} at {sha[:12]}")
        run = _run_tests(config, env, checkout, work / "trace", [], trace=True)
        functions = [f for path in _python_files(checkout) for f in _functions(checkout, path)]
        candidates = choose(
            functions, run, config.max_tasks, documented_only=config.documented_only
        )
        log(f"{len(functions)} functions, {len(candidates)} candidates")
        config.out.mkdir(parents=True, exist_ok=True)
        for number, cand in enumerate(candidates):
            if len(report.written) >= config.max_tasks:
                break
            label = f"{cand.function.path}::{cand.function.qualname}"
            try:
                written = _make_pair(
                    config, env, checkout, derived, sha, cand, run, created_at, work / str(number)
                )
            except ProctorError as exc:
                report.skipped.append((label, str(exc)))
                continue
            if isinstance(written, str):
                report.skipped.append((label, written))
            else:
                report.written.append(written)
                fn = cand.function
                recorded[written[0]] = DerivedFunction(
                    path=fn.path, qualname=fn.qualname, line=fn.first_line, stem=written[0]
                )
                log(f"wrote {written[0]}-repo / -iso ({written[1]} fail-to-pass)")
    if recorded:
        record = DerivedRepo(
            path=task_repo,
            source=config.repo,
            commit=sha,
            functions=sorted(recorded.values(), key=lambda f: f.stem),
        )
        write_record(config.out, record)
    return report


def _task_repo(url: str) -> str:
    """The derived repository as the tasks name it: in the cache, wherever that is."""
    return cache_repo("synth", f"{_repo_name(url)}.git")


def _make_pair(
    config: SynthConfig,
    env: PythonEnv,
    checkout: Path,
    derived: Path,
    sha: str,
    cand: Candidate,
    run: SuiteRun,
    created_at: datetime,
    work: Path,
) -> tuple[str, int, int] | str:
    """Derive, verify and write one pair; a string says why it was skipped."""
    fn = cand.function
    original = (checkout / fn.path).read_text(encoding="utf-8")
    stem = task_stem(_repo_name(config.repo), fn, config.environment.pythonpath)
    base, fix = derive_pair(derived, sha, fn.path, remove_body(original, fn), stem)
    files = {t.split("::")[0] for t in cand.tests}
    others = [
        t
        for t, outcome in sorted(run.outcomes.items())
        if outcome == "passed" and t.split("::")[0] in files and t not in cand.tests
    ][:MAX_P2P]
    outcomes = [
        _run_tests(config, env, sealed_checkout(derived, rev, work / rev), work / f"{rev}-s", ids)
        for rev, ids in ((base, [*cand.tests, *others]), (fix, [*cand.tests, *others]))
    ]
    at_base, at_fix = (o.outcomes for o in outcomes)
    f2p = [t for t in cand.tests if at_base.get(t) != "passed" and at_fix.get(t) == "passed"]
    p2p = [t for t in others if at_base.get(t) == at_fix.get(t) == "passed"]
    if not f2p:
        return "no covering test fails without the body and passes with it"
    common = {
        "repo": _task_repo(config.repo),
        "base_commit": base,
        "created_at": created_at,
        "reference": {"commit": fix},
        "hidden_tests": {
            "files": sorted({t.split("::")[0] for t in [*f2p, *p2p]}),
            "fail_to_pass": f2p,
            "pass_to_pass": p2p,
        },
        "environment": config.environment.model_dump(),
    }
    _write_pair(config.out, stem, fn, isolated_prompt(original, fn), common)
    return stem, len(f2p), len(p2p)


def _write_pair(
    out: Path, stem: str, fn: FunctionInfo, prompt: str, common: Mapping[str, object]
) -> None:
    """Write ``<stem>-repo.yaml`` and ``<stem>-iso.yaml``, alike but for id and statement."""
    where = f"`{fn.qualname}` in `{fn.path}`"
    statement = _REPO_STATEMENT.format(where=where, prompt=prompt)
    repo_task = Task.model_validate(
        {**common, "id": f"{stem}-repo", "problem_statement": statement}
    )
    statement = _ISO_STATEMENT.format(prompt=prompt)
    iso_task = Task.model_validate({**common, "id": f"{stem}-iso", "problem_statement": statement})
    isolated = {"path": fn.path, "qualname": fn.qualname, "prompt": prompt}
    (out / f"{stem}-repo.yaml").write_text(dump_task(repo_task), encoding="utf-8")
    extra = {"kind": "isolated", "isolated": isolated}
    (out / f"{stem}-iso.yaml").write_text(dump_with(iso_task, extra), encoding="utf-8")


_REPO_STATEMENT = """\
The body of {where} is missing: it only raises NotImplementedError. Implement it so that
it does what its docstring says and what the rest of the code expects of it.

```python
{prompt}```
"""
_ISO_STATEMENT = """\
Implement this function.

```python
{prompt}```
"""


def dump_with(task: Task, extra: Mapping[str, object]) -> str:
    """YAML of ``task`` plus ``extra`` top-level keys (e.g. ``kind``/``isolated``).

    Keys the :class:`Task` model knows go through the model; the others are appended after
    the model's fields, so the file stays readable by a Task that learns them later.
    """
    known = {k: v for k, v in extra.items() if k in Task.model_fields}
    if known:
        task = Task.model_validate({**task.model_dump(), **known})
    rest = {k: v for k, v in extra.items() if k not in Task.model_fields}
    text = dump_task(task)
    if rest:
        text += yaml.dump(rest, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


class _Dumper(yaml.SafeDumper):
    pass


def _block_strings(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _block_strings)


def _repo_name(url: str) -> str:
    slug = github_slug(url)
    name = slug[1] if slug is not None else Path(url.rstrip("/")).name.removesuffix(".git")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._") or "repo"


def task_stem(name: str, fn: FunctionInfo, pythonpath: Sequence[str] = (".",)) -> str:
    """``NAME-module.qualname``: the module as imported (``src/`` and ``__init__`` dropped)."""
    path = PurePosixPath(fn.path).with_suffix("")
    for root in pythonpath:
        if root not in (".", "") and path.is_relative_to(root):
            path = path.relative_to(root)
            break
    parts = [p for p in path.parts if p != "__init__"]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", f"{name}-{'.'.join([*parts, fn.qualname])}")


def _python_files(checkout: Path) -> list[str]:
    out = run_git(["ls-files", "-z", "--", "*.py"], cwd=checkout).stdout.decode()
    return sorted(p for p in out.split("\0") if p and not is_test_path(p))


def _functions(checkout: Path, path: str) -> list[FunctionInfo]:
    try:
        source = (checkout / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return find_functions(path, source)


def _run_tests(
    config: SynthConfig,
    env: PythonEnv,
    checkout: Path,
    scratch: Path,
    ids: Sequence[str],
    *,
    trace: bool = False,
) -> SuiteRun:
    """Run pytest (all tests, or ``ids``) in the sandbox with the call-trace plugin.

    Raises:
        GradingError: pytest wrote no report (it crashed or timed out before the end).
        SandboxError: the sandbox cannot run at all.
    """
    scratch.mkdir(parents=True)
    out = scratch / "calltrace.json"
    mounts = session_mounts(env, checkout, scratch, (CALLTRACE_DIR,))
    sandbox = open_sandbox(config.sandbox, mounts, Limits(memory_mb=config.memory_mb))
    run_env = session_env(env, config.environment, checkout, scratch)
    run_setup(sandbox, config.environment, checkout, run_env)  # a failure skips the function
    paths = [p for p in (run_env.get("PYTHONPATH"), str(CALLTRACE_DIR)) if p]
    run_env["PYTHONPATH"] = ":".join(paths)
    calltrace = (
        *("-p", "proctor_calltrace", f"--calltrace-out={out}", f"--calltrace-root={checkout}"),
        *(() if trace else ("--calltrace-off",)),
    )
    options = RunOptions(
        per_test_timeout_s=config.per_test_timeout_s, quiet=True, cache=False, extra=calltrace
    )
    argv = get_runner(config.environment.runner).argv(command_for(config.environment), ids, options)
    res = sandbox.exec(argv, cwd=checkout, timeout=config.suite_timeout_s, env=run_env)
    if not out.is_file():
        tail = (res.stdout + res.stderr).strip().splitlines()[-1:] or [f"exit {res.returncode}"]
        raise GradingError(f"the test run wrote no report ({tail[0]})")
    data = json.loads(out.read_text(encoding="utf-8"))["tests"]
    return SuiteRun(
        outcomes={t: str(v["outcome"]) for t, v in data.items()},
        calls={
            t: [(str(p), int(n), str(q)) for p, n, q in v.get("functions", [])]
            for t, v in data.items()
        },
    )
