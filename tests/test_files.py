from pathlib import Path

import pytest

from proctor.files import append_line, write_atomic


def test_write_atomic_replaces_whole_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "r.json"
    write_atomic(path, "one")
    write_atomic(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_atomic(path, "old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "\udcff")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_append_line_adds_one_newline(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    append_line(path, "a")
    append_line(path, "b\n")
    assert path.read_text() == "a\nb\n"
