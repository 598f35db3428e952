"""History up to the base commit: what is read, and the two signals drawn from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.conftest import git

from proctor.errors import RepoError
from proctor.retrieval import Chunk, HybridRetriever, HybridSettings, read_history
from proctor.retrieval.history import parse_log
from proctor.retrieval.past import cochange, similar_fixes

SHOP = """class Cart:
    def total(self, items):
        return sum(items)

    def tax(self, amount):
        return amount * 0.2


def parse_price(text):
    return float(text)


def format_price(value):
    return f"{value:.2f}"
"""


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, str]:
    """A repository whose history before its base (returned) touched prices, then a later
    commit."""
    repo = tmp_path / "shop"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "shop.py").write_text(SHOP)
    (repo / "README.md").write_text("shop\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Start the shop")
    changed = SHOP.replace("return float(text)", "return float(text.strip())")
    changed = changed.replace('f"{value:.2f}"', 'f"{value:,.2f}"')
    (repo / "shop.py").write_text(changed)
    git(repo, "commit", "-qam", "Prices with thousands separators are parsed wrong")
    (repo / "README.md").write_text("shop!\n")
    git(repo, "commit", "-qam", "Docs only")
    base = git(repo, "rev-parse", "HEAD")
    (repo / "shop.py").write_text(changed.replace("* 0.2", "* 0.25"))
    git(repo, "commit", "-qam", "Tax rate of the cart is wrong")
    return repo, base


def test_only_ancestors_of_base_are_read(shop: tuple[Path, str]) -> None:
    repo, base = shop
    history = read_history(repo, base)
    assert history.base == base
    messages = [c.message for c in history.commits]
    # newest first; the later commit is absent; a commit with no Python change too
    assert messages == ["Prices with thousands separators are parsed wrong", "Start the shop"]
    fix = history.commits[0]
    assert fix.paths == ("shop.py",)
    assert fix.functions == (("shop.py", "parse_price"), ("shop.py", "format_price"))
    assert ("shop.py", "tax") in history.commits[-1].functions  # the def lines added
    later = read_history(repo, "HEAD")
    assert later.commits[0].functions == (("shop.py", "tax"),)


def test_an_unknown_base_is_one_clear_error(shop: tuple[Path, str]) -> None:
    repo, _ = shop
    with pytest.raises(RepoError):
        read_history(repo, "f" * 40)


def test_parse_log_reads_captured_git_output() -> None:
    # git log -p --unified=0 with the python diff driver, as read_history asks for it
    text = (
        "\x1eabc123\x1fAdd support of `pathlib.Path` to `edit`\n\nCloses #2869\n\x1f\n\n"
        "diff --git a/src/click/_termui_impl.py b/src/click/_termui_impl.py\n"
        "index 9fcc7f61..70aabf8f 100644\n"
        "--- a/src/click/_termui_impl.py\n+++ b/src/click/_termui_impl.py\n"
        "@@ -713 +713 @@ def get_editor(self) -> str:\n"
        "-    def edit_files(self, filenames: cabc.Iterable[str]) -> None:\n"
        "+    def edit_files(self, filenames: cabc.Iterable[str | os.PathLike[str]]) -> None:\n"
        "diff --git a/src/click/termui.py b/src/click/termui.py\n"
        "--- a/src/click/termui.py\n+++ b/src/click/termui.py\n"
        "@@ -6,0 +7 @@\n+import os\n"
        "@@ -895 +906 @@ def edit(\n"
        "-    if isinstance(filename, str):\n"
        "+    if isinstance(filename, (str, os.PathLike)):\n"
        "diff --git a/old.py b/old.py\ndeleted file mode 100644\n"
        "--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-def gone(): pass\n"
    )
    (commit,) = parse_log(text)
    assert commit.sha == "abc123" and commit.message.endswith("Closes #2869")
    assert commit.paths == ("src/click/_termui_impl.py", "src/click/termui.py")
    # the hunk starting at a def names that def, not the one git's header shows above it
    assert commit.functions == (
        ("src/click/_termui_impl.py", "edit_files"),
        ("src/click/termui.py", "edit"),
    )


def _fn(name: str) -> Chunk:
    return Chunk("shop.py", 1, 2, f"def {name}(): ...", "function", name)


def test_similar_fixes_and_cochange_point_at_what_past_fixes_touched(
    shop: tuple[Path, str],
) -> None:
    repo, base = shop
    history = read_history(repo, base)
    chunks = [_fn("Cart.tax"), _fn("parse_price"), _fn("format_price"), _fn("Cart.total")]
    weights = {"thousands": 1.0, "separators": 1.0, "prices": 1.0}
    fixes = similar_fixes(history, weights, chunks, top=10, file_share=0.0)
    assert fixes[1] == fixes[2] == 1.0 and fixes[0] == fixes[3] == 0.0
    together = cochange(history, chunks, np.array([0.0, 1.0, 0.0, 0.0]), top=1)
    # parse_price changed twice: with format_price both times, with tax and total once
    assert together.tolist() == [0.5, 0.0, 1.0, 0.5]


def test_the_hybrid_reads_history_only_when_a_signal_is_on(shop: tuple[Path, str]) -> None:
    repo, base = shop
    assert not HybridRetriever().reads_history
    on = HybridRetriever(HybridSettings(fix_weight=1.0))
    assert on.reads_history and on.with_history(read_history(repo, base)).history is not None
