"""A small local embedding model for the hybrid retriever (the optional ``embed`` extra).

The model is WordLlama's ``l2_supercat`` at 256 dimensions: static token embeddings (a
32,000 x 256 table distilled from large language models' input embeddings), averaged over
the text's tokens. The PyPI package ``wordllama`` ships the table and its tokenizer as
package data; they are read from the installed package, checked against pinned sha256
digests (:data:`MODEL_FILES`), and run with numpy, the ``tokenizers`` library and
``safetensors``: no PyTorch, no hub, no network. ``wordllama`` itself is never imported (its
import configures the root logger, and its loader looks the tokenizer up in a folder the
wheel does not have, then downloads it); only its files are.

What is embedded is identifier-split text (:func:`embed_text`): ``safe_url_string`` becomes
``safe url string``, as the lexical side splits it, since a statement says words, not
identifiers. The chunk vectors of one indexed tree are cached on disk
(:class:`EmbeddingCache`, under ``Settings().cache_dir / "embeddings"``), keyed by the model
and the SHA-256 of every chunk's path, name and text: the same (repository, commit) finds its
vectors again, and an edited checkout never finds stale ones.

Nothing in proctor imports this module's optional dependencies unless the signal is switched
on (:class:`~proctor.retrieval.hybrid.HybridSettings` ``embed_weight``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from proctor.errors import ConfigError
from proctor.retrieval.base import Chunk
from proctor.retrieval.bm25 import word_tokens
from proctor.settings import get_settings

PACKAGE = "wordllama"
"""The PyPI package whose data holds the model (``pip install 'proctor[embed]'``)."""
MODEL_ID = "wordllama-0.4.0.post1-l2_supercat_256"
"""Names the model in cache keys: a new model never reads another's vectors."""
MODEL_FILES = {
    "weights/l2_supercat_256.safetensors": (
        "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5"
    ),
    "tokenizers/l2_supercat_tokenizer_config.json": (
        "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68"
    ),
}
"""Each file of the model, relative to the installed package, with its pinned sha256."""
TENSOR = "embedding.weight"
DIMENSIONS = 256
MAX_WORDS = 512
"""Words of a chunk embedded (its head: path, name, signature, docstring, first lines)."""

TEXT_FORM = f"words-{MAX_WORDS}-v1"
"""Names how a chunk becomes text (:func:`chunk_words`), in cache keys: change it with it."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MISSING = (
    "the embedding signal needs the optional embed extra: pip install 'proctor[embed]' "
    f"(the {PACKAGE} package and its data)"
)


def package_dir() -> Path | None:
    """Where the model's package is installed (found without importing it), or ``None``."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def available() -> bool:
    """Whether the embed extra is installed: the model's package and the libraries to run it."""
    return package_dir() is not None and all(
        importlib.util.find_spec(name) is not None for name in ("tokenizers", "safetensors")
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def embed_text(text: str) -> str:
    """``text`` as words: each identifier cut into its snake_case/camelCase parts, lowercased,
    at most :data:`MAX_WORDS` words.

    >>> embed_text("def safeUrlString(url_text):")
    'safe url string url text'
    """
    words: list[str] = []
    for found in _IDENTIFIER.findall(text):
        split = word_tokens(found)
        whole = found.strip("_").lower()
        words += split[1:] if len(split) > 1 and split[0] == whole else split
        if len(words) >= MAX_WORDS:
            break
    return " ".join(words[:MAX_WORDS])


def chunk_words(chunk: Chunk) -> str:
    """What is embedded of a chunk: its path, qualified name and text, as words."""
    return embed_text(f"{chunk.path} {chunk.name}\n{chunk.text}")


class Embedder:
    """Texts to unit vectors: the mean of their tokens' static embeddings."""

    def __init__(self, table: npt.NDArray[np.float32], tokenizer: Any) -> None:
        self._table = table
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One L2-normalized row per text (zeros for a text without tokens)."""
        out = np.zeros((len(texts), self._table.shape[1]), dtype=np.float32)
        encoded = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for row, encoding in enumerate(encoded):
            ids = np.asarray(encoding.ids, dtype=np.int64)
            if len(ids) == 0:
                continue
            mean = self._table[np.clip(ids, 0, len(self._table) - 1)].mean(axis=0)
            norm = float(np.linalg.norm(mean))
            if norm > 0:
                out[row] = mean / norm
        return out


@functools.cache
def load_embedder() -> Embedder:
    """The model, from the installed package's files, each checked against its sha256.

    Raises:
        ConfigError: the embed extra is not installed, or a file is missing or differs.
    """
    root = package_dir()
    if root is None or not available():
        raise ConfigError(_MISSING)
    for rel, digest in MODEL_FILES.items():
        path = root / rel
        if not path.is_file():
            raise ConfigError(f"{_MISSING}; {path} is missing")
        actual = _sha256(path)
        if actual != digest:
            raise ConfigError(f"embedding model {path}: sha256 {actual}, expected {digest}")
    # Optional dependencies: imported here, where the extra is known to be installed.
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(root / "tokenizers/l2_supercat_tokenizer_config.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    weights = load_file(str(root / "weights/l2_supercat_256.safetensors"))
    table = np.ascontiguousarray(weights[TENSOR], dtype=np.float32)
    return Embedder(table, tokenizer)


def tree_key(chunks: Sequence[Chunk]) -> str:
    """SHA-256 of the model, the text form and every chunk's path, name, lines and text."""
    digest = hashlib.sha256(f"{MODEL_ID}\0{TEXT_FORM}".encode())
    for chunk in chunks:
        head = f"\0{chunk.path}\0{chunk.name}\0{chunk.start_line}\0{chunk.end_line}\0"
        digest.update(head.encode())
        digest.update(chunk.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


MAX_CACHE_BYTES = 1 << 30
"""What an :class:`EmbeddingCache` keeps at most: 1 GiB, about 1,000 trees of 1,000 chunks
(a chunk's vector is 1 KiB)."""


@dataclass(frozen=True)
class CacheStats:
    """How many trees an :class:`EmbeddingCache` embedded (cold) or read back (warm)."""

    cold: int = 0
    warm: int = 0


class EmbeddingCache:
    """Chunk vectors of whole indexed trees on disk, one ``.npy`` file per tree key.

    Args:
        root: the folder; by default ``Settings().cache_dir / "embeddings" / MODEL_ID``.
        max_bytes: the most it keeps; after a write, the trees used least recently (by
            modification time, which a read refreshes) are removed until the rest fit.
    """

    def __init__(self, root: Path | None = None, max_bytes: int = MAX_CACHE_BYTES) -> None:
        self.root = root or get_settings().cache_dir / "embeddings" / MODEL_ID
        self.max_bytes = max_bytes
        self.stats = CacheStats()

    def vectors(self, chunks: Sequence[Chunk], embedder: Embedder) -> npt.NDArray[np.float32]:
        """One unit vector per chunk: read from the cache, else embedded and written."""
        path = self.root / f"{tree_key(chunks)}.npy"
        if path.is_file():
            try:
                found = np.load(path, allow_pickle=False)
            except (OSError, ValueError):
                found = None
            if found is not None and found.shape == (len(chunks), DIMENSIONS):
                self.stats = CacheStats(self.stats.cold, self.stats.warm + 1)
                with contextlib.suppress(OSError):
                    os.utime(path)  # used now: the last to be trimmed
                return np.asarray(found, dtype=np.float32)
        vectors = embedder.embed([chunk_words(c) for c in chunks])
        self._write(path, vectors)
        self.stats = CacheStats(self.stats.cold + 1, self.stats.warm)
        return vectors

    def _write(self, path: Path, vectors: npt.NDArray[np.float32]) -> None:
        """Write atomically (a temporary file renamed), so a reader never sees half a file."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        except OSError:
            return  # a cache that cannot be written costs time, never the ranking
        try:
            with os.fdopen(handle, "wb") as out:
                np.save(out, vectors, allow_pickle=False)
            os.replace(temp, path)
        except OSError:
            Path(temp).unlink(missing_ok=True)
            return
        self._trim(keep=path)

    def _trim(self, keep: Path) -> None:
        """Remove the least recently used trees (never ``keep``) until the rest fit."""
        kept: list[tuple[float, int, Path]] = []
        for found in self.root.glob("*.npy"):
            with contextlib.suppress(OSError):  # another process may remove it meanwhile
                status = found.stat()
                kept.append((status.st_mtime, status.st_size, found))
        total = sum(size for _, size, _ in kept)
        for _, size, found in sorted(kept):
            if total <= self.max_bytes:
                return
            if found != keep:
                with contextlib.suppress(OSError):
                    found.unlink()
                total -= size


def similarities(
    chunks: Sequence[Chunk], statement: str, cache: EmbeddingCache | None = None
) -> npt.NDArray[np.float64]:
    """Cosine similarity of each chunk's words to the statement's.

    Raises:
        ConfigError: the embed extra is not installed.
    """
    embedder = load_embedder()
    vectors = (cache or EmbeddingCache()).vectors(chunks, embedder)
    query = embedder.embed([embed_text(statement)])[0]
    return np.asarray(vectors @ query, dtype=np.float64)
