"""The optional embedding signal: its model is local and pinned, its vectors are cached, and it
finds a function by meaning when no word of the statement names it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from proctor.errors import ConfigError
from proctor.retrieval import Chunk, HybridRetriever, HybridSettings, ParseCache, embed
from proctor.retrieval.hybrid import by_rank

needs_extra = pytest.mark.skipif(
    not embed.available(),
    reason="the embed extra is not installed (pip install 'proctor[embed]'): no model to run",
)

STATEMENT = (
    "The arithmetic average of an empty sequence of numbers crashes with a division error; "
    "it should give zero."
)
FILES = {
    "tool/stats.py": "def mean_value(values):\n    return sum(values) / len(values)\n",
    "tool/net.py": "def open_socket(host, port):\n    return connect(host, port)\n",
    "tool/text.py": "def wrap_lines(text, width):\n    return split(text, width)\n",
    "tool/files.py": "def read_config(path):\n    return load(path)\n",
}


@pytest.fixture
def tool(tmp_path: Path) -> Path:
    """A repository whose functions share no word with :data:`STATEMENT`."""
    root = tmp_path / "tool"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_identifiers_are_embedded_as_words() -> None:
    assert embed.embed_text("def safeUrlString(url_text):") == "safe url string url text"
    assert embed.embed_text("HTTPServer") == "http server"
    assert embed.embed_text("x" * 3 + " y") == "xxx"  # one-letter words carry nothing
    assert len(embed.embed_text("word " * 2000).split()) == embed.MAX_WORDS


def test_fusion_by_rank_ignores_the_scale_of_similarities() -> None:
    assert by_rank(np.array([0.1, 0.9, 0.5]), 1.0).tolist() == [1 / 3, 1.0, 0.5]
    assert by_rank(np.array([10.0, 90.0, 50.0]), 1.0).tolist() == [1 / 3, 1.0, 0.5]


def test_switched_on_without_the_extra_it_says_how_to_install_it(
    tool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed, "package_dir", lambda: None)
    embed.load_embedder.cache_clear()
    try:
        retriever = HybridRetriever(HybridSettings(embed_weight=0.5), ParseCache())
        with pytest.raises(ConfigError, match=r"pip install 'proctor\[embed\]'"):
            retriever.rank(STATEMENT, tool)
        assert HybridRetriever(cache=ParseCache()).rank(STATEMENT, tool) is not None  # off: fine
    finally:
        embed.load_embedder.cache_clear()


def test_the_default_path_imports_no_optional_dependency(tool: Path) -> None:
    script = (
        "import sys; from pathlib import Path; import proctor.cli.app; "
        "from proctor.retrieval import HybridRetriever, get_retriever; "
        "HybridRetriever().retrieve('average of numbers', Path(sys.argv[1]), 500); "
        "get_retriever('hybrid').retrieve('average', Path(sys.argv[1]), 500); "
        "print(sorted(m for m in ('wordllama', 'tokenizers', 'safetensors') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tool)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


@needs_extra
def test_a_function_named_in_other_words_is_found_by_meaning(tool: Path, tmp_path: Path) -> None:
    cache = embed.EmbeddingCache(tmp_path / "vectors")
    off = HybridRetriever(cache=ParseCache()).rank(STATEMENT, tool)
    assert "mean_value" not in [c.name for c in off.chunks[:1]]  # no word of it is in the text
    on = HybridRetriever(HybridSettings(embed_weight=0.5), ParseCache(), embeddings=cache)
    names = [c.name for c in on.rank(STATEMENT, tool).chunks]
    assert names[0] == "mean_value"
    assert set(names) == {"mean_value", "open_socket", "wrap_lines", "read_config"}


@needs_extra
def test_vectors_are_cached_per_tree_and_a_changed_tree_is_embedded_again(
    tool: Path, tmp_path: Path
) -> None:
    cache = embed.EmbeddingCache(tmp_path / "vectors")
    chunks = [
        Chunk(rel, 1, 2, text, "function", text.split("(")[0][4:]) for rel, text in FILES.items()
    ]
    first = embed.similarities(chunks, STATEMENT, cache)
    assert cache.stats == embed.CacheStats(cold=1, warm=0)
    assert len(list(cache.root.glob("*.npy"))) == 1
    again = embed.similarities(chunks, STATEMENT, cache)
    assert cache.stats == embed.CacheStats(cold=1, warm=1)
    assert np.array_equal(first, again)
    assert int(np.argmax(first)) == 0  # mean_value
    edited = [replace(chunks[0], text=chunks[0].text.replace("values", "items")), *chunks[1:]]
    embed.similarities(edited, STATEMENT, cache)
    assert cache.stats == embed.CacheStats(cold=2, warm=1)
    assert len(list(cache.root.glob("*.npy"))) == 2
    (next(iter(cache.root.glob("*.npy")))).write_bytes(b"not an array")
    embed.similarities(chunks, STATEMENT, cache)  # a damaged file is embedded again
    embed.similarities(edited, STATEMENT, cache)
    assert cache.stats.cold == 3 and cache.stats.warm == 2


@needs_extra
def test_the_model_loads_and_runs_with_no_network_and_downloads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network use: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    home = tmp_path / "home"
    home.mkdir()
    for name in ("HOME", "XDG_CACHE_HOME", "HF_HOME"):
        monkeypatch.setenv(name, str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embed.load_embedder.cache_clear()
    try:
        vectors = embed.load_embedder().embed(["average of numbers", "mean value", ""])
    finally:
        embed.load_embedder.cache_clear()
    assert vectors.shape == (3, embed.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not vectors[2].any()
    assert float(vectors[0] @ vectors[1]) > 0.15
    assert list(home.iterdir()) == []  # nothing downloaded or cached
    assert "wordllama" not in sys.modules  # only its files are read


@needs_extra
def test_a_model_file_that_differs_from_its_pin_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rel = next(iter(embed.MODEL_FILES))
    monkeypatch.setitem(embed.MODEL_FILES, rel, "0" * 64)
    embed.load_embedder.cache_clear()
    try:
        with pytest.raises(ConfigError, match="expected 0000"):
            embed.load_embedder()
    finally:
        embed.load_embedder.cache_clear()


@needs_extra
def test_the_vectors_are_those_of_wordllamas_own_embed() -> None:
    texts = ["safe url string of a host", "mean value values sum len values"]
    script = (
        "import json, sys; "
        "from wordllama.wordllama import WordLlamaInference; "
        "from proctor.retrieval import embed; "
        "own = embed.load_embedder(); import safetensors.numpy as s, tokenizers as t; "
        "weights, vocab = (str(embed.package_dir() / rel) for rel in embed.MODEL_FILES); "
        "tok = t.Tokenizer.from_file(vocab); table = s.load_file(weights)[embed.TENSOR]; "
        "theirs = WordLlamaInference(table, tok).embed(sys.argv[1:], norm=True); "
        "print(json.dumps(float(abs(theirs - own.embed(sys.argv[1:])).max())))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *texts],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert float(done.stdout.strip().splitlines()[-1]) < 1e-4


class _Zeros(embed.Embedder):
    """Vectors of zeros: the cache's own behaviour, without the extra."""

    def __init__(self) -> None:
        pass

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.zeros((len(texts), embed.DIMENSIONS), dtype=np.float32)


def test_the_cache_keeps_the_trees_used_last_within_its_size(tmp_path: Path) -> None:
    trees = [[Chunk(f"m{n}.py", 1, 2, f"def f{n}(): pass", "function", f"f{n}")] for n in range(3)]
    paths = [tmp_path / f"{embed.tree_key(tree)}.npy" for tree in trees]
    probe = embed.EmbeddingCache(tmp_path)
    probe.vectors(trees[0], _Zeros())
    cache = embed.EmbeddingCache(tmp_path, max_bytes=2 * paths[0].stat().st_size)
    cache.vectors(trees[1], _Zeros())
    os.utime(paths[0], (100, 100))
    os.utime(paths[1], (200, 200))
    cache.vectors(trees[0], _Zeros())  # read back: now the tree used last
    assert cache.stats == embed.CacheStats(cold=1, warm=1)
    cache.vectors(trees[2], _Zeros())  # one tree too many: tree 1, used least recently, goes
    assert [p.exists() for p in paths] == [True, False, True]
    os.utime(paths[0], (300, 300))
    os.utime(paths[2], (400, 400))
    cache.vectors(trees[1], _Zeros())  # embedded again; tree 0 is now the oldest
    assert cache.stats == embed.CacheStats(cold=3, warm=1)
    assert [p.exists() for p in paths] == [False, True, True]
