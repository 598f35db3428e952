"""Mapping a reference patch to the definitions it touches, and recall over a context."""

from __future__ import annotations

import difflib
from pathlib import Path

from proctor.retrieval.base import Chunk
from proctor.retrieval.recall import (
    Target,
    file_edits,
    file_recall,
    function_recall,
    gold_targets,
    read_base_sources,
)

STATS = '''"""Stats."""

import math


def mean(values):
    """Arithmetic mean."""
    return sum(values) / (len(values) + 1)


class Summary:
    """Summary statistics."""

    scale = 1

    def spread(self, values):
        low = min(values)
        high = max(values)
        return high - low

    def describe(self, values):
        return f"{mean(values)} {self.spread(values)}"
'''


def diff(path: str, old: str, new: str, context: int = 3) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        f"a/{path}",
        f"b/{path}",
        n=context,
    )
    return "".join(lines)


def targets_of(new: str, context: int = 3) -> list[tuple[str, str]]:
    patch = diff("stats.py", STATS, new, context)
    return [(t.kind, t.name) for t in gold_targets(patch, {"stats.py": STATS})]


def test_a_changed_line_maps_to_the_function_holding_it() -> None:
    assert targets_of(STATS.replace("(len(values) + 1)", "len(values)")) == [("function", "mean")]


def test_a_changed_class_attribute_maps_to_the_class_and_a_method_line_to_the_method() -> None:
    new = STATS.replace("scale = 1", "scale = 2").replace("low = min", "low = sorted")
    assert targets_of(new) == [("class", "Summary"), ("function", "Summary.spread")]


def test_lines_added_at_the_end_of_a_body_belong_to_that_function() -> None:
    new = STATS.replace(
        "        return high - low\n", "        return high - low\n        # done\n"
    )
    assert targets_of(new) == [("function", "Summary.spread")]
    assert targets_of(new, context=0) == [("function", "Summary.spread")]


def test_additions_outside_any_definition_are_file_targets() -> None:
    new = STATS.replace("import math\n", "import math\nimport os\n")
    assert targets_of(new) == [("file", "")]
    new = STATS.replace(
        "\n\nclass Summary", "\n\ndef median(values):\n    return 0\n\n\nclass Summary"
    )
    assert targets_of(new) == [("file", "")]


def test_hunk_lines_are_counted_in_base_numbers() -> None:
    section = "--- a/x.py\n+++ b/x.py\n@@ -5,0 +6,2 @@\n+\n+    b\n@@ -9,2 +11,1 @@\n-c\n d\n"
    edits = file_edits(section)
    assert edits.removed == frozenset({9})
    assert edits.insertions == ((6, 4),)  # before base line 6, first non-blank indent 4


def test_only_python_files_present_at_base_count(tmp_path: Path) -> None:
    (tmp_path / "stats.py").write_text(STATS)
    patch = (
        diff("CHANGELOG", "a\n", "b\n")
        + diff("stats.py", STATS, STATS.replace("(len(values) + 1)", "len(values)"))
        + "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x = 1\n"
    )
    sources = read_base_sources(patch, tmp_path)
    assert list(sources) == ["stats.py"]
    targets = gold_targets(patch, sources)
    assert [(t.path, t.name, t.start_line, t.end_line) for t in targets] == [
        ("stats.py", "mean", 6, 8)
    ]


def _chunk(path: str, name: str, start: int, kind: str = "function") -> Chunk:
    return Chunk(path, start, start + 2, "...", kind, name)


def test_recall_counts_exact_chunks_whole_files_and_the_first_k() -> None:
    targets = [
        Target("a.py", "function", "f", 1, 3),
        Target("a.py", "function", "C.g", 10, 12),
        Target("b.py", "file", "", 1, 40),
        Target("c.py", "module", "X", 1, 2),
    ]
    chunks = [
        _chunk("a.py", "f", 1),
        _chunk("z.py", "q", 1),
        _chunk("b.py", "h", 5),
        _chunk("c.py", "", 1, "file"),
    ]
    found = function_recall(targets, chunks)
    assert found.found == ("a.py::f", "c.py::X") and found.missed == ("a.py::C.g",)
    assert found.value == 2 / 3
    assert function_recall(targets, chunks, k=2).found == ("a.py::f",)
    assert file_recall(targets, chunks).found == ("a.py", "b.py", "c.py")
    assert file_recall(targets, chunks, k=2).missed == ("b.py", "c.py")  # first 2 files: a, z
    assert function_recall([], chunks).value is None
    assert _chunk("a.py", "C.g", 10, "class") not in [c for c in chunks if targets[1].held_by(c)]
