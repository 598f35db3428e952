"""Benchmark: does proctor run's default model answer with an applicable edit that changes code?

For every task chosen, the base commit is sealed in a temporary folder and the one-shot agent
is run on it exactly as ``proctor run`` builds it (the model's catalog spec, hybrid retrieval
under the spec's context cap, the statement, the agent's prompt templates). No test runs: the
figures are about the answer's form, not about whether it fixes the issue.

Per task the first answer is then applied again, on its own, to a fresh sealed checkout:

* ``first-try``: the first answer's edits parsed and all applied, and the checkout's diff
  from base changes code (a block whose REPLACE equals its SEARCH, or differs from it only
  in blank lines, changes nothing);
* ``final``: after the agent's own retries, the checkout's diff changes code and the
  submission is not patch-failed / malformed / cannot-fix (what reaches grading).

Also counted: answers with no edit at all, those with only a CONFIDENCE line, CANNOT FIX.
Target (issue 14 part 6): ``final`` on at least 80% of the tasks, on at least 30 tasks,
among them tasks the prompt was not tuned on (tasks/main repositories that are not in
tasks/core).

``--fresh`` measures instead the next tasks of the held-out repositories (the next
``PER_REPO`` of each, in id order): tasks no measurement looked at while the format was tuned.

Run from the repository root (offline: mirrors in PROCTOR_REPOS_DIR, weights cached)::

    PROCTOR_REPOS_DIR=/work/main/repos .venv/bin/python benchmarks/edit_format.py \
        --out edit_format.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from proctor.agent import build_agent, parse_verdict
from proctor.agent.oneshot import same_python
from proctor.cli.run import DEFAULT_MODEL
from proctor.model import (
    ModelSpec,
    OpenAIChatModel,
    Problem,
    Solver,
    load_catalog,
    resolve_chat_model,
)
from proctor.model.local import serving
from proctor.repo import ensure_source, sealed_checkout
from proctor.retrieval import get_retriever, render_context
from proctor.run.solvers import context_budget, models_files
from proctor.settings import Settings
from proctor.spec import Task, load_suite

try:  # after issue 14 part 6: the agent applies an answer in any edit format
    from proctor.agent import apply_answer as _apply_answer
except ImportError:  # before it: search/replace blocks only
    _apply_answer = None

TARGET = 0.80
TUNING = "tasks/core"
HELD_OUT = "tasks/main"
PER_REPO = 2


@dataclass
class Row:
    """One task's answer, judged."""

    task: str
    repo: str
    split: str
    """``tuning`` (tasks/core) or ``held-out``."""
    status: str
    first_try: bool
    final: bool
    no_edit: bool
    confidence_only: bool
    cannot_fix: bool
    first_error: str
    seconds: float
    answer: str
    answers: list[str] = field(default_factory=list)
    """Every answer of the conversation (the first, and the retry's if any)."""
    constrained: bool = False
    """The answers were decoded under the edit format's grammar (:mod:`proctor.agent.grammar`)."""


def held_out(tuning: Sequence[Task], main: Sequence[Task], start: int = 0) -> list[Task]:
    """Of each repo not in tuning, its tasks ``start`` to ``start + PER_REPO`` in id order."""
    seen = {t.repo for t in tuning}
    picked: dict[str, list[Task]] = defaultdict(list)
    for task in sorted(main, key=lambda t: t.id):
        if task.repo not in seen and task.kind != "isolated":
            picked[task.repo].append(task)
    return [t for repo in sorted(picked) for t in picked[repo][start : start + PER_REPO]]


def choose(tuning: Sequence[Task], main: Sequence[Task]) -> list[tuple[str, Task]]:
    """Every tuning task and ``PER_REPO`` tasks (in id order) of each repo not in tuning,
    alternating between the two."""
    held = held_out(tuning, main)
    order = [("tuning", t) for t in tuning], [("held-out", t) for t in held]
    mixed = [pair for row in zip(*order, strict=False) for pair in row]
    return mixed + order[1][len(order[0]) :]  # alternating, so a cut-short run stays mixed


def diff_size(checkout: Path) -> int:
    """Lines of code changed from the base commit in files that existed there, as the agent's
    ``changes_code`` counts them: blank lines and trailing spaces are not code (indentation
    is), and a Python file whose syntax tree is as it was changed no code (comments moved,
    lines re-wrapped). A new file alone, such as the prompt's example copied, does not count
    as changing the repository's code."""
    git = ["git", "-C", str(checkout)]
    subprocess.run([*git, "add", "-A"], capture_output=True, check=True)
    numstat = [*git, "diff", "--cached", "--numstat", "--diff-filter=M"]
    numstat += ["--ignore-blank-lines", "--ignore-space-at-eol"]
    out = subprocess.run(numstat, capture_output=True, text=True)
    total = 0
    for line in out.stdout.splitlines():
        added, removed, path = line.split("\t", 2)
        if path.endswith(".py") and _same_tree(checkout, path):
            continue
        total += int(added) if added.isdigit() else 1
        total += int(removed) if removed.isdigit() else 0
    return total


def _same_tree(checkout: Path, path: str) -> bool:
    """Whether ``path`` is the same Python code as at the base commit."""
    base = ["git", "-C", str(checkout), "show", f"HEAD:{path}"]
    old = subprocess.run(base, capture_output=True, text=True).stdout
    new = (checkout / path).read_text(encoding="utf-8", errors="replace")
    return same_python(old, new) is True


def apply_first(answer: str, checkout: Path, edit_format: str) -> str:
    """Apply ``answer`` alone to ``checkout``; '' when every edit applied, else the reason."""
    if _apply_answer is not None:
        return str(_apply_answer(answer, checkout, edit_format))
    from proctor.agent.edits import apply_blocks, parse_edit_blocks
    from proctor.agent.errors import MalformedAnswer

    try:
        blocks = parse_edit_blocks(answer)
    except MalformedAnswer as exc:
        return f"malformed: {exc}"
    _, failed = apply_blocks(checkout, blocks)
    return "; ".join(f"{f} ({f.kind})" for f in failed)


def first_try(
    answer: str, task: Task, repos_dir: Path, where: Path, edit_format: str
) -> tuple[bool, bool, str]:
    """(CANNOT FIX, applied and changed code, why not) of ``answer`` alone on a fresh checkout."""
    fresh = sealed_checkout(ensure_source(task.repo, repos_dir), task.base_commit, where)
    cannot = parse_verdict(answer).cannot_fix is not None
    error = "cannot fix" if cannot else apply_first(answer, fresh, edit_format)
    first = not error and diff_size(fresh) > 0
    if not error and not first:
        error = "no-op: the edits change no file of the repository"
    return cannot, first, error


def rejudge(rows: list[Row], repos_dir: Path, edit_format: str) -> list[Row]:
    """``rows`` with the first answer judged again by this code (no model call)."""
    tasks = {t.id: t for suite in (TUNING, HELD_OUT) for t in load_suite(Path(suite))}
    out = []
    for row in rows:
        with tempfile.TemporaryDirectory(prefix="proctor-editfmt-") as tmp:
            found = first_try(row.answer, tasks[row.task], repos_dir, Path(tmp) / "c", edit_format)
        cannot, first, error = found
        # an answer that applied first needs no retry: the agent would submit it as it is
        final = row.final or first
        out.append(
            replace(
                row,
                cannot_fix=cannot,
                first_try=first,
                final=final,
                no_edit=error.startswith("malformed"),
                first_error=error[:300],
            )
        )
    return out


_CONFIDENCE_ONLY = re.compile(r"^\s*\**\s*confidence\s*\**\s*[:=]\s*[\d.]+%?\s*$", re.I)


def judge(
    split: str, task: Task, solver: Solver, repos_dir: Path, scratch: Path, edit_format: str
) -> Row:
    """Run the agent on a sealed checkout, then re-apply its first answer alone."""
    source = ensure_source(task.repo, repos_dir)
    work = sealed_checkout(source, task.base_commit, scratch / "work")
    workdir = scratch / "model"
    workdir.mkdir()
    problem = Problem(task.id, task.repo, task.problem_statement, work, workdir)
    started = time.monotonic()
    submission = solver.solve(problem)
    seconds = time.monotonic() - started
    record = json.loads((workdir / "conversation.json").read_text(encoding="utf-8"))
    answers = [m["content"] or "" for m in record["messages"] if m["role"] == "assistant"]
    answer = answers[0] if answers else ""
    cannot, first, error = first_try(answer, task, repos_dir, scratch / "fresh", edit_format)
    ok = submission.status not in {"patch-failed", "malformed", "cannot-fix", "error", "limit"}
    final = ok and diff_size(work) > 0
    lines = [line for line in answer.splitlines() if line.strip()]
    return Row(
        task=task.id,
        repo=task.repo,
        split=split,
        status=submission.status,
        first_try=first,
        final=final,
        no_edit=error.startswith("malformed"),
        confidence_only=bool(lines) and all(_CONFIDENCE_ONLY.match(x) for x in lines),
        cannot_fix=cannot,
        first_error=error[:300],
        seconds=round(seconds, 1),
        answer=answer,
        answers=answers,
        constrained=any("grammar" in step for step in record.get("steps", [])),
    )


def _share(rows: Sequence[Row], pick: Callable[[Row], bool]) -> str:
    hit = sum(1 for r in rows if pick(r))
    return f"{hit}/{len(rows)} = {100 * hit / max(1, len(rows)):.0f}%"


def report(every: Sequence[Row]) -> None:
    """Per task, then the shares per split and in all (model API errors left out, counted)."""
    print(f"{'task':24} {'split':8} {'status':12} first final  error")
    for r in every:
        print(
            f"{r.task:24} {r.split:8} {r.status:12} {'yes' if r.first_try else 'no':5} "
            f"{'yes' if r.final else 'no':5}  {r.first_error[:60]}"
        )
    rows = [r for r in every if r.status != "error"]
    print(f"\nleft out: {len(every) - len(rows)} model API errors (no answer)")
    for label, part in (
        ("tuning", [r for r in rows if r.split == "tuning"]),
        ("held-out", [r for r in rows if r.split == "held-out"]),
        ("fresh", [r for r in rows if r.split == "fresh"]),
        ("all", list(rows)),
    ):
        print(
            f"{label:8}  applicable+changes code, first try {_share(part, lambda r: r.first_try)};"
            f" after retry {_share(part, lambda r: r.final)}; no edit "
            f"{_share(part, lambda r: r.no_edit)}; only CONFIDENCE "
            f"{_share(part, lambda r: r.confidence_only)}; cannot fix "
            f"{_share(part, lambda r: r.cannot_fix)}"
        )
    final = sum(r.final for r in rows) / max(1, len(rows))
    verdict = "met" if final >= TARGET and len(rows) >= 30 else "NOT met"
    print(f"target: >= {TARGET:.0%} after retry on >= 30 tasks: {verdict}")


def make_agent(live: ModelSpec, edit_format: str, timeout_s: float) -> Solver:
    """The one-shot agent as ``proctor run`` builds it (hybrid retrieval, the spec's context
    cap), but with one long request and no retries: on a busy shared CPU a 0.5B model can need
    more than the default 120 s, and a retry would queue behind the abandoned request."""
    llm = OpenAIChatModel(live, max_retries=0, timeout_s=timeout_s)
    fmt: dict[str, Any] = {"edit_format": edit_format} if edit_format else {}
    return build_agent(
        "oneshot",
        llm,
        get_retriever("hybrid"),
        name=f"{live.name}+oneshot",
        renderer=render_context,
        budget_tokens=context_budget(live, 6000),
        **fmt,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="default: proctor run's")
    parser.add_argument("--edit-format", default="", help="'' = the model's default")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="first N tasks only (0: all)")
    parser.add_argument("--split", choices=("all", "tuning", "held-out"), default="all")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help=f"instead: the next {PER_REPO} tasks of each held-out repo (never measured before)",
    )
    parser.add_argument("--skip", type=int, default=0, help="leave out the first N tasks")
    parser.add_argument(
        "--task", action="append", default=[], help="only these task ids (repeatable)"
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON lines, one per task")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per request")
    parser.add_argument("--report", type=Path, default=None, help="only report a --out file")
    parser.add_argument(
        "--rejudge", action="store_true", help="with --report: judge first answers again"
    )
    args = parser.parse_args()
    if args.report is not None:
        lines = args.report.read_text(encoding="utf-8").splitlines()
        fields = set(Row.__dataclass_fields__)
        rows = [Row(**{k: v for k, v in json.loads(x).items() if k in fields}) for x in lines]
        if args.rejudge:
            fmt = args.edit_format or "search-replace"
            rows = rejudge(rows, Path(os.environ.get("PROCTOR_REPOS_DIR", "repos")), fmt)
        report(rows)
        return
    repos_dir = Path(os.environ.get("PROCTOR_REPOS_DIR", "repos"))
    tuning, main = load_suite(Path(TUNING)), load_suite(Path(HELD_OUT))
    chosen = choose(tuning, main)
    if args.fresh:
        chosen = [("fresh", t) for t in held_out(tuning, main, start=PER_REPO)]
    chosen = [c for c in chosen if args.split in ("all", c[0])][args.skip :]
    if args.task:
        chosen = [c for c in chosen if c[1].id in args.task]
    if args.limit:
        chosen = chosen[: args.limit]
    found = resolve_chat_model(args.model, load_catalog(*models_files()))
    if not isinstance(found, ModelSpec):
        raise SystemExit(f"{args.model}: a catalog model is needed")
    default = getattr(found, "edit_format", None) or ""  # before the field existed: none
    edit_format = args.edit_format or default or "search-replace"
    rows: list[Row] = []
    with serving(found, threads=args.threads, settings=Settings()) as live:
        for split, task in chosen:
            agent = make_agent(live, args.edit_format or default, args.timeout)
            with tempfile.TemporaryDirectory(prefix="proctor-editfmt-") as tmp:
                row = judge(split, task, agent, repos_dir, Path(tmp), edit_format)
            rows.append(row)
            line = f"{row.task}: {row.status} first={row.first_try} final={row.final}"
            print(f"{line} {row.first_error[:80]}", flush=True)
            if args.out:
                with args.out.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(asdict(row)) + "\n")
    print(f"model {args.model}, edit format {edit_format}, {len(rows)} tasks")
    report(rows)


if __name__ == "__main__":
    main()
