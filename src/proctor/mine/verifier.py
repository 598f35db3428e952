"""The seam between mining and where a candidate's tests run.

Mining decides which commits are candidates and records what became of them (the driver's
side); a :class:`Verifier` only runs one candidate's tests before and after its fix and says
what they show (the node's side: pure, it writes nothing the mine keeps). :class:`LocalVerifier`
runs them on this machine; ``proctor.run.cluster`` has one that runs them on a Ray cluster.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from proctor.errors import ProctorError
from proctor.mine.verify import Bench, CandidateCheck, SandboxFactory, local_sandbox, verify
from proctor.sandbox import build_env
from proctor.settings import Settings
from proctor.spec import Environment, Task


class Verifier(Protocol):
    """Runs one candidate's tests: ``source`` is the repository on the driver, ``draft`` the
    task the candidate would become (its base, fix commit, test files and environment).

    Called from several threads at once (``mine(jobs=N)``); each call blocks until its verdict.

    Raises:
        ProctorError: the environment cannot be built, or the sandbox cannot start (the
            candidate is recorded as an error, tried again on the next run).
    """

    def __call__(self, source: Path, draft: Task) -> CandidateCheck: ...


@dataclass
class LocalVerifier:
    """Runs candidates' tests here, one venv per environment, built on first use (once each)."""

    settings: Settings
    make_sandbox: SandboxFactory = local_sandbox
    _benches: dict[str, Bench | ProctorError] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def bench(self, environment: Environment, repo: str) -> Bench:
        """The test bench of ``environment``; a build that failed fails again at once."""
        key = environment.model_dump_json(exclude={"note"})
        with self._lock:
            if key not in self._benches:
                try:
                    env = build_env(environment, repo, self.settings.envs_dir)
                    self._benches[key] = Bench(env, environment, self.settings, self.make_sandbox)
                except ProctorError as exc:
                    self._benches[key] = exc
            bench = self._benches[key]
        if isinstance(bench, ProctorError):
            raise bench
        return bench

    def __call__(self, source: Path, draft: Task) -> CandidateCheck:
        bench = self.bench(draft.environment, draft.repo)
        with tempfile.TemporaryDirectory(prefix="proctor-mine-") as tmp:
            return verify(source, draft, bench, Path(tmp))


def verify_here(source: Path, draft: Task, settings: Settings) -> CandidateCheck | str:
    """One candidate verified on this machine, for a remote node: its verdict, or the one-line
    reason it could not be verified (as the mine records an error) instead of an exception."""
    try:
        return LocalVerifier(settings)(source, draft)
    except ProctorError as exc:
        return str(exc)
    except Exception as exc:  # a bug of ours: recorded as the local mine would record it
        return f"internal error: {exc!r}"
