"""LocalServer's lifecycle with stand-in server processes (no llama.cpp needed)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from proctor.errors import ConfigError, ModelError
from proctor.model import local
from proctor.model.catalog import ModelSpec, resolve_spec
from proctor.model.local import LocalServer, serving


class StandIn(LocalServer):
    """Runs ``command`` instead of llama.cpp (``{port}`` is filled in)."""

    command: ClassVar[list[str]] = []

    def argv(self, model_path: Path) -> list[str]:
        return [part.format(port=self.port) for part in self.command]


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> type[StandIn]:
    monkeypatch.setattr(local, "llama_cpp_available", lambda: True)
    monkeypatch.setattr(local, "ensure_weights", lambda name, settings=None: tmp_path / "w.gguf")
    (tmp_path / "site" / "v1").mkdir(parents=True)
    (tmp_path / "site" / "v1" / "models").write_text('{"data": []}')
    StandIn.command = [
        sys.executable, "-m", "http.server", "{port}", "--bind", "127.0.0.1",
        "--directory", str(tmp_path / "site"),
    ]  # fmt: skip
    return StandIn


def test_waits_until_ready_and_stops(stand_in: type[StandIn]) -> None:
    with stand_in("smollm2-135m", startup_timeout_s=20) as server:
        pid = server.pid
        assert pid is not None
        spec = server.spec()
        assert spec.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert spec.api_key_env is None and spec.model == "smollm2-135m"
    assert server.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_exit_at_start_reports_its_output(stand_in: type[StandIn]) -> None:
    stand_in.command = [sys.executable, "-c", "print('error: unknown model architecture'); exit(3)"]
    server = stand_in("smollm2-135m", startup_timeout_s=20)
    with pytest.raises(ModelError, match=r"exited \(3\): error: unknown model architecture"):
        server.start()


def test_silent_server_times_out(stand_in: type[StandIn]) -> None:
    stand_in.command = [sys.executable, "-c", "import time; print('loading'); time.sleep(60)"]
    server = stand_in("smollm2-135m", startup_timeout_s=1)
    with pytest.raises(ModelError, match=r"did not answer in 1s: loading"):
        server.start()
    assert server.pid is None


def test_serving_fills_in_the_url_and_passes_remote_specs(stand_in: type[StandIn]) -> None:
    remote = ModelSpec(name="r", base_url="https://x/v1", model="m")
    with serving(remote) as spec:
        assert spec is remote
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(local, "LocalServer", stand_in)
        with serving(resolve_spec("local:qwen2.5-coder-0.5b", {})) as spec:
            assert spec.base_url.startswith("http://127.0.0.1:")
            assert spec.model == "qwen2.5-coder-0.5b" and spec.local == "qwen2.5-coder-0.5b"


def test_missing_llama_cpp_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "llama_cpp_available", lambda: False)
    with pytest.raises(ConfigError, match=r"pip install 'proctor\[local\]'"):
        LocalServer("smollm2-135m").start()


def test_threads_default_to_every_cpu_this_process_may_use() -> None:
    def threads(server: LocalServer) -> str:
        argv = server.argv(Path("w.gguf"))
        return argv[argv.index("--n_threads") + 1]

    assert threads(LocalServer("smollm2-135m")) == str(len(os.sched_getaffinity(0)))
    assert threads(LocalServer("smollm2-135m", threads=3)) == "3"
