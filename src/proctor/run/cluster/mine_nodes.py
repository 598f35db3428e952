"""``proctor mine --ray``: each candidate's tests run on a Ray cluster node.

The driver screens the history, drafts each candidate and records what became of it (report,
task specs); a node gets the draft and a bundle of the candidate's fix commit and its ancestors
(never later history), builds the environment itself (cached per node, under the build lock of
:func:`~proctor.sandbox.build_env`) and sends back only the verdict.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayError

from proctor.errors import ProctorError
from proctor.mine import CandidateCheck, verify_here
from proctor.repo import base_bundle, open_bundle
from proctor.settings import Settings
from proctor.spec import Task

RETRIES = 4
"""Times Ray verifies a candidate again when its worker or node dies."""


def verify_on_node(draft: Task, commit: str, settings: Settings, bundle: bytes) -> object:
    """Verify one candidate from the bundle of its fix ``commit``: its verdict, or why not."""
    cache = settings.cache_dir.expanduser() / "cluster"
    try:
        git_dir = open_bundle(bundle, commit, cache / "repos")
    except ProctorError as exc:
        return str(exc)
    return verify_here(git_dir, draft, settings)


_remote_verify = ray.remote(verify_on_node)


class RayVerifier:
    """A :class:`~proctor.mine.Verifier` that runs each candidate as a Ray task (``cpus`` and
    the sandbox's memory cap reserved), blocking its caller's thread until the verdict is back.
    """

    def __init__(self, settings: Settings, *, cpus: float = 1.0, retries: int = RETRIES) -> None:
        self.settings = settings
        self.cpus = cpus
        self.retries = retries

    def bundle(self, source: Path, commit: str) -> Path:
        """The bundle of ``commit`` and its ancestors, made once per commit on the driver."""
        name = hashlib.sha256(str(source).encode()).hexdigest()[:12]
        folder = self.settings.cache_dir.expanduser() / "cluster" / "bundles"
        return base_bundle(source, commit, folder / f"{name}-{commit}.bundle")

    def __call__(self, source: Path, draft: Task) -> CandidateCheck:
        commit = draft.reference.commit
        if commit is None:
            raise ProctorError(f"{draft.id}: a mined candidate has no fix commit")
        data = ray.put(self.bundle(source, commit).read_bytes())
        options: dict[str, Any] = {
            "num_cpus": self.cpus,
            "memory": self.settings.memory_mb * 1024 * 1024,
            "max_retries": self.retries,
            "retry_exceptions": False,
        }
        ref = _remote_verify.options(**options).remote(draft, commit, self.settings, data)
        try:
            back = ray.get(ref)
        except RayError as exc:  # lost past every retry: an error, tried again on the next run
            raise ProctorError(
                f"ray: verification lost past {self.retries} retries: {type(exc).__name__}"
            ) from None
        if isinstance(back, CandidateCheck):
            return back
        raise ProctorError(str(back))
