"""Which Python a project's tests run under, and which Pythons this machine has.

The choice is the newest available version that requires-python allows and, when the
classifiers list Python 3 versions, that they list too (none of them available: the nearest
one, the first above them if there is one); with neither, :data:`DEFAULT`. Given
the commit's date, versions released after it are passed over: a commit's pinned requirements
are of its time (PyYAML 6.0, pinned in 2022, has no wheel for 3.13 and no longer builds).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from uv import find_uv_bin

from proctor.errors import EnvironmentBuildError
from proctor.sandbox import uv_environ

__all__ = ["PythonChoice", "available_pythons", "choose_python"]

DEFAULT = "3.11"
"""The version chosen without evidence when available (a task environment's default)."""
RELEASED = {
    "3.6": date(2016, 12, 23),
    "3.7": date(2018, 6, 27),
    "3.8": date(2019, 10, 14),
    "3.9": date(2020, 10, 5),
    "3.10": date(2021, 10, 4),
    "3.11": date(2022, 10, 24),
    "3.12": date(2023, 10, 2),
    "3.13": date(2024, 10, 7),
    "3.14": date(2025, 10, 7),
}
"""The final release of each CPython 3.X (python.org); a version not listed counts as new."""
_CLASSIFIER = re.compile(r"^Programming Language :: Python :: (3\.\d+)$")
_MINOR = re.compile(r"^3\.(\d+)")


@dataclass(frozen=True)
class PythonChoice:
    """The chosen version and the note saying why."""

    version: str
    """``3.X``."""
    note: str
    """One line for the notes."""
    guessed: bool
    """Whether the choice had no evidence behind it (or the evidence could not be met)."""


def _minor(version: str) -> int:
    match = _MINOR.match(version)
    return int(match.group(1)) if match else -1


def _allows(spec: SpecifierSet, version: str) -> bool:
    """Whether some release of ``3.X`` satisfies ``spec`` (``>3.11`` allows 3.11.7)."""
    return any(spec.contains(f"{version}.{patch}", prereleases=True) for patch in (0, 99))


def released_by(pythons: Sequence[str], when: date | None) -> list[str]:
    """Of ``pythons``, those released on or before ``when`` (all of them without a date, or
    when none was out yet)."""
    if when is None:
        return sorted(set(pythons))
    out = sorted({v for v in pythons if RELEASED.get(v, date.max) <= when})
    return out or sorted(set(pythons))


def choose_python(
    pythons: Sequence[str],
    requires_python: tuple[str, str] | None,
    classifiers: tuple[list[str], str] | None,
    as_of: date | None = None,
) -> PythonChoice:
    """The Python to use.

    Args:
        pythons: the ``3.X`` versions available.
        requires_python: the specifier and the file it was read from.
        classifiers: trove classifiers and their file.
        as_of: the commit's date: versions released later are not chosen (see
            :func:`released_by`) unless requires-python or the classifiers ask for one.

    Raises:
        ValueError: ``pythons`` is empty.
    """
    if not pythons:
        raise ValueError("no Python versions to choose from")
    if as_of is not None and len(recent := released_by(pythons, as_of)) < len(set(pythons)):
        then = choose_python(recent, requires_python, classifiers)
        now = choose_python(pythons, requires_python, classifiers)
        if then.guessed and not now.guessed:  # the evidence asks for a later Python
            return now
        dated = f"{then.note}; released by {as_of.isoformat()}, the commit's date"
        return PythonChoice(then.version, dated, then.guessed)
    ordered = sorted(set(pythons), key=_minor, reverse=True)
    why: list[str] = []
    allowed = ordered
    if requires_python is not None:
        try:
            spec = SpecifierSet(requires_python[0])
        except InvalidSpecifier:
            spec = SpecifierSet()
        allowed = [v for v in ordered if _allows(spec, v)]
        why.append(f"requires-python {requires_python[0]} ({requires_python[1]})")
    listed = [m.group(1) for c in (classifiers or ([], ""))[0] if (m := _CLASSIFIER.match(c))]
    if classifiers is not None and listed:
        listed.sort(key=_minor)
        why.append(f"classifiers {listed[0]}-{listed[-1]} ({classifiers[1]})")
        in_both = [v for v in allowed if v in listed]
        if in_both:
            return PythonChoice(in_both[0], f"python {in_both[0]}: {'; '.join(why)}", False)
        if allowed:  # the nearest to what they list: old pins build on the next one up
            above = [v for v in allowed if _minor(v) > _minor(listed[-1])]
            pick = above[-1] if above else allowed[0]
            note = f"python {pick}: the nearest to the listed, none available; {'; '.join(why)}"
            return PythonChoice(pick, note, True)
    if not why:
        pick = DEFAULT if DEFAULT in ordered else ordered[0]
        note = f"python {pick}: no requires-python or classifiers; proctor's default"
        return PythonChoice(pick, note, True)
    if allowed:
        return PythonChoice(allowed[0], f"python {allowed[0]}: {'; '.join(why)}", False)
    note = f"python {ordered[0]}: none available fits {'; '.join(why)}; newest available"
    return PythonChoice(ordered[0], note, True)


def available_pythons() -> list[str]:
    """The CPython ``3.X`` versions (3.8 and newer) uv finds here without downloading any.

    Raises:
        EnvironmentBuildError: uv is missing, fails, or says something unreadable.
    """
    try:
        argv = [str(find_uv_bin()), "python", "list", "--only-installed", "--output-format"]
        proc = subprocess.run(
            [*argv, "json"], capture_output=True, text=True, env=uv_environ(), timeout=60
        )
        listed = json.loads(proc.stdout) if proc.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        raise EnvironmentBuildError(f"uv python list failed: {exc}") from exc
    if not isinstance(listed, list):
        raise EnvironmentBuildError(f"uv python list failed: {proc.stderr.strip()[:200]}")
    found = {
        f"3.{entry['version_parts']['minor']}"
        for entry in listed
        if isinstance(entry, dict)
        and entry.get("implementation") == "cpython"
        and entry.get("variant", "default") == "default"
        and entry.get("version_parts", {}).get("major") == 3
        and entry.get("version_parts", {}).get("minor", 0) >= 8
    }
    return sorted(found, key=_minor)
