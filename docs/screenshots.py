"""Screenshots of the HTML report for the README: the run page and one attempt page.

Writes the report of RUN_DIR into RUN_DIR/report, opens it from ``file://`` in Debian's
chromium (Playwright, fresh profile, network off) and saves ``docs/report-run.png`` and
``docs/report-attempt.png`` (the attempt given, else the first one that is not resolved).

    PYTHONPATH=. .venv/bin/python docs/screenshots.py RUN_DIR [--attempt TASK_ID]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.report.browser import browser as chromium

from proctor.report import read_run, write_report
from proctor.settings import get_settings

DOCS = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--attempt", help="task id of the attempt page to show")
    args = parser.parse_args()
    run = read_run(args.run_dir)
    repos = get_settings().repos_dir
    index = write_report([args.run_dir], args.run_dir / "report", repos_dir=repos)
    attempt = args.attempt or next(
        (r.key.folder for r in run.results if not r.resolved), run.results[0].key.folder
    )
    pages = {
        "report-run.png": index,
        "report-attempt.png": index.parent / "attempts" / f"{attempt}.html",
    }
    with chromium() as browser:
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 960})
        page = context.new_page()
        for name, path in pages.items():
            page.goto(path.resolve().as_uri())
            page.wait_for_selector("html[data-ready='1']", state="attached")
            page.screenshot(path=DOCS / name)
            print(DOCS / name)


if __name__ == "__main__":
    main()
