"""Repositories: the mirror cache, sealed checkouts, and patches.

``ensure_source`` finds (or clones once) a repository, ``sealed_checkout`` pins a commit in
a fresh one-commit repository, the patch functions apply, split and derive diffs, and
``task_leaks`` names what a statement gives away of its fix; ``patch_difficulty`` and
``guess_category`` give the facts a task records about its change, and ``build_mutants`` the
wrong fixes that measure its strength.
"""

from proctor.repo.bundle import base_bundle, bundle_commits, open_bundle
from proctor.repo.category import guess_category
from proctor.repo.checkout import (
    base_commit,
    changed_paths,
    diff_from_base,
    read_base_file,
    restore_paths,
    sealed_checkout,
)
from proctor.repo.hunks import parse_file_diff, rediff, text_after
from proctor.repo.leak import (
    BaseText,
    base_reader,
    found_in_tree,
    introduced_names,
    statement_leaks,
    task_leaks,
    unseen_names,
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
from proctor.repo.mutants import MAX_PER_KIND, MUTANT_KINDS, Mutant, build_mutants
from proctor.repo.patch import (
    apply_patch,
    diff_commits,
    file_sections,
    is_test_path,
    patch_difficulty,
    reference_patches,
    split_patch,
    touched_lines,
    touched_paths,
)

__all__ = [
    "MAX_PER_KIND",
    "MUTANT_KINDS",
    "BaseText",
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
