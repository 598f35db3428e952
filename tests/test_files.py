import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from uv import find_uv_bin

from proctor.files import append_line, harness_path, write_atomic

ROOT = Path(__file__).parents[1]


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


def test_harness_files_are_found_in_the_checkout() -> None:
    assert harness_path("exec_worker.py") == ROOT / "harness" / "exec_worker.py"
    assert harness_path("calltrace").is_dir()
    with pytest.raises(FileNotFoundError, match=r"harness file nope/x\.py is missing"):
        harness_path("nope", "x.py")


@pytest.mark.slow
def test_a_wheel_carries_the_harness(tmp_path: Path) -> None:
    uv = find_uv_bin()
    build = [uv, "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist"), str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("proctor-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    assert "proctor/_harness/exec_worker.py" in names
    assert "proctor/_harness/calltrace/proctor_calltrace.py" in names
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from proctor.files import harness_path; "
        "print(harness_path('exec_worker.py'))"
    )
    site = tmp_path / "site"
    out = subprocess.run(
        [sys.executable, "-I", "-c", code, str(site)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(site / "proctor" / "_harness" / "exec_worker.py")
