"""``--ray`` on a real loopback cluster (a head with no CPU, two one-CPU nodes): verdicts equal
a local run's, folders come back, the endpoint cap holds across nodes, and a node killed
mid-run loses nothing and duplicates nothing."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from tests.cli.test_feedback_cli import scripted, two_tasks
from tests.conftest import calc_task, git, make_calc_repo
from tests.fake_openai import FakeOpenAI
from tests.mine.conftest import build_history
from tests.run.cluster.conftest import Cluster, Node, descendants

from proctor.spec import Task, dump_task

pytest.importorskip("ray", reason="ray is not installed (pip install 'proctor[ray]')")

ARTIFACTS = ("result.json", "model.patch", "junit.xml", "tests.log")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One proctor cache for the module, so each environment is built once."""
    return tmp_path_factory.mktemp("cache")


def suite_of(tasks: list[Task], folder: Path) -> Path:
    folder.mkdir()
    for task in tasks:
        (folder / f"{task.id}.yaml").write_text(dump_task(task))
    return folder


def copies(task: Task, n: int) -> list[Task]:
    return [task.model_copy(update={"id": f"{task.id}-{i}"}) for i in range(n)]


def proctor(
    *args: str, cwd: Path, cluster: Cluster, cache: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {**cluster.env(), "PROCTOR_CACHE_DIR": str(cache), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "proctor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def verdicts(run_dir: Path) -> dict[str, tuple[str, dict[str, str]]]:
    lines = [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines()]
    return {r["task_id"]: (r["outcome"], r["tests"]) for r in lines}


def test_a_run_on_the_cluster_equals_a_local_run(
    cluster: Cluster, cache: Path, tmp_path: Path
) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    tasks = copies(calc_task(repo, base, fix), 3)
    suite = suite_of(tasks, tmp_path / "suite")
    args = ("run", "--suite", str(suite), "--model", "gold")
    local = proctor(*args, "--out", "local", cwd=tmp_path, cluster=cluster, cache=cache)
    assert local.returncode == 0, local.stdout + local.stderr
    ray = proctor(
        *args, "--ray", "auto", "--out", "ray", cwd=tmp_path, cluster=cluster, cache=cache
    )
    assert ray.returncode == 0, ray.stdout + ray.stderr

    got = verdicts(tmp_path / "ray")
    assert got == verdicts(tmp_path / "local")
    assert sorted(got) == [t.id for t in tasks]
    assert all(outcome == "resolved" for outcome, _ in got.values())
    assert "attempts per node:" in ray.stdout
    for task in tasks:  # every attempt's folder came back to the driver's run folder
        folder = tmp_path / "ray" / task.id
        assert all((folder / name).is_file() for name in ARTIFACTS), sorted(folder.iterdir())
        assert "len(values)" in (folder / "model.patch").read_text()
    # What the nodes unpacked holds the base and nothing after it.
    nodes_repos = list((cache / "cluster" / "repos").glob("*.git"))
    assert nodes_repos
    for unpacked in nodes_repos:
        held = git(unpacked, "rev-list", "--all").split()
        assert base in held and fix not in held


class _Counting(FakeOpenAI):
    """A slow fake endpoint that counts the requests in flight at once."""

    lock = threading.Lock()
    now = 0
    peak = 0
    calls = 0

    def do_POST(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.now += 1
            cls.calls += 1
            cls.peak = max(cls.peak, cls.now)
        time.sleep(1.5)
        with cls.lock:
            cls.now -= 1
        super().do_POST()


@contextmanager
def counting_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


def test_the_endpoint_cap_holds_across_nodes(cluster: Cluster, cache: Path, tmp_path: Path) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    suite = suite_of(copies(calc_task(repo, base, fix), 4), tmp_path / "suite")
    with counting_endpoint() as url:
        run = proctor(
            "run", "--suite", str(suite), "--model", f"{url}#fake", "--retriever", "none",
            "--ray", "auto", "--endpoint-cap", "1", "--out", "capped",
            cwd=tmp_path, cluster=cluster, cache=cache,
        )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(verdicts(tmp_path / "capped")) == 4
    assert _Counting.calls >= 4  # every attempt called the endpoint ...
    assert _Counting.peak == 1  # ... from two nodes, never two calls at once


def test_validate_and_grade_predictions_run_on_the_cluster(
    cluster: Cluster, cache: Path, tmp_path: Path
) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    tasks = copies(calc_task(repo, base, fix), 2)
    suite = suite_of(tasks, tmp_path / "suite")
    checked = proctor(
        "validate", "--suite", str(suite), "--ray", "auto", "--out", "validate",
        cwd=tmp_path, cluster=cluster, cache=cache,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "all 2 task(s) valid" in checked.stdout
    for folder in ("gold-0", "empty"):
        assert all((tmp_path / "validate" / folder / t.id / "junit.xml").is_file() for t in tasks)

    gold = git(repo, "diff", base, fix, "--", "calc.py")
    preds = tmp_path / "preds.jsonl"
    rows = [
        {
            "instance_id": tasks[0].id,
            "model_name_or_path": "someone/agent",
            "model_patch": gold + "\n",
        },
        {"instance_id": tasks[1].id, "model_name_or_path": "someone/agent", "model_patch": "junk"},
    ]
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows))
    graded = proctor(
        "grade", "--suite", str(suite), "--predictions", str(preds), "--ray", "auto",
        "--out", "graded", cwd=tmp_path, cluster=cluster, cache=cache,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stdout + graded.stderr
    got = verdicts(tmp_path / "graded")
    assert got[tasks[0].id][0] == "resolved"
    assert got[tasks[1].id][0] == "patch-failed"


def test_compare_runs_its_suites_on_the_cluster(
    cluster: Cluster, cache: Path, tmp_path: Path
) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    tasks = copies(calc_task(repo, base, fix), 2)
    suite = suite_of(tasks, tmp_path / "issues")
    compared = proctor(
        "compare", "--model", "gold", "--suite", str(suite), "--humaneval-subset", "0",
        "--ray", "auto", "--out", "cmp", cwd=tmp_path, cluster=cluster, cache=cache,
    )  # fmt: skip
    assert compared.returncode == 0, compared.stdout + compared.stderr
    got = verdicts(tmp_path / "cmp" / "gold" / "issues")
    assert {t: v[0] for t, v in got.items()} == {t.id: "resolved" for t in tasks}


def test_feedback_rounds_on_the_cluster_continue_the_conversation(
    cluster: Cluster, cache: Path, tmp_path: Path, server: str
) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    suite = two_tasks(calc_task(repo, base, fix), tmp_path / "suite")
    FakeOpenAI.responder = scripted
    ran = proctor(
        "run", "--suite", str(suite), "--model", f"{server}#m", "--retriever", "none",
        "--feedback-rounds", "1", "--challenge", "--ray", "auto", "--out", "rounds",
        cwd=tmp_path, cluster=cluster, cache=cache,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = [
        json.loads(x) for x in (tmp_path / "rounds" / "results.jsonl").read_text().splitlines()
    ]
    by_key = {(r["task_id"], r["round"]): r["feedback"] for r in lines}
    assert by_key[("calc-wrong", 1)] == "defended" and by_key[("calc-right", 1)] == "caved"
    # the round, made on a node, continued round 0's conversation (not the feedback alone)
    talk = tmp_path / "rounds" / "calc-wrong@s0r1" / "model" / "conversation.json"
    roles = [m["role"] for m in json.loads(talk.read_text())["messages"]]
    assert roles == ["system", *["user", "assistant"] * 3]


def mine_report(out: Path) -> dict[str, dict[str, object]]:
    """Each commit's report entry, without its timing."""
    entries = [json.loads(x) for x in (out / "mine-report.jsonl").read_text().splitlines()]
    return {e["sha"]: {k: v for k, v in e.items() if k != "seconds"} for e in entries}


def test_mine_verifies_its_candidates_on_the_cluster(cluster: Cluster, tmp_path: Path) -> None:
    history = build_history(tmp_path / "upstream" / "calcpkg")
    cache = tmp_path / "cache"  # its own: what the nodes unpacked is this test's alone
    args = ("mine", str(history.path), "--repos-dir", str(tmp_path / "repos"), "-j", "2")
    local = proctor(*args, "--out", "local", cwd=tmp_path, cluster=cluster, cache=cache)
    assert local.returncode == 0, local.stdout + local.stderr
    ray = proctor(
        *args, "--ray", "auto", "--out", "ray", cwd=tmp_path, cluster=cluster, cache=cache
    )
    assert ray.returncode == 0, ray.stdout + ray.stderr

    got = mine_report(tmp_path / "ray")
    assert got == mine_report(tmp_path / "local")
    kept = {e["task_id"] for e in got.values() if e["status"] == "kept"}
    assert len(kept) == 3  # good, flaky, merge (as tests/mine/test_mine.py finds them)
    specs = sorted(p.name for p in (tmp_path / "ray").glob("*.yaml"))
    assert specs == sorted(f"{k}.yaml" for k in kept)
    for name in specs:  # the same task specs, byte for byte
        assert (tmp_path / "ray" / name).read_text() == (tmp_path / "local" / name).read_text()
    # Each node got a candidate's fix commit and its ancestors: no later history.
    verified = {sha for sha, e in got.items() if e["stage"] == "verify"}
    unpacked = list((cache / "cluster" / "repos").glob("*.git"))
    assert unpacked
    for repo in unpacked:
        tip = git(repo, "rev-parse", "refs/heads/base")
        assert tip in verified
        held = set(git(repo, "rev-list", "--all").split())
        assert held == set(git(history.path, "rev-list", tip).split())


def slow_repo(root: Path) -> tuple[Path, str, str]:
    """The calc repository whose tests take a few seconds (so a kill lands mid-attempt)."""
    repo, base, _ = make_calc_repo(root)
    tests = repo / "tests" / "test_calc.py"
    tests.write_text(
        "import time\n" + tests.read_text() + "\n\ndef test_slow():\n    time.sleep(3)\n"
    )
    git(repo, "commit", "-qam", "slow tests")
    return repo, base, git(repo, "rev-parse", "HEAD")


def running_tests(node: Node) -> bool:
    """Whether a process of the node runs pytest (an attempt's hidden tests)."""
    for pid in descendants(node.proc.pid):
        with contextlib.suppress(OSError):
            if b"pytest" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
    return False


def test_a_run_whose_driver_died_resumes_from_its_folder(
    cluster: Cluster, cache: Path, tmp_path: Path
) -> None:
    repo, base, fix = slow_repo(tmp_path / "calc")
    task = calc_task(repo, base, fix).model_copy(update={"id": "resumed"})
    tasks = copies(task, 4)
    suite = suite_of(tasks, tmp_path / "suite")
    env = {**cluster.env(), "PROCTOR_CACHE_DIR": str(cache), "COLUMNS": "200"}
    args = [sys.executable, "-m", "proctor", "run", "--suite", str(suite), "--model", "gold"]
    args += ["--ray", "auto", "--out", "run"]
    driver = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL)
    results = tmp_path / "run" / "results.jsonl"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and driver.poll() is None:
        if results.is_file() and results.read_text().count("\n") >= 1:
            break
        time.sleep(0.2)
    driver.kill()  # SIGKILL: no clean-up of any kind
    driver.wait(30)
    first = results.read_text().splitlines()
    assert 1 <= len(first) < len(tasks)

    again = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    lines = results.read_text().splitlines()
    assert lines[: len(first)] == first  # what was recorded stands
    assert sorted(json.loads(x)["task_id"] for x in lines) == [t.id for t in tasks]


def test_a_node_killed_mid_run_loses_and_duplicates_nothing(
    cluster: Cluster, cache: Path, tmp_path: Path
) -> None:
    repo, base, fix = slow_repo(tmp_path / "calc")
    task = calc_task(repo, base, fix).model_copy(update={"id": "slow"})
    tasks = copies(task, 6)
    suite = suite_of(tasks, tmp_path / "suite")
    env = {**cluster.env(), "PROCTOR_CACHE_DIR": str(cache), "COLUMNS": "200"}
    args = ["run", "--suite", str(suite), "--model", "gold", "--ray", "auto", "--out", "run"]
    driver = subprocess.Popen(
        [sys.executable, "-m", "proctor", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    victim = cluster.workers[1]
    deadline = time.monotonic() + 240
    caught = False  # the node mid-attempt: running its hidden tests
    while time.monotonic() < deadline and driver.poll() is None and not caught:
        caught = running_tests(victim)
        time.sleep(0 if caught else 0.2)
    if caught:
        victim.kill()
    out, _ = driver.communicate(timeout=300)
    assert caught, f"the node never ran an attempt's tests: {out}"
    results = tmp_path / "run" / "results.jsonl"

    assert driver.returncode == 0, out
    lines = [json.loads(x) for x in results.read_text().splitlines()]
    assert sorted(r["task_id"] for r in lines) == [t.id for t in tasks]  # once each
    assert all(r["outcome"] == "resolved" for r in lines), out
