"""Static environment inference: propose a repository's test environment from its files.

:func:`infer_environment` reads a :class:`RepoTree` (a commit of a mirror with
:class:`GitTree`, a folder with :class:`DirTree`) and returns a :class:`Proposal`: the
:class:`~proctor.spec.Environment` (venv packages, PYTHONPATH, setup commands) and notes
saying what was read from which file and what was guessed. Nothing is built or run.
"""

from proctor.mine.infer.propose import Proposal, infer_environment
from proctor.mine.infer.python import available_pythons
from proctor.mine.infer.tree import DirTree, GitTree, RepoTree

__all__ = [
    "DirTree",
    "GitTree",
    "Proposal",
    "RepoTree",
    "available_pythons",
    "infer_environment",
]
