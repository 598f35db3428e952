"""Which Python a project's tests run under, and which Pythons this machine has.

The choice is the newest available version that requires-python allows and, when the
classifiers list Python 3 versions, that they list too; with neither, :data:`DEFAULT`.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from uv import find_uv_bin

from proctor.errors import EnvironmentBuildError
from proctor.sandbox import uv_environ

__all__ = ["PythonChoice", "available_pythons", "choose_python"]

DEFAULT = "3.11"
"""The version chosen without evidence when available (a task environment's default)."""
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


def choose_python(
    pythons: Sequence[str],
    requires_python: tuple[str, str] | None,
    classifiers: tuple[list[str], str] | None,
) -> PythonChoice:
    """The Python to use.

    Args:
        pythons: the ``3.X`` versions available.
        requires_python: the specifier and the file it was read from.
        classifiers: trove classifiers and their file.

    Raises:
        ValueError: ``pythons`` is empty.
    """
    if not pythons:
        raise ValueError("no Python versions to choose from")
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
        if allowed:
            note = f"python {allowed[0]}: no listed classifier version is available; {why[0]}"
            return PythonChoice(allowed[0], note, True)
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
