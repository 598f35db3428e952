"""Files shared by every layer: crash-safe writes (results, records and specs survive kill -9)
and the harness scripts that run inside the sandbox.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half.

    The text is flushed to disk before a temporary file in the same folder is renamed over
    ``path``; on any failure the temporary file is removed and the old file left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_text(path: Path) -> str | None:
    """``path``'s text (undecodable bytes replaced), or None where it is not a file."""
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def append_line(path: Path, line: str) -> None:
    """Append one line (a newline is added) and fsync, so a finished record is never lost."""
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line.rstrip("\n") + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def harness_path(*parts: str) -> Path:
    """A file or folder of the harness: the scripts proctor runs inside the sandbox.

    In a checkout they live in the top-level ``harness/`` folder; a wheel carries the same files
    as ``proctor/_harness`` (see pyproject.toml). The checkout's copy wins where both exist.

    Raises:
        FileNotFoundError: neither copy has it (an installation without the harness).
    """
    here = Path(__file__).resolve().parent
    for root in (here.parents[1] / "harness", here / "_harness"):
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"harness file {'/'.join(parts)} is missing from this installation")
