"""`proctor report` and `proctor view`: the HTML report of run folders, and a local server."""

from __future__ import annotations

from pathlib import Path

import typer

from proctor.cli.common import REPOS_OPT, console, err_console, fail, note, settings_from
from proctor.errors import ProctorError
from proctor.report import INDEX, REPORT_DIR, read_run, serve_report, write_report


def report(
    run_dirs: list[Path] = typer.Argument(
        ..., metavar="RUN_DIR...", help="Run folders, or compare folders (proctor compare --out)."
    ),
    html: Path | None = typer.Option(
        None,
        "--html",
        metavar="OUT",
        help="Folder to write the site into (default RUN_DIR/report for one folder).",
    ),
    repos_dir: Path | None = REPOS_OPT,
) -> None:
    """Write a static HTML report (works from file://, no network) and print its path.

    Examples:

    \b
        proctor report runs/gold
        proctor report runs/a runs/b --html site/
        proctor report runs/compare --html compare-site/
    """
    if html is None:
        if len(run_dirs) > 1:
            raise fail("several folders need --html OUT (where to write the report)")
        html = run_dirs[0] / REPORT_DIR
    index = _write(run_dirs, html, repos_dir)
    if index is None:
        raise typer.Exit(1)
    console.print(str(index), highlight=False, soft_wrap=True)


def view(
    run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="A run or compare folder."),
    port: int = typer.Option(0, "--port", metavar="N", help="Port on 127.0.0.1 (0: any free)."),
    repos_dir: Path | None = REPOS_OPT,
) -> None:
    """Write RUN_DIR's report into RUN_DIR/report and serve that folder (only that folder)
    on 127.0.0.1 until Ctrl-C; prints the URL.

    Examples:

    \b
        proctor view runs/gold
        proctor view runs/compare --port 8000
    """
    folder = run_dir / REPORT_DIR
    if _write([run_dir], folder, repos_dir) is None:
        raise typer.Exit(1)
    try:
        server = serve_report(folder, port)
    except OSError as exc:
        raise fail(f"cannot serve on 127.0.0.1:{port} ({exc.strerror})") from None
    host, bound = server.server_address[:2]
    console.print(f"http://{host!s}:{bound}/{INDEX}", highlight=False)
    note("serving the report folder only; Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _write(
    sources: list[Path], out: Path, repos_dir: Path | None, *, warn: bool = False
) -> Path | None:
    """Write the report, saying what it could not read; None (after one error line, or a
    warning line with ``warn``) on failure."""
    try:
        settings = settings_from(repos_dir)
        for source in sources:
            if source.is_dir() and (source / "results.jsonl").exists():
                _say_problems(source)
        return write_report(sources, out, repos_dir=settings.repos_dir)
    except ProctorError as exc:
        message = str(exc)
    except OSError as exc:
        message = f"{exc.filename or out}: {exc.strerror}"
    except Exception as exc:  # a bug of ours must not turn a finished run into a traceback
        message = f"internal error writing the report: {exc!r}"
    if warn:
        err_console.print(f"WARNING: no report: {message}", highlight=False, markup=False)
    else:
        fail(message)
    return None


def _say_problems(source: Path) -> None:
    run = read_run(source)
    if run.in_progress:
        note(f"{source}: the run is still being written; the report shows what has finished")
    for problem in run.problems:
        note(f"{source}: {problem}")


def write_run_report(folder: Path, repos_dir: Path | None = None) -> Path | None:
    """After ``run`` or ``compare``: the report into ``folder/report``, its path printed as
    the last line; a report that cannot be written is a warning, never a failed run."""
    index = _write([folder], folder / REPORT_DIR, repos_dir, warn=True)
    if index is not None:
        console.print(f"report: {index}", highlight=False, soft_wrap=True)
    return index
