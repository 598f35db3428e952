"""An isolated task solved blind: the function's prompt in, one answer, spliced into its file.

:class:`IsolatedSolver` is the :class:`~proctor.model.Solver` for tasks of kind
``isolated``. It sees only ``problem.isolated.prompt`` (decorators, signature, docstring),
asked with the HumanEval track's template (``prompts/humaneval.md``) so that isolated pairs
and HumanEval scores are comparable. The code is read off the answer with
:func:`~proctor.agent.extract.extract_completion`, exactly as on HumanEval, and put in
place of the stub with :func:`~proctor.agent.splice.splice_function`; the hidden tests of
the repository then judge it like any other attempt.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from proctor.agent.extract import Extraction, extract_completion, lift_method
from proctor.agent.splice import SpliceError, splice_function
from proctor.errors import ModelError
from proctor.files import write_atomic
from proctor.model import ChatModel, ChatResponse, Problem, Submission

__all__ = ["IsolatedSolver", "isolated_message"]

CONVERSATION_FILE = "conversation.json"


def isolated_message(prompt: str) -> str:
    """The user message asking for the function of ``prompt`` (the HumanEval template)."""
    template = resources.files("proctor.agent").joinpath("prompts", "humaneval.md")
    text = template.read_text(encoding="utf-8")
    return Template(text).safe_substitute(prompt=prompt.rstrip("\n"))


class IsolatedSolver:
    """Writes one function from its prompt alone and splices it into the checkout.

    Args:
        llm: the chat model that writes the function.
        name: the model's name in results.
        max_tokens: cap on the answer's length (the server's default when None).
        temperature: sampling temperature (0, as for HumanEval pass@1 with one sample).
    """

    def __init__(
        self,
        llm: ChatModel,
        *,
        name: str,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> None:
        self.llm = llm
        self.name = name
        self.max_tokens = max_tokens
        self.temperature = temperature

    def solve(self, problem: Problem) -> Submission:
        """Ask once, extract, splice; never raises.

        Returns ``submitted`` when the function was spliced in, ``malformed`` when no
        definition could be read off the answer or put in the file, ``limit`` when the budget
        was spent, ``error`` when the model's API failed or the task is not isolated. The
        conversation is saved to ``problem.workdir / "conversation.json"``.
        """
        record: dict[str, Any] = {"solver": self.name, "model": self.llm.name}
        record["task_id"] = problem.task_id
        submission = self._solve(problem, record)
        record["submission"] = asdict(submission)
        _save(problem.workdir / CONVERSATION_FILE, record)
        return submission

    def _solve(self, problem: Problem, record: dict[str, Any]) -> Submission:
        function = problem.isolated
        if function is None:
            return Submission("error", f"{problem.task_id} is not an isolated task")
        record["function"] = {"path": function.path, "qualname": function.qualname}
        messages = [{"role": "user", "content": isolated_message(function.prompt)}]
        record["messages"] = messages
        started = time.monotonic()
        try:
            response = self.llm.complete(
                messages, max_tokens=self.max_tokens, temperature=self.temperature
            )
        except ModelError as exc:
            return Submission.failed(exc)
        usage = _usage(response, time.monotonic() - started)
        record["messages"] = [*messages, {"role": "assistant", "content": response.content}]
        entry_point = function.qualname.rsplit(".", 1)[-1]
        answer = response.content
        if "." in function.qualname:
            answer = lift_method(answer, entry_point) or answer
        found = extract_completion(answer, function.prompt, entry_point)
        record["extraction"] = {"method": found.method, "completion": found.completion}
        if found.method not in ("function", "body"):
            return Submission(
                "malformed", f"no definition of {entry_point} in the answer", None, usage
            )
        target = problem.checkout / function.path
        try:
            source = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return Submission("error", f"cannot read {function.path}: {exc}", None, usage)
        try:
            spliced = splice_function(source, function.qualname, _new_code(found, function.prompt))
        except SpliceError as exc:
            return Submission("malformed", str(exc), None, usage)
        target.write_text(spliced, encoding="utf-8")
        return Submission("submitted", f"spliced {function.qualname} ({found.method})", None, usage)


def _new_code(found: Extraction, prompt: str) -> str:
    """A whole function stands alone; a body continues the prompt's signature."""
    return found.completion if found.method == "function" else prompt + found.completion


def _usage(response: ChatResponse, seconds: float) -> dict[str, float]:
    return {
        "calls": 1,
        "prompt_tokens": response.prompt_tokens,
        "completion_tokens": response.completion_tokens,
        "cost_usd": response.cost_usd,
        "latency_s": round(seconds, 3),
    }


def _save(path: Path, record: dict[str, Any]) -> None:
    """Write ``record`` as JSON atomically (a reader sees the old file or the new one)."""
    write_atomic(path, json.dumps(record, indent=1, ensure_ascii=False, default=str))
