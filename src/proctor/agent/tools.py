"""Tool-using agent: the model explores and edits the checkout through tool calls until it submits.

The loop is :meth:`ToolAgent._loop`. What the model gets wrong (bad arguments, an unknown tool,
a reply without a tool call) goes back to it as text (:class:`~proctor.agent.errors.Feedback`);
``submit`` and the limits end the loop (:class:`~proctor.agent.errors.Stop`). Edits made before
a limit stay in the checkout and are graded.

The conversation is kept inside the model's context window: before each call the oldest tool
results are elided (replaced by a one-line note) until the estimated prompt leaves room for an
answer, the newest two always kept; if the model still reports an overflow, every result but
the newest is elided and the call made once more. Only then does the overflow end the attempt
as a limit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace

from proctor.agent.answer import parse_verdict, verdict_submission
from proctor.agent.errors import LimitReached, MalformedAnswer, Stop, Submitted
from proctor.agent.oneshot import Renderer, render_context, retrieved
from proctor.agent.toolset import TOOL_NAMES, TOOL_SCHEMAS, Toolbox, parse_text_tool_calls
from proctor.agent.transcript import Transcript, prompt
from proctor.errors import ContextOverflow, ProctorError
from proctor.model import ChatModel, ChatResponse, Problem, Submission, ToolCall
from proctor.retrieval import Retriever, estimate_tokens

_SCHEMA_TOKENS = estimate_tokens(json.dumps(TOOL_SCHEMAS))


class ToolAgent:
    """A :class:`~proctor.model.Solver` that works through tool calls (see :mod:`.toolset`).

    Args:
        llm: the chat model; native tool calls are used, calls written as text are read too.
        retriever: chooses the context of the first prompt (a repo map); None gives none.
        max_steps: most model calls; the attempt ends with status ``limit`` past it.
        max_seconds: most wall time; the attempt ends with status ``limit`` past it.
        name: the model's name in results; ``<llm>+tools`` by default.
        budget_tokens: token budget of the retrieved context.
        renderer: turns the retrieved context into prompt text.
        test_timeout_s: wall-clock limit of one ``run_tests`` call.
        answer_tokens: room kept in the context window for the model's answer.
        clock: seconds, monotonic (a test seam).
    """

    KEEP_RESULTS = 2
    """Newest tool results never elided to make room."""
    converses = True
    """It can take a feedback round (:class:`~proctor.model.FollowUp`)."""

    def __init__(
        self,
        llm: ChatModel,
        retriever: Retriever | None,
        *,
        max_steps: int = 30,
        max_seconds: float = 900,
        name: str | None = None,
        budget_tokens: int = 2000,
        renderer: Renderer = render_context,
        test_timeout_s: float = 300.0,
        answer_tokens: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.llm = llm
        self.retriever = retriever
        self.max_steps = max_steps
        self.max_seconds = max_seconds
        self.name = name or f"{llm.name}+tools"
        self.budget_tokens = budget_tokens
        self.renderer = renderer
        self.test_timeout_s = test_timeout_s
        self.answer_tokens = answer_tokens
        self.clock = clock

    def solve(self, problem: Problem) -> Submission:
        """Run the loop until the model submits or a limit is reached; never raises.

        The trajectory is saved to ``problem.workdir / "trajectory.json"`` after every step.
        """
        record = Transcript(self.name, self.llm.name, problem.task_id)
        try:
            submission = self._loop(problem, record)
        except ProctorError as exc:
            submission = Submission.failed(exc)
        return record.finish(submission, problem.workdir / "trajectory.json")

    def _loop(self, problem: Problem, record: Transcript) -> Submission:
        toolbox = Toolbox(problem, test_timeout_s=self.test_timeout_s)
        started = self.clock()
        if problem.follow_up is not None:  # a feedback round: the same conversation goes on
            record.messages.extend(dict(m) for m in problem.follow_up.history)
            reply = prompt("followup_tools.md")
            record.say("user", f"{problem.follow_up.feedback.rstrip()}\n\n{reply}")
        else:
            context = retrieved(self.retriever, problem, self.budget_tokens, self.renderer)
            record.say("system", prompt("tools_system.md", max_steps=str(self.max_steps)))
            record.say(
                "user", prompt("tools_user.md", statement=problem.statement, context=context)
            )
        while True:
            try:
                self._check_limits(record, started)
                self._step(record, toolbox)
            except MalformedAnswer as exc:
                record.say("user", str(exc))
            except Stop as exc:
                return replace(exc.submission, first_try=toolbox.first_edit)
            finally:
                record.save(problem.workdir / "trajectory.json")

    def _step(self, record: Transcript, toolbox: Toolbox) -> None:
        """One model call and the tool calls it makes (raises to talk back or to stop)."""
        response = self._ask(record)
        calls, native = self._calls(response)
        for call in calls:
            started = time.monotonic()
            try:
                result = toolbox.run(call)
            except Submitted as exc:
                record.tool_result(call, exc.submission.status, 0.0, native=native)
                raise
            record.tool_result(call, result, time.monotonic() - started, native=native)

    def _ask(self, record: Transcript) -> ChatResponse:
        """One model call, old tool results elided first as far as the context window needs."""
        room = self.llm.context_window - self.answer_tokens
        record.elide(keep=self.KEEP_RESULTS, fit_tokens=room, extra_tokens=_SCHEMA_TOKENS)
        try:
            return record.ask(self.llm, tools=TOOL_SCHEMAS)
        except ContextOverflow:
            if not record.elide(keep=1):
                raise
            return record.ask(self.llm, tools=TOOL_SCHEMAS)

    def _calls(self, response: ChatResponse) -> tuple[list[ToolCall], bool]:
        """The calls of a reply and whether they were native.

        Raises:
            Submitted: no call, but a CONFIDENCE or CANNOT FIX line: taken as ``submit``.
            MalformedAnswer: no call at all; the message says how to make one.
        """
        if response.tool_calls:
            return list(response.tool_calls), True
        calls = parse_text_tool_calls(response.content)
        if calls:
            return calls, False
        verdict = parse_verdict(response.content)
        if verdict.given:
            raise Submitted(verdict_submission(verdict, "submitted in text"))
        raise MalformedAnswer(prompt("tools_format_error.md", tools=", ".join(TOOL_NAMES)))

    def _check_limits(self, record: Transcript, started: float) -> None:
        calls = int(record.usage.get("calls", 0))
        if calls >= self.max_steps:
            raise LimitReached(f"step limit reached: {calls} of {self.max_steps} steps")
        elapsed = self.clock() - started
        if elapsed >= self.max_seconds:
            raise LimitReached(f"time limit reached: {elapsed:.0f}s of {self.max_seconds:.0f}s")
