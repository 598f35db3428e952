"""The HTML report: a static site of a run (run page, attempt pages, suite page) or of a
comparison, that works from ``file://`` with no network; and a local server for it."""

from proctor.report.html.build import INDEX, REPORT_DIR, write_report
from proctor.report.html.load import RunFolder, read_run
from proctor.report.html.render import CSP
from proctor.report.html.serve import serve_report

__all__ = ["CSP", "INDEX", "REPORT_DIR", "RunFolder", "read_run", "serve_report", "write_report"]
