"""Exceptions inside the agents: each carries the message to send back, or the way to stop.

None of these leaves :meth:`~proctor.model.Solver.solve`; an agent turns them into a
:class:`~proctor.model.Submission`::

    AgentError (ProctorError)
    ├── Feedback               goes back to the model as text; the conversation goes on
    │   ├── MalformedAnswer    no edit blocks, an unterminated block, a block without a path,
    │   │                      a reply without a tool call
    │   ├── EditNotApplied     one block did not apply (path, kind, reason)
    │   ├── UnsafePath         a path leads outside the checkout or into .git
    │   └── ToolFailed         bad tool arguments, an unknown tool, a failing tool
    └── Stop                   ends the conversation, carrying its Submission
        ├── Submitted          the model said it is done (or cannot fix the issue)
        └── LimitReached       steps or wall time are spent
"""

from __future__ import annotations

from proctor.errors import ProctorError
from proctor.model import Submission


class AgentError(ProctorError):
    """Base of the agents' own exceptions."""


class Feedback(AgentError):
    """Something the model did wrong; ``str(exc)`` is the message it gets back."""


class MalformedAnswer(Feedback):
    """The answer cannot be read: no edit blocks, an unterminated block, a missing path."""


class EditNotApplied(Feedback):
    """One edit did not apply.

    Args:
        path: the file the edit was meant for, as the model wrote it.
        kind: ``missing`` (no such file), ``not-found`` (SEARCH text absent), ``ambiguous``
            (found several times), ``exists`` (creating a file that exists), ``unsafe`` (path
            outside the checkout) or ``unreadable`` (not a text file).
        reason: one line saying what went wrong.
        hint: optional extra text for the model, e.g. the closest lines in the file.
    """

    def __init__(self, path: str, kind: str, reason: str, hint: str = "") -> None:
        self.path = path
        self.kind = kind
        self.reason = reason
        self.hint = hint
        super().__init__(f"{path}: {reason}")


class UnsafePath(Feedback):
    """A path leads outside the checkout (absolute, ``..``, a symlink) or into ``.git``."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path!r}: {reason}")


class ToolFailed(Feedback):
    """A tool call cannot be carried out: bad arguments, unknown tool, a failing tool."""


class Stop(AgentError):
    """Ends the conversation; ``submission`` is how the attempt ended."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        super().__init__(submission.message or submission.status)


class Submitted(Stop):
    """The model is done (``submitted``) or gave up (``cannot-fix``)."""


class LimitReached(Stop):
    """A limit of the agent (steps, wall time) is spent; edits made so far stay."""

    def __init__(self, reason: str) -> None:
        super().__init__(Submission("limit", reason))
