"""Parsing Python files into definitions, references and chunks."""

from __future__ import annotations

import os
from pathlib import Path

from proctor.retrieval.parse import MAX_FILE_BYTES, ParseCache, owner, parse_source, python_files

CACHE_PY = '''"""A tiny cache."""

from __future__ import annotations

import threading

DEFAULT_SIZE = 128
_registry: dict[str, "Cache"] = {}


class Cache:
    """A dict with a size limit.

    Evicts the oldest entry.
    """

    eviction = "fifo"

    def __init__(self, maxsize: int = DEFAULT_SIZE) -> None:
        self._data: dict[str, object] = {}
        self.maxsize = maxsize

    @property
    def size(self) -> int:
        """Number of entries."""
        return len(self._data)

    def get(
        self,
        key: str,
        default: object = None,
    ) -> object:
        return self._data.get(key, default)

    class Stats:
        hits = 0

        def ratio(self) -> float:
            return 1.0


async def fetch(cache: Cache, key: str) -> object:
    def inner() -> object:
        return cache.get(key)

    return inner()


if __name__ == "__main__":
    print(fetch)
'''


def test_definitions_have_qualified_names_lines_signatures_and_docstrings() -> None:
    parsed = parse_source("pkg/cache.py", CACHE_PY.encode())
    defs = {d.name: d for d in parsed.definitions}
    assert set(defs) == {
        "DEFAULT_SIZE",
        "_registry",
        "Cache",
        "Cache.eviction",
        "Cache.__init__",
        "Cache.size",
        "Cache.get",
        "Cache.Stats",
        "Cache.Stats.hits",
        "Cache.Stats.ratio",
        "fetch",
    }
    cache = defs["Cache"]
    assert (cache.kind, cache.start_line, cache.end_line) == ("class", 11, 39)
    assert cache.signature == "class Cache:"
    assert cache.docstring == "A dict with a size limit.\n\nEvicts the oldest entry."
    size = defs["Cache.size"]
    assert (size.start_line, size.end_line) == (23, 26)  # the decorator line counts
    assert size.signature == "def size(self) -> int:"
    assert size.docstring == "Number of entries."
    get = defs["Cache.get"]
    assert get.signature.splitlines() == [
        "def get(",
        "        self,",
        "        key: str,",
        "        default: object = None,",
        "    ) -> object:",
    ]
    assert defs["fetch"].signature == "async def fetch(cache: Cache, key: str) -> object:"
    assert defs["DEFAULT_SIZE"].kind == "variable"
    assert defs["Cache.Stats.ratio"].short_name == "ratio"


def test_chunks_are_functions_classes_and_non_trivial_module_code() -> None:
    parsed = parse_source("pkg/cache.py", CACHE_PY.encode())
    summary = [(c.kind, c.name, c.start_line, c.end_line) for c in parsed.chunks]
    assert summary == [
        ("module", "DEFAULT_SIZE, _registry", 1, 8),
        ("class", "Cache", 11, 39),
        ("function", "Cache.__init__", 19, 21),
        ("function", "Cache.size", 23, 26),
        ("function", "Cache.get", 28, 33),
        ("class", "Cache.Stats", 35, 39),
        ("function", "Cache.Stats.ratio", 38, 39),
        ("function", "fetch", 42, 46),  # the nested inner() stays inside
        ("module", "", 49, 50),
    ]
    cls = parsed.chunks[1].text
    assert cls.startswith('class Cache:\n    """A dict with a size limit.')
    assert 'eviction = "fifo"' in cls
    assert "    @property\n    def size(self) -> int:\n        ..." in cls
    assert "return len(self._data)" not in cls  # bodies are elided
    method = parsed.chunks[4]
    assert method.text.splitlines()[0] == "    def get("
    assert method.text.rstrip().endswith("return self._data.get(key, default)")


def test_imports_alone_make_no_module_chunk_and_owners_nest() -> None:
    source = "import os\nfrom x import y\n\n\ndef f():\n    return os.sep\n"
    parsed = parse_source("m.py", source.encode())
    assert [c.name for c in parsed.chunks] == ["f"]
    full = parse_source("pkg/cache.py", CACHE_PY.encode())
    assert owner(full.chunks, 30) is not None and owner(full.chunks, 30).name == "Cache.get"  # type: ignore[union-attr]
    assert owner(full.chunks, 17).name == "Cache"  # type: ignore[union-attr]
    assert owner(full.chunks, 10) is None
    holders = dict(zip((d.name for d in full.definitions), full.holders, strict=True))
    assert full.chunks[holders["Cache.eviction"]].name == "Cache"
    assert full.chunks[holders["DEFAULT_SIZE"]].kind == "module"


def test_references_count_identifiers_per_chunk_without_keywords() -> None:
    parsed = parse_source("pkg/cache.py", CACHE_PY.encode())
    fetch = dict(zip((c.name for c in parsed.chunks), parsed.references, strict=True))["fetch"]
    assert fetch["cache"] == 2 and fetch["get"] == 1 and fetch["Cache"] == 1
    assert "def" not in fetch and "return" not in fetch and "self" not in fetch


def test_syntax_errors_and_bad_bytes_are_tolerated() -> None:
    parsed = parse_source("bad.py", b"def ok():\n    return 1\n\ndef broken(:\n  \xff\xfe\n")
    assert "ok" in {d.name for d in parsed.definitions}


def test_python_files_skips_hidden_vendored_venvs_big_and_links(tmp_path: Path) -> None:
    for rel in [
        "pkg/a.py",
        "pkg/sub/b.py",
        "tests/test_a.py",
        ".hidden/c.py",
        "node_modules/d.py",
        "build/e.py",
        "pkg/build/f.py",
        "env/lib/g.py",
        "pkg/vendor/h.py",
        "notes.txt",
    ]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "pkg" / "huge.py").write_text("#" * (MAX_FILE_BYTES + 1))
    os.symlink(tmp_path / "pkg" / "a.py", tmp_path / "pkg" / "link.py")
    assert python_files(tmp_path) == [
        "pkg/a.py",
        "pkg/build/f.py",
        "pkg/sub/b.py",
        "tests/test_a.py",
    ]


def test_cache_reuses_a_parse_until_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def f():\n    pass\n")
    cache = ParseCache()
    first = cache.parse(tmp_path, "m.py")
    assert cache.parse(tmp_path, "m.py") is first
    path.write_text("def g():\n    pass\n\n")
    second = cache.parse(tmp_path, "m.py")
    assert second is not None and [d.name for d in second.definitions] == ["g"]
    (tmp_path / "bin.py").write_bytes(b"\x00\x01")
    assert cache.parse(tmp_path, "bin.py") is None
    assert cache.parse(tmp_path, "missing.py") is None
