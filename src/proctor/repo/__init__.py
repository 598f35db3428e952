"""Repositories: the mirror cache, sealed checkouts, and patches.

``ensure_source`` finds (or clones once) a repository, ``sealed_checkout`` pins a commit in
a fresh one-commit repository, and the patch functions apply, split and derive diffs.
"""

from proctor.repo.checkout import (
    base_commit,
    changed_paths,
    diff_from_base,
    read_base_file,
    restore_paths,
    sealed_checkout,
)
from proctor.repo.mirror import (
    cache_repo,
    clone_mirror,
    ensure_source,
    git_dir_args,
    github_slug,
    has_commit,
    is_remote,
    mirror_path,
    repo_location,
    resolve_commit,
    run_git,
)
from proctor.repo.patch import (
    apply_patch,
    diff_commits,
    is_test_path,
    reference_patches,
    split_patch,
    touched_paths,
)

__all__ = [
    "apply_patch",
    "base_commit",
    "cache_repo",
    "changed_paths",
    "clone_mirror",
    "diff_commits",
    "diff_from_base",
    "ensure_source",
    "git_dir_args",
    "github_slug",
    "has_commit",
    "is_remote",
    "is_test_path",
    "mirror_path",
    "read_base_file",
    "reference_patches",
    "repo_location",
    "resolve_commit",
    "restore_paths",
    "run_git",
    "sealed_checkout",
    "split_patch",
    "touched_paths",
]
