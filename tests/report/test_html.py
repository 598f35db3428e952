"""The HTML report without a browser: reading run folders in any state, escaping, diffs,
the server's boundary, and `proctor report`'s one-line answers."""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import threading
from pathlib import Path

import pytest
from markupsafe import escape as html_escape
from tests.report.conftest import write_results
from typer.testing import CliRunner

from proctor.cli import report as cli_report
from proctor.cli.app import app
from proctor.errors import ConfigError
from proctor.report.html import CSP, read_run, serve_report, write_report
from proctor.report.html.attempt_page import messages_shown
from proctor.report.html.diff import diff_rows, place_findings
from proctor.report.html.render import json_block

DIFF = """diff --git a/calc.py b/calc.py
--- a/calc.py
+++ b/calc.py
@@ -8,2 +8,2 @@ def add(a, b):
 def mean(values):
-    return sum(values) / (len(values) + 1)
+    return sum(values) / len(values)
"""


def test_json_block_cannot_close_its_script_element() -> None:
    text = str(json_block({"note": "</script><script>alert(1)</script> & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"note": "</script><script>alert(1)</script> & \u2028"}


def test_diff_rows_number_both_sides_and_carry_findings() -> None:
    rows = diff_rows(DIFF)
    added = [r for r in rows if r.kind == "add"]
    assert [(r.new, r.path) for r in added] == [(9, "calc.py")]
    assert [r.old for r in rows if r.kind == "del"] == [9]
    left = place_findings(
        rows,
        [
            {"check": "lint", "path": "calc.py", "line": 9, "message": "E999 x"},
            {"check": "lint", "path": "calc.py", "line": 99, "message": "far away"},
        ],
    )
    assert added[0].notes == ["lint: E999 x"]
    assert [f["line"] for f in left] == [99]


def test_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a run folder"):
        read_run(tmp_path)
    with pytest.raises(ConfigError, match="not a folder"):
        read_run(tmp_path / "missing")


def test_truncated_results_are_read_up_to_the_cut(tmp_path: Path) -> None:
    run_dir = write_results(tmp_path / "run", [("t1", "resolved"), ("t2", "unresolved")])
    path = run_dir / "results.jsonl"
    path.write_bytes(path.read_bytes()[:-40])
    run = read_run(run_dir)
    assert [r.task_id for r in run.results] == ["t1"]
    assert any("truncated" in p for p in run.problems)


def test_a_run_still_being_written_is_said(tmp_path: Path) -> None:
    run_dir = write_results(tmp_path / "run", [("t1", "resolved")])
    assert not read_run(run_dir).in_progress
    fd = os.open(run_dir / ".run.lock", os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert read_run(run_dir).in_progress
    finally:
        os.close(fd)


def test_report_of_a_hand_made_run_has_every_page(tmp_path: Path) -> None:
    run_dir = write_results(tmp_path / "run", [("t1", "resolved"), ("t2", "patch-failed")])
    index = write_report([run_dir], tmp_path / "site")
    html = index.read_text()
    assert html_escape(CSP) in html and "<script src=" in html
    rows = html.split('id="rows">', 1)[1].split("</script>", 1)[0]
    assert [r["id"] for r in json.loads(rows)] == ["t1", "t2"]
    assert (tmp_path / "site" / "attempts" / "t2.html").is_file()
    assert (tmp_path / "site" / "static" / "report.js").is_file()


def test_a_run_folder_is_never_the_report_folder(tmp_path: Path) -> None:
    run_dir = write_results(tmp_path / "run", [("static", "resolved")])
    (run_dir / "static").mkdir()
    with pytest.raises(ConfigError, match="holds a run"):
        write_report([run_dir], run_dir)
    assert (run_dir / "static").is_dir()


def test_several_runs_get_an_index(tmp_path: Path) -> None:
    a = write_results(tmp_path / "a", [("t1", "resolved")])
    b = write_results(tmp_path / "b", [("t1", "unresolved")])
    index = write_report([a, b], tmp_path / "site").read_text()
    assert "runs/1-a/index.html" in index and "runs/2-b/index.html" in index
    assert (tmp_path / "site" / "runs" / "2-b" / "attempts" / "t1.html").is_file()


def _get(port: int, path: str) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status, dict(response.getheaders())


def test_the_server_serves_the_report_folder_only(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>hi</p>")
    (tmp_path / "secret.txt").write_text("no")
    (site / "link").symlink_to(tmp_path / "secret.txt")
    server = serve_report(site)
    assert server.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        status, headers = _get(port, "/index.html")
        assert status == 200 and headers["Content-Security-Policy"] == CSP
        assert _get(port, "/../secret.txt")[0] == 404
        assert _get(port, "/%2e%2e/secret.txt")[0] == 404
        assert _get(port, "/link")[0] == 404
    finally:
        server.shutdown()
        server.server_close()


def test_report_command_answers_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    got = runner.invoke(app, ["report", str(tmp_path)])
    assert got.exit_code == 1
    assert got.output.strip().count("\n") == 0 and "not a run folder" in got.output
    assert not (tmp_path / "report").exists()
    run_dir = write_results(tmp_path / "run", [("t1", "resolved"), ("t2", "resolved")])
    path = run_dir / "results.jsonl"
    path.write_bytes(path.read_bytes()[:-10])
    got = runner.invoke(app, ["report", str(run_dir)])
    assert got.exit_code == 0, got.output
    assert "truncated" in got.output
    assert got.output.strip().splitlines()[-1] == str(run_dir / "report" / "index.html")
    assert "truncated" in (run_dir / "report" / "index.html").read_text()


def test_report_command_on_a_run_still_being_written(tmp_path: Path) -> None:
    run_dir = write_results(tmp_path / "run", [("t1", "resolved")])
    fd = os.open(run_dir / ".run.lock", os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        got = CliRunner().invoke(app, ["report", str(run_dir)])
    finally:
        os.close(fd)
    assert got.exit_code == 0, got.output
    assert "still being written" in got.output
    assert 'id="in-progress"' in (run_dir / "report" / "index.html").read_text()


def test_a_report_that_fails_is_a_warning_after_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> Path:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli_report, "write_report", broken)
    run_dir = write_results(tmp_path / "run", [("t1", "resolved")])
    assert cli_report.write_run_report(run_dir) is None
    err = capsys.readouterr().err
    assert "WARNING: no report: internal error writing the report: RuntimeError('a bug')" in err


def test_a_withdrawn_answer_is_marked() -> None:
    transcript = {
        "messages": [
            {"role": "user", "content": "fix it"},
            {"role": "assistant", "content": "the same code"},
            {"role": "assistant", "content": "a fix"},
        ],
        "withdrawn": [1],
    }
    shown = messages_shown(transcript)
    assert [(m["text"], m["withdrawn"]) for m in shown] == [
        ("fix it", False),
        ("the same code", True),
        ("a fix", False),
    ]
    del transcript["withdrawn"]  # a record from before withdrawals
    assert [m["withdrawn"] for m in messages_shown(transcript)] == [False] * 3
