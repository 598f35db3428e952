"""Conventions the repository keeps, learned from its base, and the change's departures.

Norms are learned with tree-sitter from the BASE version of the repository's non-test ``.py``
files (tests, hidden folders, virtualenvs and build output skipped; a large repository is
sampled evenly down to 2,000 files and about 4 MB of source).
Each norm is a share, e.g. "96% of public functions have docstrings (412/429)":

* naming style of functions, methods, classes, module-level literal constants and arguments
  (snake_case, camelCase, PascalCase, UPPER_CASE; a one-word name fits every style it can);
* docstrings on public functions, methods and classes (name not starting with ``_``);
* annotations on public functions' parameters and on their return;
* intra-package imports relative or absolute; imports at module level or inside functions;
* quotes of plain strings (no quote inside, docstrings and triple quotes left out);
* line length: the configured limit, else the smallest of 79/88/100/120 that 99% of lines fit.

Only NEW code is judged: a departing sample counts unless the base of a changed file holds
the same departing sample (same check and key: qualified name, import text, line with its
string literals blanked), with multiplicity, so old, edited-in-place and moved code is silent.
Quotes and line length look at added lines only; trailing pragma comments and URLs do not make
a line long. A departure is reported only from a norm kept at least ``min_share`` of the time
over at least ``min_samples`` samples; docstrings, annotations and module-level imports are
enforced only when having them is the norm. Norms come with their counts in ``details``.
Departures from the :data:`STYLE_ONLY` norms (quotes, imports, line length) are reported with
kind ``style`` and do not decide ``ok``; the others are ``departure``.
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from proctor.grade.quality.findings import (
    CheckResult,
    Finding,
    added_lines,
    differing_paths,
    is_test_path,
)
from proctor.grade.quality.samples import Sample, file_samples

MAX_FILES = 2000
MAX_BYTES = 4_000_000
_MAX_SCANNED = 20_000
LINE_LIMITS = (79, 88, 100, 120)
_SKIP_DIRS = frozenset(
    {"venv", "env", "virtualenv", "build", "dist", "site-packages", "node_modules", "__pycache__"}
)
_STYLE_ORDER = ("snake_case", "PascalCase", "UPPER_CASE", "camelCase")
_ENFORCED = {
    "docstring.function": "documented",
    "docstring.method": "documented",
    "docstring.class": "documented",
    "annotations.params": "annotated",
    "annotations.return": "annotated",
    "import.placement": "top",
}
_POPULATION = {
    "naming.function": "function names",
    "naming.method": "method names",
    "naming.class": "class names",
    "naming.constant": "module-level constants",
    "naming.argument": "argument names",
    "docstring.function": "public functions",
    "docstring.method": "public methods",
    "docstring.class": "public classes",
    "annotations.params": "public functions' parameter lists",
    "annotations.return": "public functions' returns",
    "import.style": "intra-package imports",
    "import.placement": "imports",
    "quotes": "plain strings",
    "line_length": "non-blank lines",
}
_PHRASE = {
    "documented": "have docstrings",
    "missing": "have no docstring",
    "annotated": "are annotated",
    "unannotated": "are not annotated",
    "top": "are at module level",
    "function": "are inside functions",
    "single": "use single quotes",
    "double": "use double quotes",
}


STYLE_ONLY = frozenset({"quotes", "import.style", "import.placement", "line_length"})
"""Norms whose departures are reported as ``style``, never deciding: mechanical style that a
repository holds, where it does, with its own tools (its formatter for quotes; its lint's E501,
PLC0415, TID252 for line length and imports, which the lint check applies). As learned shares
they flag fixes the maintainers merged themselves (``benchmarks/holdsup_precision.py``): lazy
imports inside functions, an absolute import among relative ones, an empty string's quotes."""


@dataclass(frozen=True)
class Norm:
    """The dominant value of one check over the base, with its support."""

    check: str
    value: str
    hits: int
    total: int

    @property
    def share(self) -> float:
        """Fraction of samples showing the dominant value."""
        return self.hits / self.total if self.total else 0.0

    @property
    def text(self) -> str:
        """The norm in words, e.g. '96% of public functions have docstrings (412/429)'."""
        if self.check == "line_length":
            phrase = f"fit in {self.value} columns"
        else:
            phrase = _PHRASE.get(self.value, f"are {self.value}")
        population = _POPULATION.get(self.check, self.check)
        share = f"{self.share:.0%}"
        if share == "100%" and self.hits < self.total:
            share = f"{self.share:.1%}"
        return f"{share} of {population} {phrase} ({self.hits}/{self.total})"

    def kept(self, min_share: float, min_samples: int) -> bool:
        """Whether the repository keeps this norm firmly enough to judge new code by it."""
        enforced = _ENFORCED.get(self.check, self.value)
        return (
            self.total >= min_samples
            and self.share >= min_share
            and self.value == enforced
            and self.value != "other"
        )


@dataclass
class Tally:
    """Counts of samples per check and value, and a histogram of line lengths."""

    totals: Counter[str] = field(default_factory=Counter)
    hits: dict[str, Counter[str]] = field(default_factory=dict)
    lengths: Counter[int] = field(default_factory=Counter)
    files: int = 0

    def add(self, samples: Iterable[Sample], text: str) -> None:
        """Count one file's samples and line lengths."""
        self.files += 1
        for sample in samples:
            self.totals[sample.check] += 1
            self.hits.setdefault(sample.check, Counter()).update(sample.values)
        self.lengths.update(line_length(line) for line in text.splitlines() if line.strip())


# --- learning ------------------------------------------------------------------------------


def base_sources(
    root: Path,
    base: Mapping[str, str | None],
    limit: int = MAX_FILES,
    budget: int = MAX_BYTES,
) -> dict[str, str]:
    """Base text of the repository's non-test ``.py`` files (the change's edits undone).

    A large repository is sampled evenly (every k-th file in path order) to at most ``limit``
    files and about ``budget`` characters: norms need hundreds of samples, not every file.
    """
    rels: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in _SKIP_DIRS and not is_test_path(f"{d}/x")
        )
        rel_folder = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel_folder == "." else f"{rel_folder}/"
        rels += [f"{prefix}{name}" for name in sorted(files) if name.endswith(".py")]
        if len(rels) > _MAX_SCANNED:
            break
    seen = set(rels)
    rels += [p for p in base if p.endswith(".py") and p not in seen]  # files the change deleted
    found: dict[str, str] = {}
    for rel in rels:
        if is_test_path(rel):
            continue
        if rel in base:
            text = base[rel]
        else:
            try:
                text = (root / rel).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        if text is not None:
            found[rel] = text
    total = sum(len(text) for text in found.values())
    step = max(1, -(-len(found) // limit), -(-total // budget))
    return dict(list(found.items())[::step])


def learn(sources: Mapping[str, str]) -> Tally:
    """Tally every sample of the given files (do not mutate the result: it may be shared).

    Every attempt at a task starts from the same base, so the tally of the last few bases is
    kept: grading the next attempt in the same process does not parse the repository again.
    """
    return _learn(tuple(sorted(sources.items())))


def forget_learned() -> None:
    """Empty the cache of learned bases (for benchmarks and tests)."""
    _learn.cache_clear()


@functools.lru_cache(maxsize=4)
def _learn(sources: tuple[tuple[str, str], ...]) -> Tally:
    tally = Tally()
    for rel, text in sources:
        tally.add(file_samples(text, rel), text)
    return tally


def _line_norm(lengths: Counter[int], limit: int | None) -> Norm:
    total = sum(lengths.values())
    candidates = (limit,) if limit else LINE_LIMITS
    chosen, hits = candidates[-1], 0
    for candidate in candidates:
        hits = sum(n for length, n in lengths.items() if length <= candidate)
        chosen = candidate
        if total and hits / total >= 0.99:
            break
    return Norm("line_length", str(chosen), hits, total)


def build_norms(tally: Tally, line_limit: int | None = None) -> dict[str, Norm]:
    """The dominant value of every check (ties go to the more common style of Python)."""
    norms: dict[str, Norm] = {}
    for check, total in tally.totals.items():
        hits = tally.hits.get(check, Counter())
        order = [v for v in _STYLE_ORDER if v in hits] + sorted(set(hits) - set(_STYLE_ORDER))
        value = max(order, key=lambda v: hits[v])
        norms[check] = Norm(check, value, hits[value], total)
    norms["line_length"] = _line_norm(tally.lengths, line_limit)
    return norms


# --- judging the change --------------------------------------------------------------------

_LINE_BASED = frozenset({"quotes"})
_PRAGMA = re.compile(
    r"\s*#\s*(noqa\b|type:|pyright:|ty:|mypy:|pylint:|nosec\b|fmt:|isort:|ruff:|pragma\b).*$", re.I
)


def line_length(line: str) -> int:
    """Length of a line as a linter sees it: trailing pragma comments do not count."""
    if "#" not in line:
        return len(line)
    return len(_PRAGMA.sub("", line))


def _message(sample: Sample, norm: Norm) -> str:
    family, _, kind = sample.check.partition(".")
    seen = "/".join(sorted(sample.values))
    if family == "docstring":
        what = f"public {kind} `{sample.subject}` has no docstring"
    elif family == "annotations":
        what = f"public function `{sample.subject}` is {seen}"
    elif family == "naming":
        what = f"{kind} name `{sample.subject}` is {seen}"
    elif family == "import":
        what = f"import `{sample.subject}` is {seen}"
    else:
        what = f"string {sample.subject} uses {seen} quotes"
    return f"{what} (norm: {norm.value})"


def _long_lines(text: str | None, limit: int) -> list[tuple[int, str]]:
    lines = (text or "").splitlines()
    return [
        (i, line)
        for i, line in enumerate(lines, 1)
        if line_length(line) > limit and "://" not in line
    ]


_LITERAL = re.compile(r"""([rRbBuUfF]*)(['"])(?:\\.|(?!\2).)*\2""")


def _key(sample: Sample, lines: Sequence[str]) -> str:
    """How a sample is recognised at base: a string by its line with literals blanked, so an
    edited version string or message is not a new departure; anything else by its own key."""
    if sample.check != "quotes" or not 0 < sample.line <= len(lines):
        return sample.key
    return _LITERAL.sub(r"\1\2\2", lines[sample.line - 1].strip())


def departures(
    changes: Mapping[str, tuple[str | None, str | None]],
    norms: Mapping[str, Norm],
    min_share: float = 0.9,
    min_samples: int = 10,
) -> list[Finding]:
    """Departures of the NEW code in ``changes`` (path -> (base, after)) from kept norms.

    Deleted files (after None) are not judged, but their base samples still excuse the same
    samples elsewhere: code moved out of them is not new.
    """
    kept = {c: n for c, n in norms.items() if n.kept(min_share, min_samples)}
    pool: Counter[tuple[str, str]] = Counter()
    for path, (old, _) in changes.items():
        if old is not None:
            lines = old.splitlines()
            pool.update(
                (s.check, _key(s, lines))
                for s in file_samples(old, path)
                if s.check in kept and kept[s.check].value not in s.values
            )
    findings: list[Finding] = []
    for path, (old, new) in changes.items():
        if new is None:
            continue
        added = added_lines(old, new)
        lines = new.splitlines()
        for sample in file_samples(new, path):
            norm = kept.get(sample.check)
            if norm is None or norm.value in sample.values:
                continue
            if sample.check in _LINE_BASED and sample.line not in added:
                continue
            key = (sample.check, _key(sample, lines))
            if pool[key] > 0:
                pool[key] -= 1
                continue
            findings.append(
                Finding(
                    check="conventions",
                    kind="style" if sample.check in STYLE_ONLY else "departure",
                    path=path,
                    line=sample.line,
                    message=_message(sample, norm),
                    rule=sample.check,
                    norm=norm.text,
                )
            )
        findings += _line_departures(path, old, new, added, kept.get("line_length"))
    return sorted(findings, key=lambda f: (f.path, f.line or 0, f.rule or ""))


def _line_departures(
    path: str, old: str | None, new: str, added: set[int], norm: Norm | None
) -> list[Finding]:
    if norm is None:
        return []
    limit = int(norm.value)
    pool = Counter(line.strip() for _, line in _long_lines(old, limit))
    found = []
    for number, line in _long_lines(new, limit):
        if number not in added:
            continue
        if pool[line.strip()] > 0:
            pool[line.strip()] -= 1
            continue
        found.append(
            Finding(
                check="conventions",
                kind="style",
                path=path,
                line=number,
                message=f"line is {line_length(line)} characters (> {limit})",
                rule="line_length",
                norm=norm.text,
            )
        )
    return found


def check_conventions(
    root: Path,
    base: Mapping[str, str | None],
    after: Mapping[str, str | None],
    *,
    sources: Mapping[str, str] | None = None,
    line_limit: int | None = None,
    check_line_length: bool = True,
    min_share: float = 0.9,
    min_samples: int = 10,
) -> CheckResult:
    """Learn the norms of the base and report the change's departures from them.

    Args:
        root: the working tree after the change.
        base: text at base of every changed path (None: did not exist).
        after: text after the change of every changed path (None: deleted).
        sources: base texts to learn from (default: :func:`base_sources`).
        line_limit: the configured line length, if the repository sets one.
        check_line_length: False when the repository's lint explicitly ignores long lines.
        min_share: how often a norm must hold to be enforced.
        min_samples: how many samples a norm needs to be enforced.
    """
    sources = base_sources(root, base) if sources is None else sources
    norms = build_norms(learn(sources), line_limit)
    if not check_line_length:
        norms.pop("line_length")
    changes = {
        p: (base.get(p), after.get(p))
        for p in differing_paths(base, after)
        if p.endswith(".py") and not is_test_path(p)
    }
    findings = departures(changes, norms, min_share, min_samples)
    kept = [n for n in norms.values() if n.kept(min_share, min_samples)]
    details = {
        "files_learned": len(sources),
        "norms": {
            c: {
                "value": n.value,
                "hits": n.hits,
                "total": n.total,
                "text": n.text,
                "enforced": n.kept(min_share, min_samples),
            }
            for c, n in sorted(norms.items())
        },
    }
    deciding = [f for f in findings if f.kind == "departure"]
    summary = (
        f"{len(deciding)} departure(s) from {len(kept)} norm(s) kept in {len(sources)} file(s)"
    )
    if len(deciding) < len(findings):
        summary += f", {len(findings) - len(deciding)} in style only"
    return CheckResult(
        name="conventions", ok=not deciding, findings=findings, summary=summary, details=details
    )
