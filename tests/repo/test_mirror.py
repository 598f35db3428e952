"""Sources: GitHub slugs, mirror paths, the clone-once cache, local repositories in place."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
from tests.repo.conftest import Upstream, git

import proctor.repo
from proctor.errors import RepoError
from proctor.repo import mirror
from proctor.repo.mirror import (
    cache_repo,
    clone_mirror,
    ensure_source,
    github_slug,
    has_commit,
    mirror_path,
    repo_location,
    resolve_commit,
)


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://github.com/acme/widget", ("acme", "widget")),
        ("https://github.com/acme/widget.git", ("acme", "widget")),
        ("https://github.com/acme/widget/", ("acme", "widget")),
        ("http://github.com/a-b/c.d_e", ("a-b", "c.d_e")),
        ("https://github.com/acme", None),
        ("https://github.com/acme/widget/tree/main", None),
        ("https://gitlab.com/acme/widget", None),
        ("https://github.com/../widget", None),
        ("/srv/acme/widget", None),
    ],
)
def test_github_slug(url: str, slug: tuple[str, str] | None) -> None:
    assert github_slug(url) == slug


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("https://github.com/acme/widget.git", "acme/widget.git"),
        (
            "https://gitlab.example.org:8443/group/sub/widget.git",
            "gitlab.example.org_8443/group/sub/widget.git",
        ),
        ("git@example.org:team/widget.git", "example.org/team/widget.git"),
        ("ssh://git@example.org/../../etc/widget", "example.org/etc/widget.git"),
        ("file:///srv/git/widget", "local/srv/git/widget.git"),
    ],
)
def test_mirror_path(tmp_path: Path, url: str, where: str) -> None:
    assert mirror_path(url, tmp_path) == tmp_path / where


def test_mirror_path_of_a_local_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RepoError, match="local path"):
        mirror_path(str(tmp_path / "repo"), tmp_path)


def test_local_working_repo_is_used_in_place(upstream: Upstream, tmp_path: Path) -> None:
    source = ensure_source(str(upstream.path), tmp_path / "repos")
    assert source == upstream.path / ".git"
    assert not (tmp_path / "repos").exists()
    assert has_commit(source, upstream.fix)


def test_bare_repo_and_file_url_are_used_in_place(upstream: Upstream, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(upstream.path), str(bare))
    assert ensure_source(str(bare), tmp_path / "repos") == bare
    assert ensure_source(bare.as_uri(), tmp_path / "repos") == bare
    assert not (tmp_path / "repos").exists()


def test_github_url_uses_the_existing_mirror_offline(
    upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repos = tmp_path / "repos"
    built = repos / "acme" / "widget.git"
    git(tmp_path, "clone", "-q", "--mirror", str(upstream.path), str(built))

    def no_network(url: str, dest: Path) -> None:
        raise AssertionError(f"tried to clone {url}")

    monkeypatch.setattr(mirror, "_clone", no_network)
    source = ensure_source("https://github.com/acme/widget", repos)
    assert source == built.resolve()
    assert resolve_commit(source, upstream.fix[:10]) == upstream.fix


def test_remote_url_is_cloned_once_into_the_cache(
    upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_clone = mirror._clone

    def local_clone(url: str, dest: Path) -> None:
        calls.append(url)
        real_clone(upstream.path.as_uri(), dest)  # the real clone, from a file:// URL

    monkeypatch.setattr(mirror, "_clone", local_clone)
    repos = tmp_path / "repos"
    first = ensure_source("https://github.com/acme/widget.git", repos)
    second = ensure_source("https://github.com/acme/widget", repos)
    assert calls == ["https://github.com/acme/widget.git"]
    assert first == second == (repos / "acme" / "widget.git").resolve()
    assert git(first, "rev-parse", "--is-bare-repository").strip() == "true"
    assert has_commit(first, upstream.fix)
    assert sorted(p.name for p in (repos / "acme").iterdir()) == ["widget.git", "widget.git.lock"]


def test_two_clones_at_once_clone_once(
    upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_clone = mirror._clone

    def slow_clone(url: str, dest: Path) -> None:
        calls.append(url)
        time.sleep(0.2)
        real_clone(upstream.path.as_uri(), dest)

    monkeypatch.setattr(mirror, "_clone", slow_clone)
    found: list[Path] = []
    workers = [
        threading.Thread(
            target=lambda: found.append(ensure_source("https://github.com/a/w", tmp_path))
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(calls) == 1
    assert found == [(tmp_path / "a" / "w.git").resolve()] * 2


def test_clone_mirror_from_a_file_url(upstream: Upstream, tmp_path: Path) -> None:
    dest = tmp_path / "cache" / "widget.git"
    assert clone_mirror(upstream.path.as_uri(), dest) == dest
    assert "refs/tags/v1" in git(dest, "for-each-ref")
    marker = dest / "proctor-marker"
    marker.write_text("kept")
    assert clone_mirror(upstream.path.as_uri(), dest) == dest
    assert marker.exists()  # the second call reused the mirror


def test_a_failed_clone_leaves_no_half_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(url: str, dest: Path) -> None:
        (dest / "HEAD").write_text("ref: refs/heads/main\n")
        raise RepoError(f"cannot clone {url}: connection reset")

    monkeypatch.setattr(mirror, "_clone", crash)
    repos = tmp_path / "repos"
    with pytest.raises(RepoError, match="connection reset"):
        ensure_source("https://github.com/acme/widget", repos)
    assert [p.name for p in (repos / "acme").iterdir()] == ["widget.git.lock"]


def test_unreachable_url_is_one_clear_line(tmp_path: Path) -> None:
    url = "https://127.0.0.1:9/acme/widget.git"
    with pytest.raises(RepoError) as info:
        ensure_source(url, tmp_path / "repos")
    message = str(info.value)
    assert url in message and "\n" not in message
    assert not mirror_path(url, tmp_path / "repos").exists()


@pytest.mark.parametrize("kind", ["missing", "plain folder", "missing file url"])
def test_bad_local_source_is_a_repo_error(tmp_path: Path, kind: str) -> None:
    (tmp_path / "plain").mkdir()
    url = {
        "missing": str(tmp_path / "nope"),
        "plain folder": str(tmp_path / "plain"),
        "missing file url": (tmp_path / "nope").as_uri(),
    }[kind]
    with pytest.raises(RepoError, match=r"nope|not a git repository"):
        ensure_source(url, tmp_path / "repos")


def test_resolve_commit(upstream: Upstream) -> None:
    source = upstream.path
    assert resolve_commit(source, upstream.base[:8]) == upstream.base
    assert resolve_commit(source, "v1") == upstream.fix  # an annotated tag peels to its commit
    for bad in ["0" * 40, "--all", "no such branch"]:
        assert not has_commit(source, bad)
        with pytest.raises(RepoError):
            resolve_commit(source, bad)
    with pytest.raises(RepoError):
        resolve_commit(source, upstream.secret_blob)  # a blob is not a commit


def test_git_runs_without_the_callers_git_environment(
    upstream: Upstream, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "index"))
    assert resolve_commit(upstream.path, "HEAD") == upstream.base
    env = mirror.git_env()
    assert "GIT_DIR" not in env and env["GIT_CONFIG_NOSYSTEM"] == "1"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    out = subprocess.run(["git", "var", "GIT_AUTHOR_IDENT"], env=env, capture_output=True)
    assert out.stdout.decode().startswith("proctor <proctor@localhost> 946684800")


def test_a_folder_in_the_way_of_a_mirror_is_a_repo_error(tmp_path: Path) -> None:
    dest = tmp_path / "acme" / "widget.git"
    dest.mkdir(parents=True)
    (dest / "junk.txt").write_text("x")
    with pytest.raises(RepoError, match="not a git mirror"):
        clone_mirror("https://github.com/acme/widget", dest)


def test_public_api() -> None:
    assert sorted(proctor.repo.__all__) == [
        "BaseText",
        "MAX_PER_KIND",
        "MUTANT_KINDS",
        "Mutant",
        "apply_patch",
        "base_bundle",
        "base_commit",
        "base_reader",
        "build_mutants",
        "bundle_commits",
        "cache_repo",
        "changed_paths",
        "clone_mirror",
        "diff_commits",
        "diff_from_base",
        "ensure_source",
        "file_sections",
        "found_in_tree",
        "git_dir_args",
        "github_slug",
        "guess_category",
        "has_commit",
        "introduced_names",
        "is_remote",
        "is_test_path",
        "mirror_path",
        "open_bundle",
        "parse_file_diff",
        "patch_difficulty",
        "read_base_file",
        "rediff",
        "reference_patches",
        "repo_location",
        "resolve_commit",
        "restore_paths",
        "run_git",
        "sealed_checkout",
        "split_patch",
        "statement_leaks",
        "task_leaks",
        "text_after",
        "touched_lines",
        "touched_paths",
        "unseen_names",
    ]
    data = {"BaseText", "MAX_PER_KIND", "MUTANT_KINDS", "Mutant"}  # an alias, constants, a record
    functions = [n for n in proctor.repo.__all__ if n not in data]
    assert all(callable(getattr(proctor.repo, name)) for name in functions)


def test_a_repos_path_lives_in_the_cache_wherever_it_is(tmp_path: Path) -> None:
    cache = tmp_path / "elsewhere"
    assert repo_location("repos/synth/x.git", cache) == cache / "synth" / "x.git"
    assert repo_location(cache_repo("synth", "x.git"), cache) == cache / "synth" / "x.git"
    assert repo_location("other/x.git", cache) == Path("other/x.git")
    assert repo_location(str(tmp_path / "repos" / "x"), cache) == tmp_path / "repos" / "x"
    github = repo_location("https://github.com/acme/widget", cache)
    assert github == cache / "acme" / "widget.git"


def test_a_repos_path_is_read_from_the_cache(upstream: Upstream, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    git(tmp_path, "clone", "-q", "--bare", str(upstream.path), str(cache / "synth" / "u.git"))
    assert ensure_source("repos/synth/u.git", cache) == (cache / "synth" / "u.git").resolve()
    with pytest.raises(RepoError, match=r"^repos/synth/gone.git: not in the cache .*repos fetch"):
        ensure_source("repos/synth/gone.git", cache)
