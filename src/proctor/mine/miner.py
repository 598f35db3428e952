"""Mine a repository's history into verified task specs, resumably and in parallel.

The first-parent history is screened from ``git log`` alone; each candidate left is verified
by running its tests before and after the fix in the sandbox (one venv serves the whole
repository), given a problem statement, and written as ``<out>/<id>.yaml``. Every commit's
fate is appended to ``<out>/mine-report.jsonl``; a rerun skips commits already decided.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from proctor.errors import ModelError, ProctorError
from proctor.files import write_atomic
from proctor.mine import history
from proctor.mine.candidates import Commit, Kind, Screened, classify, screen, window
from proctor.mine.describe import (
    COMMIT_MESSAGE,
    Describe,
    Statement,
    clean_message,
    is_thin,
    pick_statement,
)
from proctor.mine.environment import propose_environment
from proctor.mine.infer import GitTree
from proctor.mine.ledger import REPORT_NAME, MineEntry, ReportLog, finished, latest
from proctor.mine.options import MineOptions
from proctor.mine.testfiles import neighbour_test_modules
from proctor.mine.verifier import LocalVerifier, Verifier
from proctor.mine.verify import CandidateCheck, SandboxFactory, local_sandbox
from proctor.repo import (
    diff_commits,
    ensure_source,
    github_slug,
    guess_category,
    patch_difficulty,
    reference_patches,
    split_patch,
    unseen_names,
)
from proctor.settings import Settings
from proctor.spec import Environment, HiddenTests, Reference, Task, dump_task

_PENDING = "(pending)"


def repo_name(repo: str) -> str:
    """The short name of a repository URL or path, for task ids (``sqlparse``)."""
    slug = github_slug(repo)
    name = slug[1] if slug else re.split(r"[/:]", repo.rstrip("/"))[-1]
    name = name.removesuffix(".git") or "repo"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._") or "repo"


def repo_field(repo: str) -> str:
    """What a task records as its repo: a local path made absolute, a URL as given."""
    path = Path(repo).expanduser()
    return str(path.resolve()) if "://" not in repo and path.exists() else repo


def draft_task(
    repo: str,
    commit: Commit,
    tests: Sequence[str],
    options: MineOptions,
    environment: Environment | None = None,
) -> Task:
    """The task a candidate would become, before its tests and statement are known.

    ``environment`` defaults to the one ``options`` describe without inference.
    """
    return Task(
        id=f"{options.name or repo_name(repo)}-{commit.sha[:7]}",
        repo=repo,
        base_commit=str(commit.base),
        created_at=datetime.fromisoformat(commit.date),
        problem_statement=_PENDING,
        reference=Reference(commit=commit.sha),
        hidden_tests=HiddenTests(files=list(tests), fail_to_pass=[_PENDING]),
        environment=environment or options.environment(),
    )


def finish_task(
    draft: Task, verdict: CandidateCheck, statement: str, source_patch: str = "", message: str = ""
) -> Task:
    """The draft with its tests and statement filled in (validated again).

    Its difficulty is measured on ``source_patch`` (the reference's source files) when given,
    and its category guessed from the commit ``message``, else from the statement.
    """
    data = draft.model_dump()
    data["problem_statement"] = statement
    data["category"] = guess_category(message or statement)
    if source_patch:
        data["difficulty"] = patch_difficulty(source_patch).model_dump()
    data["hidden_tests"] |= {
        "fail_to_pass": verdict.fail_to_pass,
        "pass_to_pass": verdict.pass_to_pass,
    }
    return Task.model_validate(data)


def write_task(out: Path, task: Task) -> Path:
    """Write ``<out>/<id>.yaml`` atomically (a temporary file renamed into place)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{task.id}.yaml"
    write_atomic(path, dump_task(task))
    return path


@dataclass
class MineResult:
    """What a mine found: every commit's latest entry, and what this run added."""

    entries: list[MineEntry]
    new: list[MineEntry]
    tasks: list[Path] = field(default_factory=list)

    @property
    def kept(self) -> list[MineEntry]:
        """Entries of commits that became tasks (this run or earlier)."""
        return [e for e in self.entries if e.status == "kept"]


@dataclass
class _Miner:
    source: Path
    repo: str
    out: Path
    options: MineOptions
    settings: Settings
    describe: Describe | None
    describe_name: str
    verifier: Verifier

    def environment(self, commit: str) -> Environment:
        """The environment of ``commit``'s tests: inferred there unless inference is off."""
        if not self.options.infer:
            return self.options.environment()
        return propose_environment(self.source, commit, self.options.given_environment())

    def process(self, screened: Screened) -> MineEntry:
        """Verify one candidate to exactly one entry; never raises."""
        start = time.monotonic()
        commit = screened.commit
        try:
            entry = self._candidate(screened)
        except ProctorError as exc:
            entry = _entry(commit, "error", str(exc))
        except Exception as exc:  # a bug of ours must not end the whole mine
            entry = _entry(commit, "error", f"internal error: {exc!r}")
        return entry.model_copy(update={"seconds": round(time.monotonic() - start, 3)})

    def _candidate(self, screened: Screened) -> MineEntry:
        commit = screened.commit
        if history.merge_conflicts(self.source, commit):
            return _entry(commit, "dropped", "merge with conflicts")
        message = clean_message(commit.message, history.branch_messages(self.source, commit))
        if self.describe is None and is_thin(message, self.options.min_statement_words):
            return _entry(commit, "dropped", "commit message too thin for a statement")
        tests = history.existing_paths(self.source, commit.sha, screened.tests)
        if not tests:
            return _entry(commit, "dropped", "no test module changed")
        tests += neighbour_test_modules(tests, GitTree(self.source, commit.sha).files)
        environment = self.environment(commit.sha)
        draft = draft_task(self.repo, commit, tests, self.options, environment)
        verdict = self.verifier(self.source, draft)
        counts: dict[str, Any] = {
            "fail_to_pass": len(verdict.fail_to_pass),
            "pass_to_pass": len(verdict.pass_to_pass),
            "flaky": verdict.flaky,
        }
        if verdict.reason is not None:
            return _entry(commit, "dropped", verdict.reason, **counts)
        gold, _ = reference_patches(self.source, draft)
        code, _ = split_patch(gold, lambda p: classify(p, self.options) is Kind.SOURCE)
        statement = self._statement(commit, message, draft, code)
        if statement.text is None:
            reason = str(statement.reason)
            return _entry(commit, "dropped", reason, notes=list(statement.notes), **counts)
        task = finish_task(draft, verdict, statement.text, code, message)
        write_task(self.out, task)
        left_out = [f"left out, does not load after the fix: {f}" for f in verdict.uncollected]
        left_out += [f"left out, does not pass when run by id: {t}" for t in verdict.unselectable]
        return _entry(
            commit,
            "kept",
            task_id=task.id,
            statement_source=statement.source,
            notes=[*left_out, *statement.notes],
            **counts,
        )

    def _statement(self, commit: Commit, message: str, draft: Task, code: str) -> Statement:
        drafts: list[tuple[str, str]] = []
        notes: list[str] = []
        if self.describe is not None:
            diff = diff_commits(self.source, draft.base_commit, commit.sha)
            try:
                drafts.append((f"model {self.describe_name}", self.describe(message, diff)))
            except ModelError as exc:
                notes.append(f"model {self.describe_name} failed: {exc}")
        drafts.append((COMMIT_MESSAGE, message))
        introduced = unseen_names(code, self.source, draft.base_commit)
        chosen = pick_statement(drafts, code, self.options.min_statement_words, introduced)
        return Statement(chosen.text, chosen.source, chosen.reason, (*notes, *chosen.notes))


def _entry(commit: Commit, status: str, reason: str = "", **fields: Any) -> MineEntry:
    return MineEntry.model_validate(
        {
            "sha": commit.sha,
            "base": commit.base or "",
            "date": commit.date,
            "subject": commit.subject,
            "stage": "verify",
            "status": status,
            "reason": reason,
            **fields,
        }
    )


def _screen_entry(screened: Screened) -> MineEntry:
    entry = _entry(screened.commit, "dropped", str(screened.reason))
    return entry.model_copy(update={"stage": "screen"})


def mine(
    repo: str,
    out: Path,
    options: MineOptions,
    settings: Settings,
    *,
    describe: Describe | None = None,
    describe_name: str = "model",
    jobs: int = 1,
    make_sandbox: SandboxFactory = local_sandbox,
    on_entry: Callable[[MineEntry], None] | None = None,
    verifier: Verifier | None = None,
) -> MineResult:
    """Mine ``repo`` into task specs under ``out``; resumes from ``out/mine-report.jsonl``.

    Args:
        repo: a repository URL (its mirror in ``settings.repos_dir`` is used or made) or a
            local path; recorded in every task (local paths made absolute).
        out: the suite folder the tasks and the report go to.
        options: which commits, and the environment their tests run in.
        settings: mirrors, environments, sandbox backend, timeouts.
        describe: drafts statements with a model; None uses commit messages only.
        describe_name: the describer's name, for the report.
        jobs: candidates verified in parallel.
        make_sandbox: makes the sandbox of each test run (of the default verifier).
        on_entry: called with each entry this run writes, as it is written.
        verifier: runs each candidate's tests (None: a :class:`LocalVerifier` here, with
            ``make_sandbox``); only it runs a candidate's tests, the rest stays on this machine.

    Returns:
        Every commit's latest entry (earlier runs included) and this run's new entries.

    Raises:
        RepoError: the repository or ``options.rev`` cannot be had.
    """
    source = ensure_source(repo, settings.repos_dir)
    screened = screen(history.read_history(source, options), options)
    log = ReportLog(out / REPORT_NAME)
    done = finished(log.load())
    new: list[MineEntry] = []

    def record(*entries: MineEntry) -> None:
        log.append(*entries)
        new.extend(entries)
        for entry in entries:
            if on_entry is not None:
                on_entry(entry)

    record(*(_screen_entry(s) for s in screened if s.reason and s.commit.sha not in done))
    pending = [s for s in window(screened, options.max_candidates) if s.commit.sha not in done]
    check = verifier or LocalVerifier(settings, make_sandbox)
    miner = _Miner(source, repo_field(repo), out, options, settings, describe, describe_name, check)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in as_completed([pool.submit(miner.process, s) for s in pending]):
            record(future.result())
    tasks = [out / f"{e.task_id}.yaml" for e in new if e.status == "kept" and e.task_id]
    return MineResult(list(latest(log.load()).values()), new, tasks)
