"""`proctor repos ...`: the repositories a suite needs, in the cache."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from proctor.cli.common import (
    DEFAULT_SUITE,
    REPOS_OPT,
    SUITE_OPT,
    chatter,
    console,
    fail,
    settings_from,
)
from proctor.errors import RepoError, SpecError
from proctor.mine import rebuild_derived
from proctor.repo import ensure_source, has_commit, is_remote, repo_location
from proctor.spec import DERIVED_NAME, DerivedRepo, Task, load_suite, load_suite_derived

app = typer.Typer(help="The repositories suites need.", no_args_is_help=True)


@app.command("fetch")
def fetch(suite: Path | None = SUITE_OPT, repos_dir: Path | None = REPOS_OPT) -> None:
    """Clone every repository the suite's tasks name that is not in the cache, and rebuild
    the derived ones its derived.yaml records; one line per repository that cannot be had,
    then a non-zero exit.

    Examples:

    \b
        proctor repos fetch --suite tasks/core
        PROCTOR_REPOS_DIR=/data/repos proctor repos fetch --suite tasks/pairs/cachetools
    """
    cache = settings_from(repos_dir).repos_dir
    path = suite or DEFAULT_SUITE
    try:
        tasks = load_suite(path)
        records = {r.path: r for r in load_suite_derived(path)}
    except SpecError as exc:
        raise fail(str(exc)) from None
    problems: list[str] = []
    urls = list(dict.fromkeys(t.repo for t in tasks))
    for url in urls:
        try:
            if url in records:
                problems += _derived(records[url], tasks, cache)
            else:
                problems += _mirror(url, cache)
        except RepoError as exc:
            problems.append(str(exc))
    for problem in problems:
        fail(problem)
    if problems:
        raise typer.Exit(1)
    console.print(f"{len(urls)} repositor{'y' if len(urls) == 1 else 'ies'} ready in {cache}")


def _say(line: str, *, quiet: bool = False) -> None:
    (chatter if quiet else console).print(escape(line), highlight=False, soft_wrap=True)


def _mirror(url: str, cache: Path) -> list[str]:
    """Clone ``url`` into the cache unless it is there; the problems, one line each.

    Raises:
        RepoError: the clone failed, or what is in its place is not a repository.
    """
    where = repo_location(url, cache)
    if where.exists():
        ensure_source(url, cache)
        _say(f"{url}: present ({where})", quiet=True)
        return []
    if not is_remote(url):
        return [f"{url}: missing ({where}), and no {DERIVED_NAME} of the suite records it"]
    ensure_source(url, cache)
    _say(f"{url}: cloned into {where}")
    return []


def _derived(record: DerivedRepo, tasks: list[Task], cache: Path) -> list[str]:
    """Rebuild ``record``'s repository unless it is there, then check the tasks' commits.

    Raises:
        RepoError: the source cannot be had or the derivation failed.
    """
    where = repo_location(record.path, cache)
    rebuilt = not where.exists()
    if rebuilt:
        problems = _mirror(record.source, cache)
        if problems:
            return problems
        source = ensure_source(record.source, cache)
        pairs = rebuild_derived(record, source, where)
        _say(f"{record.path}: rebuilt {len(pairs)} pair(s) from {record.source} at {record.commit}")
    else:
        _say(f"{record.path}: present ({where})", quiet=True)
    shas = [s for t in tasks if t.repo == record.path for s in (t.base_commit, t.reference.commit)]
    missing = [s for s in dict.fromkeys(shas) if s is not None and not has_commit(where, s)]
    why = "rebuild is not byte-identical" if rebuilt else "remove it and fetch again to rebuild it"
    return [f"{record.path}: no commit {sha} ({why})" for sha in missing]
