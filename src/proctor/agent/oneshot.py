"""One-shot agent: one prompt with the issue and retrieved code, one answer of edit blocks.

Blocks that do not apply are sent back once with the reason. The blocks that did apply are
kept (the retry only has to correct the failed ones, against the files as they are now); a
retry that repeats an applied block is recognised as ``already-applied``. If blocks still fail
after the retry, the submission is ``patch-failed`` and the blocks that did apply stay in the
checkout (the run layer does not grade a ``patch-failed`` attempt). An answer whose edits all
apply but change nothing (a function copied unchanged, or only reformatted:
:func:`changes_code`), and an answer with no readable edit, are sent back up to
:data:`MAX_REFLECTIONS` times in all, as Aider reflects; the first answer's figures stay
first-try. Those retries are sampled at :data:`RESAMPLE_TEMPERATURE` (seeded:
:data:`~proctor.model.openai_model.DEFAULT_SEED`): asked again at temperature 0, a small model
gives the same answer back word for word (6 of 9 no-ops of the 0.5B model, and both cut-off
answers retried). A second reflection of the same kind
draws the first one's request again (:class:`Reflections`): the answer to it is withdrawn from
the conversation and the seed moves on, since a small model shown its own copy copies it again.

Where the model takes a grammar (:func:`~proctor.model.takes_grammar`), answers in the
``function`` format are decoded under :func:`~proctor.agent.grammar.function_grammar` of the
code shown (the first answer and its retry; never a feedback round's reply, which may argue).

A ``CANNOT FIX`` answer wins over any edit blocks next to it: nothing is applied.

A feedback round (:attr:`~proctor.model.Problem.follow_up`) continues the earlier conversation
with the feedback and the reply instructions of ``followup_oneshot.md``; there an answer with
no edit at all is a reply, not a malformed answer: ``no-edit``, nothing changed.
"""

from __future__ import annotations

import ast
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from proctor.agent.answer import ConfidenceVerdict, parse_verdict, verdict_submission
from proctor.agent.edits import Applied, EditBlock, apply_blocks
from proctor.agent.errors import EditNotApplied, MalformedAnswer, Stop
from proctor.agent.formats import DEFAULT_EDIT_FORMAT, check_format, has_edits, parse_edits
from proctor.agent.grammar import function_grammar, shown_functions
from proctor.agent.transcript import Transcript, prompt
from proctor.errors import ProctorError
from proctor.model import ChatModel, Problem, Submission, takes_grammar
from proctor.retrieval import Context, Retriever

Renderer = Callable[[Context], str]
"""Turns a retrieved :class:`Context` into prompt text."""


def render_context(ctx: Context) -> str:
    """The repo map, then each chunk under its path and line range, in a fenced block."""
    parts: list[str] = []
    if ctx.repo_map.strip():
        parts.append(f"## Repository map\n\n```\n{ctx.repo_map.strip()}\n```")
    for chunk in ctx.chunks:
        title = f"{chunk.path} (lines {chunk.start_line}-{chunk.end_line}"
        title += f", {chunk.kind} {chunk.name})" if chunk.name else ")"
        parts.append(f"## {title}\n\n```python\n{chunk.text.rstrip()}\n```")
    return "\n\n".join(parts) if parts else "(no code was retrieved)"


def retrieved(
    retriever: Retriever | None, problem: Problem, budget_tokens: int, renderer: Renderer
) -> str:
    """The rendered context for ``problem``, or a note that there is none."""
    shown = shown_context(retriever, problem, budget_tokens)
    return NO_CONTEXT if shown is None else renderer(shown)


NO_CONTEXT = "(no code was retrieved: find the files from the issue)"


def shown_context(
    retriever: Retriever | None, problem: Problem, budget_tokens: int
) -> Context | None:
    """The context ``retriever`` chooses for ``problem``; None without a retriever."""
    if retriever is None:
        return None
    return retriever.retrieve(problem.statement, problem.checkout, budget_tokens)


def changes_code(blocks: Sequence[EditBlock]) -> bool:
    """Whether any block changes its file's code.

    Not code: blank lines and trailing spaces; and in a Python file whose block parses on its
    own on both sides at the same indentation, anything that leaves the syntax tree as it was
    (comments, line breaks inside brackets, quote styles: a function copied back reformatted,
    as a 1.5B model does, changes nothing). Indentation counts: in Python it is code.
    """
    return any(_block_changes_code(b) for b in blocks)


def _block_changes_code(block: EditBlock) -> bool:
    if _code_lines(block.search) == _code_lines(block.replace):
        return False
    if block.path.endswith((".py", ".pyi")) and _indent(block.search) == _indent(block.replace):
        same = same_python(block.search, block.replace)
        if same is not None:
            return not same
    return True


def _code_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _indent(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first[: len(first) - len(first.lstrip())]


def same_python(old: str, new: str) -> bool | None:
    """Whether two pieces of Python are the same code (equal syntax trees, docstrings
    included; each dedented first); None where either does not parse on its own."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning: invalid escape sequence
            trees = [ast.dump(ast.parse(textwrap.dedent(text))) for text in (old, new)]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return trees[0] == trees[1]


RESAMPLE_TEMPERATURE = 0.7
"""Temperature of the retry of an answer that changed nothing or had no readable edit."""

MAX_REFLECTIONS = 3
"""Most times round 0 sends back an answer that changed nothing or had no readable edit (Aider's
``max_reflections``); a failed edit is sent back once."""


@dataclass
class Reflections:
    """Round 0's reflections so far: how many, and the last one's kind, message and draw."""

    count: int = 0
    kind: str = ""
    at: int = 0
    draw: int = 0

    def send(self, record: Transcript, kind: str, message: str) -> int:
        """Send an answer back with ``message`` (a reflection of ``kind``: ``no-op`` or
        ``malformed``); returns the draw to ask with.

        A reflection of the same kind as the last draws the last one's request again: what
        answered it is withdrawn (:meth:`~proctor.agent.transcript.Transcript.withdraw`) and
        the draw moves on. Shown its own unchanged copy and asked again, the 0.5B model
        answered the same copy word for word on every later reflection.
        """
        self.count += 1
        if kind == self.kind:
            record.withdraw(self.at + 1)
            self.draw += 1
        else:
            self.kind, self.at, self.draw = kind, len(record.messages), 0
            record.say("user", message)
        return self.draw


EXAMPLE_TURN = frozenset({"search-replace", "whole-file", "udiff"})
"""Formats shown by a worked example turn. Not ``function``, the small models' format: a
0.5B model copies an example answer word for word instead of fixing its own issue."""


class OneShotAgent:
    """A :class:`~proctor.model.Solver` that answers once with edits in one edit format.

    Args:
        llm: the chat model that writes the answer.
        retriever: chooses the code shown in the prompt; None shows none.
        budget_tokens: token budget of the retrieved context.
        name: the model's name in results; ``<llm>+oneshot`` by default.
        renderer: turns the retrieved context into prompt text.
        max_tokens: cap on the answer's length (the server's default when None).
        edit_format: how the answer writes its edits (:data:`~.formats.EDIT_FORMATS`).
        constrain: send the ``function`` format's grammar where the model takes one.
    """

    converses = True
    """It can take a feedback round (:class:`~proctor.model.FollowUp`)."""

    def __init__(
        self,
        llm: ChatModel,
        retriever: Retriever | None,
        *,
        budget_tokens: int = 6000,
        name: str | None = None,
        renderer: Renderer = render_context,
        max_tokens: int | None = None,
        edit_format: str = DEFAULT_EDIT_FORMAT,
        constrain: bool = True,
    ) -> None:
        self.llm = llm
        self.constrain = constrain
        self.edit_format = check_format(edit_format)
        self.retriever = retriever
        self.budget_tokens = budget_tokens
        self.name = name or f"{llm.name}+oneshot"
        self.renderer = renderer
        self.max_tokens = max_tokens

    def solve(self, problem: Problem) -> Submission:
        """Ask once, apply the edit blocks, retry failed blocks once; never raises.

        The conversation is saved to ``problem.workdir / "conversation.json"``.
        """
        record = Transcript(self.name, self.llm.name, problem.task_id)
        try:
            submission = self._solve(problem, record)
        except MalformedAnswer as exc:
            cut = record.steps and record.steps[-1].get("finish_reason") == "length"
            # An answer with no edit can still state a confidence (a confidently-wrong
            # non-answer): keep it, so calibration counts it rather than calling it missing.
            stated = parse_verdict(_last_answer(record)).confidence
            message = f"{exc}{' (answer cut off)' if cut else ''}"
            submission = Submission("malformed", message, stated, first_try=False)
        except Stop as exc:
            submission = exc.submission
        except ProctorError as exc:
            submission = Submission.failed(exc)
        return record.finish(submission, problem.workdir / "conversation.json")

    def grammars(self, shown: Context | None, problem: Problem) -> tuple[str | None, str | None]:
        """The grammars the first answer and a no-op's retry (opening with a ``CHANGE:`` line)
        are decoded under, or (None, None): not the ``function`` format, no functions shown,
        or a model that takes no grammar."""
        if not (self.constrain and self.edit_format == "function" and takes_grammar(self.llm)):
            return None, None
        functions = {} if shown is None else shown_functions(shown, problem.checkout)
        return function_grammar(functions), function_grammar(functions, plan=True)

    def _solve(self, problem: Problem, record: Transcript) -> Submission:
        grammar = planned = None
        if problem.follow_up is not None:
            record.messages.extend(dict(m) for m in problem.follow_up.history)
            reply = prompt("followup_oneshot.md")
            record.say("user", f"{problem.follow_up.feedback.rstrip()}\n\n{reply}")
        else:
            shown = shown_context(self.retriever, problem, self.budget_tokens)
            context = NO_CONTEXT if shown is None else self.renderer(shown)
            grammar, planned = self.grammars(shown, problem)
            fmt = self.edit_format
            how = prompt(f"edit_format_{fmt}.md").rstrip()
            record.say("system", prompt("oneshot_system.md", edit_format=how))
            reminder = prompt(f"oneshot_reminder_{fmt}.md")
            # one worked example as an earlier turn (as Aider does): small models follow a
            # turn they have seen far better than a description of it
            if fmt in EXAMPLE_TURN:
                record.say("user", prompt("oneshot_example_user.md", reminder=reminder))
                record.say("assistant", prompt(f"oneshot_example_{fmt}.md"))
            user = prompt(
                "oneshot_user.md", statement=problem.statement, context=context, reminder=reminder
            )
            record.say("user", user)
        return self._answer(problem, record, grammar, planned)

    def _answer(
        self, problem: Problem, record: Transcript, grammar: str | None, planned: str | None
    ) -> Submission:
        """Ask, apply, and send the answer back while it is not usable: failed edits once
        (with the reasons), and in round 0 an answer with no readable edit or one that changes
        nothing up to :data:`MAX_REFLECTIONS` times in all (sampled; the no-op's retry under
        ``planned``, opening with a CHANGE line).

        Raises:
            Stop: the model cannot fix the issue, or a retry after a parsed answer is unreadable.
            MalformedAnswer: no answer had a readable edit.
        """
        reflect = problem.follow_up is None  # a feedback round's reply may defend its fix
        applied: list[Applied] = []
        verdict = ConfidenceVerdict(None, None)
        first_try: bool | None = None
        corrected = changed_any = parsed = False
        reflections = Reflections()
        ask, temperature, draw = grammar, None, 0
        while True:
            try:
                said, done, failed, changed = self._round(problem, record, ask, temperature, draw)
            except MalformedAnswer as exc:
                if not reflect or reflections.count == MAX_REFLECTIONS:
                    if not parsed:
                        raise
                    unreadable = f"retry unreadable: {exc}"
                    raise Stop(
                        Submission("patch-failed", unreadable, verdict.confidence, first_try=False)
                    ) from None
                first_try = False if first_try is None else first_try
                why = malformed_prompt(exc, _cut_off(record))
                draw = reflections.send(record, "malformed", why)
                ask, temperature = grammar, RESAMPLE_TEMPERATURE
                continue
            first_try = not failed if first_try is None else first_try
            parsed = True
            applied += done
            changed_any = changed_any or changed
            if said.confidence is not None:
                verdict = said
            if failed and not corrected:
                corrected = True
                record.say("user", retry_prompt(done, failed))
                ask, temperature, draw = grammar, None, 0
                continue
            if failed:
                reasons = "; ".join(f"{f} ({f.kind})" for f in failed)
                return Submission("patch-failed", reasons, verdict.confidence, first_try=first_try)
            if reflect and not changed_any and reflections.count < MAX_REFLECTIONS:
                # a function copied unchanged is copied again unless the model first says
                # what to change: the retry opens with a CHANGE line, and is sampled
                draw = reflections.send(record, "no-op", noop_prompt(done))
                ask, temperature = planned, RESAMPLE_TEMPERATURE
                continue
            return replace(verdict_submission(verdict, describe(applied)), first_try=first_try)

    def _round(
        self,
        problem: Problem,
        record: Transcript,
        grammar: str | None,
        temperature: float | None = None,
        draw: int = 0,
    ) -> tuple[ConfidenceVerdict, list[Applied], list[EditNotApplied], bool]:
        """Ask (under ``grammar`` if any; at ``temperature``, None: the model's own; as the
        request's ``draw``-th draw), then apply
        the answer's blocks; the last value says whether they change code (:func:`changes_code`).

        Raises:
            Stop: the model cannot fix the issue (nothing is applied).
            MalformedAnswer: the answer has no readable edit blocks.
        """
        response = record.ask(
            self.llm,
            max_tokens=self.max_tokens,
            grammar=grammar,
            temperature=temperature,
            draw=draw,
        )
        verdict = parse_verdict(response.content)
        if verdict.cannot_fix is not None:
            raise Stop(verdict_submission(verdict))
        if problem.follow_up is not None and not has_edits(response.content, self.edit_format):
            record.note(applied=[], failed=[])
            raise Stop(
                Submission("no-edit", "answered the feedback without an edit", verdict.confidence)
            )
        blocks = parse_edits(response.content, self.edit_format, problem.checkout)
        applied, failed = apply_blocks(problem.checkout, blocks)
        changed = changes_code(blocks)
        record.note(
            applied=[a.__dict__ for a in applied],
            failed=[str(f) for f in failed],
            **({} if changed else {"no_op": True}),
        )
        return verdict, applied, failed, changed


def _cut_off(record: Transcript) -> bool:
    """Whether the last answer stopped at the length limit."""
    return bool(record.steps) and record.steps[-1].get("finish_reason") == "length"


def malformed_prompt(exc: MalformedAnswer, cut_off: bool) -> str:
    """The message that sends back an answer with no edit that could be read."""
    why = f"{exc}{' (your answer was cut off at the length limit)' if cut_off else ''}"
    return prompt("oneshot_malformed.md", reason=why)


def _last_answer(record: Transcript) -> str:
    """The text of the model's last answer ('' before any)."""
    answers = [m for m in record.messages if m.get("role") == "assistant"]
    return str(answers[-1].get("content") or "") if answers else ""


def retry_prompt(applied: Sequence[Applied], failed: Sequence[EditNotApplied]) -> str:
    """The message that sends failed edits back, with reasons and the closest lines."""
    failures = "\n\n".join(
        f"- {f.path}: {f.reason}" + (f"\n{f.hint}" if f.hint else "") for f in failed
    )
    done = f"These blocks applied and are in the files now: {describe(applied)}.\n"
    return prompt("oneshot_retry.md", failures=failures, applied=done if applied else "")


def noop_prompt(applied: Sequence[Applied]) -> str:
    """The message that sends back edits that applied but change nothing."""
    files = ", ".join(dict.fromkeys(a.path for a in applied)) or "the files"
    return prompt("oneshot_noop.md", files=files)


def describe(applied: Sequence[Applied]) -> str:
    """``a.py (exact), b.py (fuzzy 93%)``."""
    return ", ".join(
        f"{a.path} ({a.how}{f' {a.score:.0%}' if a.how == 'fuzzy' else ''})" for a in applied
    )
