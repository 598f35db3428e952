"""Offline models: a llama.cpp server on 127.0.0.1 for weights fetched by :mod:`weights`.

``pip install 'proctor[local]'`` brings ``llama-cpp-python[server]``. :class:`LocalServer`
starts ``python -m llama_cpp.server`` in its own process group, waits until it answers and
stops it on exit (and at interpreter exit, should the ``with`` block be skipped). The chat
template is the one inside the GGUF file. The server returns native ``tool_calls`` only when
``tool_choice`` names a tool; otherwise a call arrives as JSON text in the content, which
:func:`proctor.model.openai_model.parse_text_tool_calls` reads.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from proctor.errors import ConfigError, ModelError
from proctor.model.catalog import ModelSpec, local_spec
from proctor.model.weights import ensure_weights
from proctor.sandbox import cpu_count
from proctor.settings import Settings

__all__ = ["LocalServer", "llama_cpp_available", "local_spec", "serving"]


def llama_cpp_available() -> bool:
    """Whether ``llama_cpp.server`` can be imported here (the ``[local]`` extra)."""
    try:
        return importlib.util.find_spec("llama_cpp.server") is not None
    except ImportError:
        return False


def _die_with_parent() -> None:
    """In the server's child process: be killed when proctor dies, even by kill -9 (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LocalServer:
    """A llama.cpp server for offline model ``model_name``, as a context manager.

    Args:
        model_name: a :data:`proctor.model.weights.WEIGHTS` name.
        threads: CPU threads for generation; every CPU this process may use by default
            (:func:`cpu_count`; give 1 when other work shares the CPU).
        ctx: context window in tokens.
        port: TCP port on 127.0.0.1; a free one by default.
        settings: where the weights cache is.
        startup_timeout_s: how long to wait for the server to answer.
    """

    def __init__(
        self,
        model_name: str,
        *,
        threads: int | None = None,
        ctx: int = 4096,
        port: int | None = None,
        settings: Settings | None = None,
        startup_timeout_s: float = 120.0,
    ) -> None:
        self.model_name = model_name
        self.threads = threads or cpu_count()
        self.ctx = ctx
        self.port = port or _free_port()
        self.settings = settings
        self.startup_timeout_s = startup_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """Process id of the running server (also its process group), else None."""
        return None if self._proc is None or self._proc.poll() is not None else self._proc.pid

    def spec(self) -> ModelSpec:
        """The spec of the running server (no key, no price)."""
        return local_spec(self.model_name, self.port).model_copy(
            update={"context_window": self.ctx}
        )

    def argv(self, model_path: Path) -> list[str]:
        """The command line that starts the server."""
        return [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(model_path),
            "--model_alias", self.model_name,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_threads", str(self.threads),
            "--n_threads_batch", str(self.threads),
            "--n_ctx", str(self.ctx),
        ]  # fmt: skip

    def start(self) -> None:
        """Fetch the weights if needed, start the server and wait until it answers.

        Raises:
            ConfigError: llama-cpp-python is missing, or the weights cannot be had.
            ModelError: the server exited or did not answer within the timeout.
        """
        if not llama_cpp_available():
            raise ConfigError("local models need llama-cpp-python: pip install 'proctor[local]'")
        model_path = ensure_weights(self.model_name, settings=self.settings)
        fd, log_name = tempfile.mkstemp(prefix=f"llama-{self.model_name}-", suffix=".log")
        self._log = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self._proc = subprocess.Popen(
                self.argv(model_path),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        atexit.register(self.stop)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            died = self.died() if self._proc is not None else "local server not started"
            if died is not None:
                self.stop()
                raise ModelError(died)
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        tail = self.log_tail()
        self.stop()
        raise ModelError(
            f"local server for {self.model_name} did not answer in "
            f"{self.startup_timeout_s:.0f}s: {tail}"
        )

    def died(self) -> str | None:
        """Why the server is gone (exit status, last output) if it exited, else None."""
        if self._proc is None or self._proc.poll() is None:
            return None
        code = self._proc.returncode
        how = f"exited ({code})"
        if code < 0:
            with contextlib.suppress(ValueError):
                how = f"killed by {signal.Signals(-code).name}"
        return f"local server for {self.model_name} {how}: {self.log_tail()}"

    def log_tail(self, lines: int = 5) -> str:
        """The server's last output lines, joined by `` | ``."""
        if self._log is None or not self._log.is_file():
            return "(no output)"
        text = self._log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return " | ".join(text[-lines:]) or "(no output)"

    def stop(self) -> None:
        """Terminate the server's process group, then kill it if it lingers; idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, sig)
                try:
                    proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        atexit.unregister(self.stop)
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def serving(
    spec: ModelSpec, *, threads: int | None = None, settings: Settings | None = None
) -> Iterator[ModelSpec]:
    """Yield ``spec`` ready to call: for a local model, with its server running meanwhile.

    Specs of remote endpoints are yielded unchanged, so callers need not tell them apart.

    Raises:
        ConfigError: llama-cpp-python is missing, or the weights cannot be had.
        ModelError: the server did not start.
    """
    if spec.local is None:
        yield spec
        return
    with LocalServer(
        spec.local, threads=threads, ctx=spec.context_window, settings=settings
    ) as server:
        try:
            yield spec.model_copy(update={"base_url": server.base_url, "model": spec.local})
        except ModelError as exc:
            died = server.died()
            if died is None:
                raise
            raise ModelError(f"{exc}; {died}") from exc
