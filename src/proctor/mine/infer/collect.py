"""The venv's requirements from many sources: self references resolved, one per project.

A requirement of the project itself (``proj[test]``, ``.[test]``) is replaced by the
requirements of the extras it names; the first requirement of each project is kept, unless
it pins nothing and a later one does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement

from proctor.mine.infer.metadata import normalize
from proctor.mine.infer.requirements import Found

__all__ = ["Collector"]

_SHOWN = 6  # projects named in a note; the rest are counted


class Collector:
    """Requirements gathered source by source, with a note for each source.

    Args:
        own: the project's distribution name, if known.
        extras: the project's extras, by name.
    """

    def __init__(self, own: str | None, extras: Mapping[str, list[str]]) -> None:
        self._own = normalize(own) if own else None
        self._extras = {normalize(k): v for k, v in extras.items()}
        self._by_name: dict[str, Requirement] = {}
        self.notes: list[str] = []
        """One line per source that added requirements: where, and which projects."""
        self.skipped: list[str] = []
        """Requirements that did not parse, with their source."""

    def add(self, found: Found) -> str | None:
        """Add what one source says; the note naming the projects it added (None: none)."""
        before = list(self._by_name)
        self._add_all(found.requirements, found.label, set())
        self._add_extras(found.self_extras, found.label, set())
        self.skipped += [f"{text!r} ({found.label})" for text in found.skipped]
        added = [self._by_name[k].name for k in self._by_name if k not in before]
        if added:
            shown = ", ".join(added[:_SHOWN]) + (
                f" +{len(added) - _SHOWN}" if added[_SHOWN:] else ""
            )
            via = f" (with {', '.join(found.files[1:])} via -r)" if found.files[1:] else ""
            self.notes.append(f"requirements from {found.label}{via}: {shown}")
            return self.notes[-1]
        return None

    def _add_all(self, texts: Iterable[str], label: str, seen: set[str]) -> None:
        for text in texts:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                self.skipped.append(f"{text!r} ({label})")
                continue
            name = normalize(req.name)
            if name == self._own:
                self._add_extras(sorted(req.extras), label, seen)
            elif name not in self._by_name or self._pins_more(req, self._by_name[name]):
                self._by_name[name] = req

    @staticmethod
    def _pins_more(new: Requirement, old: Requirement) -> bool:
        """Whether ``new`` pins a version or URL where ``old`` pins nothing."""
        return not (old.specifier or old.url) and bool(new.specifier or new.url)

    def _add_extras(self, names: Iterable[str], label: str, seen: set[str]) -> None:
        for extra in names:
            key = normalize(extra)
            if key in seen:
                continue
            seen.add(key)
            self._add_all(self._extras.get(key, []), label, seen)

    def drop_for_python(self, version: str) -> list[str]:
        """Drop the requirements whose markers exclude Python ``version`` on this platform
        (uv would skip them anyway); the ones dropped."""
        env: dict[str, str] = {str(k): str(v) for k, v in default_environment().items()}
        env |= {"python_version": version, "python_full_version": f"{version}.0"}
        dropped = [k for k, r in self._by_name.items() if r.marker and not r.marker.evaluate(env)]
        return [str(self._by_name.pop(k)) for k in dropped]

    def packages(self) -> list[str]:
        """The requirements, one per project, sorted by project name (a stable env key)."""
        return [str(self._by_name[k]) for k in sorted(self._by_name)]
