"""A base bundle holds the base and its ancestors, nothing after, and unpacks once per node."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git, make_calc_repo

from proctor.repo import base_bundle, bundle_commits, open_bundle, sealed_checkout


def test_the_bundle_holds_no_commit_after_the_base(tmp_path: Path) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    refs_before = git(repo, "show-ref")
    bundle = base_bundle(repo, base, tmp_path / "out" / "calc.bundle")
    assert bundle_commits(bundle) == [base]
    assert fix not in bundle.read_bytes().decode("latin-1")
    assert git(repo, "show-ref") == refs_before  # the source is left as it was


def test_a_node_unpacks_it_once_and_checks_out_the_base(tmp_path: Path) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    git(repo, "commit", "-q", "--allow-empty", "-m", "later")
    data = base_bundle(repo, f"{fix}~1", tmp_path / "calc.bundle").read_bytes()
    first = open_bundle(data, base, tmp_path / "node")
    again = open_bundle(data, base, tmp_path / "node")
    assert first == again and len(list((tmp_path / "node").glob("*.git"))) == 1
    assert git(first, "rev-list", "--all").split() == [base]
    checkout = sealed_checkout(first, base, tmp_path / "checkout")
    assert "(len(values) + 1)" in (checkout / "calc.py").read_text()
