"""The one-shot agent under the function format's grammar, and its retry of a no-op answer."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pytest
from tests.agent.conftest import CALC, FixedRetriever
from tests.fake_chat import ScriptedLLM, Step

from proctor.agent import OneShotAgent
from proctor.agent.edits import EditBlock
from proctor.agent.grammar import function_grammar
from proctor.agent.oneshot import MAX_REFLECTIONS, RESAMPLE_TEMPERATURE, changes_code
from proctor.model import FollowUp, takes_grammar
from proctor.model.base import Problem
from proctor.model.llm import ChatResponse
from proctor.retrieval.base import Chunk, Context

MEAN = CALC.split("\n\n\n")[2]
COPIED = f"calc.py\n```python\n{MEAN}```\nCONFIDENCE: 0.9\n"
FIXED = (
    "calc.py\n```python\ndef mean(values):\n    return sum(values) / len(values)\n```\n"
    "CONFIDENCE: 0.8\n"
)
GRAMMAR = function_grammar({"calc.py": ["def mean("]})
PLANNED = function_grammar({"calc.py": ["def mean("]}, plan=True)


@pytest.fixture
def retriever() -> FixedRetriever:
    """The code of ``mean`` at its lines in calc.py (9-11: its def line is shown)."""
    return FixedRetriever(Context((Chunk("calc.py", 9, 11, MEAN, "function", "mean", 1.0),)))


class GrammarLLM(ScriptedLLM):
    """A scripted model whose endpoint takes a grammar; records the grammar of each call."""

    def __init__(self, script: Sequence[Step], *, takes: bool = True) -> None:
        super().__init__(script)
        self.takes_grammar = takes
        self.grammars: list[str | None] = []

    def complete(  # type: ignore[override]
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        draw: int = 0,
        grammar: str | None = None,
    ) -> ChatResponse:
        self.grammars.append(grammar)
        return super().complete(
            messages, tools=tools, max_tokens=max_tokens, temperature=temperature, draw=draw
        )


def _steps(problem: Problem) -> list[dict[str, Any]]:
    saved = json.loads((problem.workdir / "conversation.json").read_text())
    return list(saved["steps"])


def test_function_answers_are_decoded_under_the_grammar(retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    assert GRAMMAR is not None and '"def mean("' in GRAMMAR
    llm = GrammarLLM([FIXED])
    assert takes_grammar(llm)
    sub = OneShotAgent(llm, retriever, edit_format="function").solve(problem)
    assert (sub.status, sub.first_try) == ("submitted", True)
    assert llm.grammars == [GRAMMAR]
    assert _steps(problem)[0]["grammar"] == GRAMMAR  # the run's record shows the constraint


def test_no_grammar_for_other_formats_models_or_when_off(retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    fix = (
        "calc.py\n<<<<<<< SEARCH\n    return sum(values) / (len(values) + 1)\n=======\n"
        "    return sum(values) / len(values)\n>>>>>>> REPLACE\nCONFIDENCE: 0.5\n"
    )
    other_format = GrammarLLM([fix])
    no_grammar_endpoint = GrammarLLM([FIXED], takes=False)
    switched_off = GrammarLLM([FIXED])
    nothing_shown = GrammarLLM([FIXED])
    for llm, fmt, shown, constrain in (
        (other_format, "search-replace", retriever, True),
        (no_grammar_endpoint, "function", retriever, True),
        (switched_off, "function", retriever, False),
        (nothing_shown, "function", None, True),
    ):
        (problem.checkout / "calc.py").write_text(CALC)
        agent = OneShotAgent(llm, shown, edit_format=fmt, constrain=constrain)
        assert agent.solve(problem).status == "submitted"
    for llm in (other_format, no_grammar_endpoint, switched_off, nothing_shown):
        assert llm.grammars == [None]
    assert "grammar" not in _steps(problem)[0]
    # a model with no grammar at all is called as before (ScriptedLLM takes no grammar=)
    (problem.checkout / "calc.py").write_text(CALC)
    plain = ScriptedLLM([FIXED])
    assert OneShotAgent(plain, retriever, edit_format="function").solve(problem).status == (
        "submitted"
    )


def test_a_no_op_answer_is_sent_back_once(retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = GrammarLLM([COPIED, "CHANGE: divide by len(values)\n" + FIXED])
    sub = OneShotAgent(llm, retriever, edit_format="function").solve(problem)
    assert (sub.status, sub.confidence) == ("submitted", 0.8)
    assert sub.first_try is True  # the first answer did parse and apply: compliance counts it
    assert "return sum(values) / len(values)" in (problem.checkout / "calc.py").read_text()
    retry = llm.seen[1][-1]
    assert retry["role"] == "user" and "change nothing" in retry["content"]
    assert "calc.py" in retry["content"]
    # the retry is decoded under the grammar too, opening with a line saying what changes
    assert llm.grammars == [GRAMMAR, PLANNED] and "CHANGE:" in retry["content"]
    # at temperature 0 a small model repeats itself word for word: the retry is sampled
    assert llm.temperatures == [0.0, RESAMPLE_TEMPERATURE]
    first, second = _steps(problem)
    assert first["no_op"] is True and "no_op" not in second
    assert "temperature" not in first and second["temperature"] == RESAMPLE_TEMPERATURE


def test_a_copy_only_reformatted_is_a_no_op_too(retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    reformatted = COPIED.replace("(len(values) + 1)", "(\n        len(values) + 1  # n\n    )")
    llm = GrammarLLM([reformatted, "CHANGE: divide by len(values)\n" + FIXED])
    sub = OneShotAgent(llm, retriever, edit_format="function").solve(problem)
    assert sub.status == "submitted" and len(llm.seen) == 2
    assert "change nothing" in llm.seen[1][-1]["content"]
    assert _steps(problem)[0]["no_op"] is True
    assert "return sum(values) / len(values)" in (problem.checkout / "calc.py").read_text()


def test_a_no_op_is_sent_back_at_most_max_reflections_times(retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = GrammarLLM([COPIED] * (1 + MAX_REFLECTIONS))
    sub = OneShotAgent(llm, retriever, edit_format="function").solve(problem)
    assert sub.status == "submitted" and len(llm.seen) == 1 + MAX_REFLECTIONS  # then submitted
    assert llm.grammars == [GRAMMAR] + [PLANNED] * MAX_REFLECTIONS
    assert (problem.checkout / "calc.py").read_text() == CALC
    # shown its own copy, a small model copies it again: each later reflection draws the first
    # reflection's request again, its answer withdrawn, with the seed moved on
    assert llm.seen[1] == llm.seen[2] == llm.seen[3]
    assert llm.draws == [0, 0, 1, 2]
    assert [s.get("draw") for s in _steps(problem)] == [None, None, 1, 2]
    saved = json.loads((problem.workdir / "conversation.json").read_text())
    answers = [m for m in saved["messages"] if m["role"] == "assistant"]
    assert len(answers) == 1 + MAX_REFLECTIONS  # the record keeps every answer
    assert [saved["messages"][i]["role"] for i in saved["withdrawn"]] == ["assistant"] * 2


def test_a_no_op_then_an_unreadable_answer_then_a_fix(retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = GrammarLLM([COPIED, "CHANGE: fix it\nI think it is fine.", FIXED])
    sub = OneShotAgent(llm, retriever, edit_format="function").solve(problem)
    assert (sub.status, sub.first_try) == ("submitted", True)  # the first answer did apply
    assert "return sum(values) / len(values)" in (problem.checkout / "calc.py").read_text()
    assert "No edit could be read" in llm.seen[2][-1]["content"]
    assert llm.temperatures == [0.0, RESAMPLE_TEMPERATURE, RESAMPLE_TEMPERATURE]


def test_reflections_of_another_kind_are_not_drawn_again(retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = GrammarLLM([COPIED, "CHANGE: fix it\nI think it is fine.", COPIED, FIXED])
    sub = OneShotAgent(llm, retriever, edit_format="function").solve(problem)
    assert sub.status == "submitted" and llm.draws == [0, 0, 0, 0]
    # no-op, unreadable, no-op: each reflection answers the last, so the conversation grows
    for earlier, later in zip(llm.seen, llm.seen[1:], strict=False):
        assert later[: len(earlier)] == earlier and len(later) == len(earlier) + 2
    saved = json.loads((problem.workdir / "conversation.json").read_text())
    assert saved["withdrawn"] == []


def test_a_no_op_search_replace_block_is_sent_back(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    same = "    return sum(values) / (len(values) + 1)"
    noop = f"calc.py\n<<<<<<< SEARCH\n{same}\n=======\n{same}   \n>>>>>>> REPLACE\nCONFIDENCE: 1\n"
    llm = script([noop, "CANNOT FIX: I do not see the bug"])
    sub = OneShotAgent(llm, retriever).solve(problem)
    assert sub.status == "cannot-fix" and len(llm.seen) == 2


def test_no_retry_and_no_grammar_in_a_feedback_round(retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    history = ({"role": "system", "content": "s"}, {"role": "user", "content": "u"})
    llm = GrammarLLM([COPIED])
    followed = replace(problem, follow_up=FollowUp(history, "Still broken."))
    sub = OneShotAgent(llm, retriever, edit_format="function").solve(followed)
    assert sub.status == "submitted" and len(llm.seen) == 1  # the reply may defend its fix
    assert llm.grammars == [None]


def test_changes_code_by_hand() -> None:
    def block(old: str, new: str, path: str = "a.py") -> EditBlock:
        return EditBlock(path, old, new)

    assert not changes_code([block("x = 1\n", "x = 1   \n\n")])  # trailing spaces, blank line
    assert changes_code([block("if a:\n    x = 1\ny = 2\n", "if a:\n    x = 1\n    y = 2\n")])
    assert changes_code([block("x = 1\n", "x = 1\n"), block("y = 1\n", "y = 2\n")])
    assert not changes_code([])
    # Python that parses alone: the same syntax tree is the same code
    wrapped = "    def f(self,\n          a='x'):\n        # add\n        return a + 1\n"
    joined = '    def f(self, a="x"):\n        return a + 1  # add\n'
    assert not changes_code([block(wrapped, joined)])  # reformatted, comment moved
    assert changes_code([block(wrapped, joined.replace("+ 1", "+ 2"))])
    assert changes_code([block('def f():\n    "Old."\n', 'def f():\n    "New."\n')])
    # ... at the same indentation only: moved out of a block, a line is other code
    assert changes_code([block("    return a\n", "return a\n")])
    # ... and in Python files only; a part that does not parse alone is compared by its lines
    assert changes_code([block("a = ( 1 )\n", "a = (1)\n", path="a.txt")])
    assert changes_code([block("if a:\n", "if  a:\n")])
