"""Preflight: a broken sandbox, model endpoint, repository or run folder is one error, before
any attempt."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from tests.fake_openai import FakeOpenAI

from proctor.errors import ConfigError, ModelError, RepoError, SandboxError
from proctor.model import EmptyModel
from proctor.model.catalog import ModelSpec
from proctor.run.preflight import check_model, check_run_dir, preflight
from proctor.run.solvers import AgentFactory, ModelChoice
from proctor.settings import Settings


def _factory(url: str) -> AgentFactory:
    spec = ModelSpec(name=f"{url}#m", base_url=url, model="m")
    return AgentFactory(spec, ModelChoice(spec.name, retriever="none"))


def test_everything_in_order_passes(calc, settings: Settings, tmp_path: Path, server: str) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    backend = preflight([task], settings, model=_factory(server), run_dir=tmp_path / "runs" / "x")
    assert backend in {"bwrap", "unshare", "none"}
    assert not (tmp_path / "runs").exists()  # nothing made, nothing recorded


def test_an_unknown_sandbox_backend_stops_the_run(calc, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    bogus = settings.model_copy(update={"sandbox": "bogus"})
    with pytest.raises(SandboxError, match="unknown sandbox backend 'bogus'"):
        preflight([task], bogus)


def test_a_dead_endpoint_stops_the_run(calc, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    with pytest.raises(ModelError, match=rf"endpoint {url} failed: connection error"):
        check_model(_factory(url))


def test_a_refused_key_stops_the_run_and_a_server_without_a_listing_does_not(server: str) -> None:
    FakeOpenAI.models_status = 401
    with pytest.raises(ModelError, match="HTTP 401"):
        check_model(_factory(server))
    FakeOpenAI.models_status = 404  # answered: it just lists nothing
    check_model(_factory(server))
    check_model(EmptyModel())  # baselines need no endpoint
    assert FakeOpenAI.seen == []  # no completion was bought


def test_an_unreachable_repository_stops_the_run(calc, settings: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    gone = task.model_copy(update={"repo": str(tmp_path / "nowhere")})
    with pytest.raises(RepoError, match="nowhere: no such file or directory"):
        preflight([task, gone], settings)


def test_a_run_dir_that_cannot_be_one(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="file: is a file, not a run folder"):
        check_run_dir(tmp_path / "file")
    with pytest.raises(ConfigError, match=r"file/run/x: .*file is a file, not a folder"):
        check_run_dir(tmp_path / "file" / "run" / "x")
    check_run_dir(tmp_path / "new" / "run")
