"""Lint delta, formatter check and security findings of a change, with ruff.

The configuration comes from :mod:`proctor.grade.quality.config` (the repository's, read at
base). Each changed ``.py`` file is written at base and after into two temp trees that keep
its repository-relative path, and both trees are linted in one ruff run. With paths kept, the
repository's per-file-ignores apply, and so do its ``exclude`` patterns (``--force-exclude``):
a file the repository keeps out of lint (``tests`` in sqlparse, say) is not linted here either.

A finding is NEW only when no base finding with the same rule and the same stripped line text
is left to match it (with multiplicity), so code that merely moved is not new. A new finding of
a rule that the base of the changed files already breaks somewhere (or an import F401 calls
unused that a ``# type:`` comment uses, which ruff does not read) is ``tolerated``: reported,
but the repository evidently does not hold that rule (a rule newer than the ruff its maintainers
ran, say, selected through a prefix such as ``PL`` or ``D``), so it does not decide ``ok``.
Security is the same delta over flake8-bandit's rules (S, less S101). The formatter check flags
ADDED lines only. ruff executes nothing of the repository.
"""

from __future__ import annotations

import json
import posixpath
import re
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from proctor.grade.quality.config import RuffSetup, discover_setup, fallback_setup
from proctor.grade.quality.findings import (
    CheckResult,
    Finding,
    added_lines,
    differing_paths,
    error_result,
)
from proctor.grade.quality.runner import RuffError, run_ruff
from proctor.spec import LintSettings

_PAD = Path("p/q/r/s")  # keeps `extend = "../../x.toml"` targets inside the temp folder
_SECURITY_ARGS = ("--select", "S", "--ignore", "S101")  # asserts are not a security finding


@dataclass(frozen=True)
class RawFinding:
    """One ruff diagnostic: rule code, 1-based line (None when it has none), message."""

    code: str
    line: int | None
    message: str


class LintOutcome(NamedTuple):
    """The three checks one set of ruff runs produces."""

    lint: CheckResult
    format: CheckResult
    security: CheckResult


# --- pure parts ----------------------------------------------------------------------------


def parse_ruff_json(text: str) -> list[tuple[str, RawFinding]]:
    """``ruff check --output-format json`` output as (filename, finding) pairs."""
    pairs: list[tuple[str, RawFinding]] = []
    for item in json.loads(text or "[]"):
        location = item.get("location") or {}
        code = item.get("code") or "syntax-error"
        if code == "invalid-syntax":
            code = "syntax-error"
        raw = RawFinding(code=code, line=location.get("row"), message=item.get("message", ""))
        pairs.append((str(item.get("filename", "")), raw))
    return pairs


def new_findings(
    base: Sequence[RawFinding],
    after: Sequence[RawFinding],
    base_text: str | None,
    after_text: str,
    elsewhere: Counter[tuple[str, str]] | None = None,
) -> list[RawFinding]:
    """Findings of ``after`` that base does not account for, counted with multiplicity.

    A finding is matched, in turn, by a base finding of the same file with the same rule and
    stripped line text (moved code); by one left over in another changed file (``elsewhere``,
    used up as it matches: code moved between files); and by one of the same file with the same
    rule and message, numbers aside (a finding that stays on an edited line, say a version
    string bumped in a module ruff flags as a whole, or a complex function edited).
    """
    base_lines = (base_text or "").splitlines()
    after_lines = after_text.splitlines()
    slots: dict[tuple[str, str], list[int]] = {}
    for index, finding in enumerate(base):
        slots.setdefault(_key(finding, base_lines), []).append(index)
    used: set[int] = set()
    left: list[RawFinding] = []
    for finding in sorted(after, key=lambda f: (f.line or 0, f.code)):
        key = _key(finding, after_lines)
        free = slots.get(key)
        if free:
            used.add(free.pop())
        elif elsewhere is not None and elsewhere[key] > 0:
            elsewhere[key] -= 1
        else:
            left.append(finding)
    by_message = Counter(
        (f.code, _numberless(f.message)) for i, f in enumerate(base) if i not in used
    )
    fresh: list[RawFinding] = []
    for finding in left:
        if by_message[(finding.code, _numberless(finding.message))] > 0:
            by_message[(finding.code, _numberless(finding.message))] -= 1
        else:
            fresh.append(finding)
    return fresh


def _typed_in_comment(finding: RawFinding, text: str | None) -> bool:
    """Whether an import F401 calls unused is used in a ``# type:`` comment, which ruff does
    not read (pyflakes did): ``from typing import Optional`` for ``# type: () -> Optional[int]``."""
    match = re.match(r"`([\w.]+)` imported but unused", finding.message)
    if finding.code != "F401" or match is None or not text:
        return False
    name = match.group(1).rsplit(".", 1)[-1]
    return re.search(rf"#\s*type:[^\n]*\b{re.escape(name)}\b", text) is not None


def _numberless(message: str) -> str:
    """A message that names what it is about with its numbers blanked: `f` is too complex
    (12 > 10) stays the finding it was at base when the change makes ``f`` more complex. A
    message that names nothing (line too long (85 > 79)) keeps its numbers."""
    return re.sub(r"\d+", "#", message) if "`" in message else message


def leftovers(
    found: Mapping[tuple[str, str], Sequence[RawFinding]],
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
) -> Counter[tuple[str, str]]:
    """(rule, line text) of base findings whose line text is gone from their own file."""
    pool: Counter[tuple[str, str]] = Counter()
    for (side, rel), findings in found.items():
        if side != "base":
            continue
        lines = (base.get(rel) or "").splitlines()
        after_lines = (after.get(rel) or "").splitlines()
        had = Counter(_key(f, lines) for f in findings)
        kept = Counter(_key(f, after_lines) for f in found.get(("after", rel), []))
        pool += had - kept
    return pool


def _key(finding: RawFinding, lines: Sequence[str]) -> tuple[str, str]:
    line = finding.line
    text = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else ""
    return finding.code, text


def reformatted_lines(text: str, formatted: str) -> set[int]:
    """1-based lines of ``text`` that formatting would change (insertions count on the next)."""
    matcher = SequenceMatcher(None, text.splitlines(), formatted.splitlines(), autojunk=False)
    lines: set[int] = set()
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            lines.update(range(i1 + 1, i2 + 1))
        elif tag == "insert":
            lines.add(i1 + 1)
    return lines


# --- running ruff --------------------------------------------------------------------------


def _write(tree: Path, rel: str, text: str) -> None:
    target = Path(posixpath.normpath(str(tree / rel)))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def _build_tree(
    tree: Path, root: Path, setup: RuffSetup, texts: Mapping[str, str | None], paths: list[str]
) -> list[str]:
    """Write configs and the given texts under ``tree``; return the paths written."""
    for rel, text in setup.files:
        _write(tree, rel, text)
    # Empty top-level folders let ruff's isort tell first-party imports as it would in the
    # repository, and empty __init__.py files keep packages packages (INP001).
    for folder in (root, root / "src"):
        if folder.is_dir():
            for entry in sorted(folder.iterdir())[:200]:
                if entry.is_dir() and not entry.name.startswith("."):
                    (tree / entry.relative_to(root)).mkdir(parents=True, exist_ok=True)
    for rel in paths:
        for parent in PurePosixPath(rel).parents:
            if str(parent) != "." and (root / parent / "__init__.py").is_file():
                _write(tree, f"{parent}/__init__.py", "")
    written = []
    for rel in paths:
        content = texts.get(rel)
        if content is not None:
            _write(tree, rel, content)
            written.append(rel)
    return written


class _Trees(NamedTuple):
    tmp: Path
    base: Path
    after: Path
    base_paths: list[str]
    after_paths: list[str]


def _make_trees(
    tmp: Path,
    root: Path,
    setup: RuffSetup,
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    paths: list[str],
) -> _Trees:
    base_tree, after_tree = tmp / "base" / _PAD, tmp / "after" / _PAD
    base_paths = _build_tree(base_tree, root, setup, base, paths)
    after_paths = _build_tree(after_tree, root, setup, after, paths)
    return _Trees(tmp, base_tree, after_tree, base_paths, after_paths)


def _lint_trees(
    trees: _Trees, extra: Sequence[str], only_prefix: str = ""
) -> dict[tuple[str, str], list[RawFinding]]:
    """Findings per (side, path) of one ruff run over both trees."""
    files = [str(trees.base / p) for p in trees.base_paths]
    files += [str(trees.after / p) for p in trees.after_paths]
    found: dict[tuple[str, str], list[RawFinding]] = {}
    if not files:
        return found
    args = ["check", "--no-cache", "--no-fix", "--exit-zero", "--force-exclude"]
    out = run_ruff([*args, "--output-format", "json", *extra, *files], cwd=trees.tmp)
    for filename, raw in parse_ruff_json(out):
        if only_prefix and not raw.code.startswith(only_prefix):
            continue
        path = Path(filename).resolve()
        for side, tree in (("base", trees.base), ("after", trees.after)):
            if path.is_relative_to(tree):
                rel = path.relative_to(tree).as_posix()
                found.setdefault((side, rel), []).append(raw)
    return found


def _delta(
    name: str,
    trees: _Trees,
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    extra: Sequence[str],
) -> tuple[list[Finding], dict[str, int]]:
    found = _lint_trees(trees, extra, "S" if name == "security" else "")
    elsewhere = leftovers(found, base, after)
    broken = {f.code for (side, _), listed in found.items() if side == "base" for f in listed}
    findings: list[Finding] = []
    for rel in trees.after_paths:
        fresh = new_findings(
            found.get(("base", rel), []),
            found.get(("after", rel), []),
            base.get(rel),
            after[rel] or "",
            elsewhere,
        )
        findings += [
            Finding(
                check=name,
                kind="tolerated" if f.code in broken or _typed_in_comment(f, after[rel]) else "new",
                path=rel,
                line=f.line,
                message=f"{f.code} {f.message}",
                rule=f.code,
            )
            for f in fresh
        ]
    counts = {
        "base_findings": sum(len(v) for (s, _), v in found.items() if s == "base"),
        "after_findings": sum(len(v) for (s, _), v in found.items() if s == "after"),
        "files": len(trees.after_paths),
    }
    return findings, counts


def _delta_result(
    name: str, findings: list[Finding], counts: dict[str, int], setup: RuffSetup, note: str
) -> CheckResult:
    details: dict[str, object] = {"config": setup.source, **counts}
    if setup.not_mapped:
        details["not_mapped"] = list(setup.not_mapped)
    if note:
        details["note"] = note
    what = "security" if name == "security" else "lint"
    fresh = [f for f in findings if f.kind == "new"]
    summary = f"{len(fresh)} new {what} finding(s) in {counts['files']} file(s)"
    if len(fresh) < len(findings):
        summary += f", {len(findings) - len(fresh)} of rules the base breaks too (tolerated)"
    summary += f" (config: {setup.source}){'; ' + note if note else ''}"
    return CheckResult(name=name, ok=not fresh, findings=findings, summary=summary, details=details)


def _format_check(
    trees: _Trees, setup: RuffSetup, base: Mapping[str, str | None], after: Mapping[str, str | None]
) -> CheckResult:
    if setup.formatter is None:
        return CheckResult(
            name="format", ok=True, summary="no formatter configured", details={"formatter": None}
        )
    findings: list[Finding] = []
    for rel in trees.after_paths:
        text = after[rel] or ""
        args = [
            "format",
            "--no-cache",
            *setup.format_args,
            "--stdin-filename",
            str(trees.after / rel),
            "-",
        ]
        try:
            formatted = run_ruff(args, cwd=trees.tmp, stdin=text)
        except RuffError as exc:
            findings.append(
                Finding(
                    check="format",
                    kind="error",
                    path=rel,
                    line=None,
                    message=f"cannot format: {exc}",
                )
            )
            continue
        lines = sorted(reformatted_lines(text, formatted) & added_lines(base.get(rel), text))
        if lines:
            shown = ", ".join(map(str, lines[:10])) + (", ..." if len(lines) > 10 else "")
            message = f"{len(lines)} added line(s) not formatted as {setup.formatter}: {shown}"
            findings.append(
                Finding(
                    check="format",
                    kind="unformatted",
                    path=rel,
                    line=lines[0],
                    message=message,
                    rule=setup.formatter,
                )
            )
    summary = f"{len(findings)} file(s) with added lines the formatter would change"
    return CheckResult(
        name="format",
        ok=not findings,
        findings=findings,
        summary=f"{summary} ({setup.formatter})",
        details={"formatter": setup.formatter},
    )


def _security(
    trees: _Trees, setup: RuffSetup, base: Mapping[str, str | None], after: Mapping[str, str | None]
) -> CheckResult:
    try:
        findings, counts = _delta("security", trees, base, after, _SECURITY_ARGS)
    except RuffError as exc:
        return error_result("security", "ruff failed", exc)
    return _delta_result("security", findings, counts, setup, "")


def _run_all(
    tmp: Path,
    root: Path,
    setup: RuffSetup,
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    paths: list[str],
    settings: LintSettings | None,
) -> LintOutcome:
    trees = _make_trees(tmp / "repo", root, setup, base, after, paths)
    note = ""
    try:
        findings, counts = _delta("lint", trees, base, after, ())
    except RuffError as exc:
        if setup.source == "default":
            raise
        note = f"ruff rejected the repository configuration ({exc}); used the default"
        setup = fallback_setup(settings, setup)
        trees = _make_trees(tmp / "fallback", root, setup, base, after, paths)
        findings, counts = _delta("lint", trees, base, after, ())
    lint = _delta_result("lint", findings, counts, setup, note)
    return LintOutcome(
        lint, _format_check(trees, setup, base, after), _security(trees, setup, base, after)
    )


def check_lint(
    root: Path,
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    settings: LintSettings | None = None,
) -> LintOutcome:
    """Lint delta, formatter check and security delta of the changed ``.py`` files.

    Never raises: a check that fails gets ``ok=False`` and an ``error`` finding.
    """
    paths = [p for p in differing_paths(base, after) if p.endswith((".py", ".pyi"))]
    try:
        setup = discover_setup(root, base, paths, settings)
        with tempfile.TemporaryDirectory(prefix="proctor-lint-") as name:
            return _run_all(Path(name).resolve(), root, setup, base, after, paths, settings)
    except Exception as exc:  # a failing check must never crash grading
        return LintOutcome(
            *(error_result(n, "ruff lint run failed", exc) for n in ("lint", "format", "security"))
        )
