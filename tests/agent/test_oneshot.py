"""The one-shot agent with a scripted chat model: every way an answer can end."""

from __future__ import annotations

import json
from pathlib import Path

from proctor.agent import OneShotAgent, render_context
from proctor.agent.oneshot import MAX_REFLECTIONS, RESAMPLE_TEMPERATURE
from proctor.errors import BudgetExceeded, ModelError
from proctor.model.base import Problem, Solver
from proctor.model.llm import ChatResponse
from proctor.retrieval.base import Context

FIX = """The divisor is off by one.

calc.py
```python
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    return sum(values) / len(values)
>>>>>>> REPLACE
```

CONFIDENCE: 0.8
"""

BAD = """calc.py
```python
<<<<<<< SEARCH
def add(a, b):
=======
def add(a: float, b: float) -> float:
>>>>>>> REPLACE
```

calc.py
```python
<<<<<<< SEARCH
    total = sum(values)
    return total / (count + 1)
=======
    return sum(values) / len(values)
>>>>>>> REPLACE
```
CONFIDENCE: 0.6
"""


def _saved(problem: Problem) -> dict:  # type: ignore[type-arg]
    return json.loads((problem.workdir / "conversation.json").read_text())


def test_success(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = script([FIX])
    agent = OneShotAgent(llm, retriever, budget_tokens=1234)
    assert isinstance(agent, Solver)
    assert agent.name == "fake+oneshot"
    sub = agent.solve(problem)
    assert (sub.status, sub.confidence) == ("submitted", 0.8)
    assert "calc.py (exact)" in sub.message
    assert sub.usage["calls"] == 1 and sub.usage["prompt_tokens"] == 100
    assert "return sum(values) / len(values)\n" in (problem.checkout / "calc.py").read_text()
    assert retriever.asked == [(problem.statement, problem.checkout, 1234)]
    [sent] = llm.seen
    assert sent[0]["role"] == "system" and "<<<<<<< SEARCH" in sent[0]["content"]
    # one worked example as an earlier turn, then the task
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert "<<<<<<< SEARCH" in sent[2]["content"] and "CONFIDENCE:" in sent[2]["content"]
    assert problem.statement in sent[3]["content"]
    assert "def mean(values):" in sent[3]["content"]  # the retrieved chunk
    assert "def add(a, b)" in sent[3]["content"]  # the repo map
    saved = _saved(problem)
    assert saved["submission"]["status"] == "submitted"
    roles = [m["role"] for m in saved["messages"]]
    assert roles == ["system", "user", "assistant", "user", "assistant"]
    assert saved["steps"][0]["applied"][0]["how"] == "exact"


def test_malformed(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    before = (problem.checkout / "calc.py").read_text()
    prose = "Just divide by len(values).\nCONFIDENCE: 0.9"
    llm = script([prose] * (1 + MAX_REFLECTIONS))
    sub = OneShotAgent(llm, None).solve(problem)
    assert sub.status == "malformed"
    retry = llm.seen[1][-1]["content"]  # sent back once, with the reason
    assert retry.startswith("No edit could be read from your answer: no edit blocks")
    # sent back up to MAX_REFLECTIONS times (as Aider), each time sampled
    assert llm.temperatures == [0.0] + [RESAMPLE_TEMPERATURE] * MAX_REFLECTIONS
    # the same request drawn again (its unreadable answer withdrawn), the seed moved on
    assert llm.seen[1] == llm.seen[2] == llm.seen[3] and llm.draws == [0, 0, 1, 2]
    assert "no edit blocks" in sub.message
    assert sub.confidence == 0.9  # stated, though there is no edit: confidently wrong
    assert (problem.checkout / "calc.py").read_text() == before
    assert _saved(problem)["submission"]["status"] == "malformed"


def test_cut_off_answer_is_malformed(script, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    cut = ChatResponse(FIX.split("=======")[0], finish_reason="length")
    llm = script([cut] * (1 + MAX_REFLECTIONS))
    sub = OneShotAgent(llm, None).solve(problem)
    assert sub.status == "malformed"
    assert "(your answer was cut off at the length limit)" in llm.seen[1][-1]["content"]
    assert "unterminated" in sub.message and sub.message.endswith("(answer cut off)")
    assert sub.confidence is None  # none stated: missing, never made up


def test_a_withdrawn_answer_hides_nothing_from_the_checkout(
    script, retriever, problem: Problem
) -> None:  # type: ignore[no-untyped-def]
    # the cheat: make an edit in an answer that is then withdrawn, so that the conversation
    # (feedback rounds, the report) no longer shows it; the checkout, which is what is graded,
    # still has it: withdrawing leaves out messages, never edits
    same = "    return sum(values) / (len(values) + 1)"

    def block(replace: str) -> str:
        return (
            f"calc.py\n<<<<<<< SEARCH\n{same}\n=======\n{replace}\n>>>>>>> REPLACE\nCONFIDENCE: 1\n"
        )

    hidden = block(same + "   ")  # trailing spaces: no code, so it is sent back and redrawn
    llm = script([block(same), block(same), hidden, "CANNOT FIX: no idea"])
    sub = OneShotAgent(llm, retriever).solve(problem)
    assert sub.status == "cannot-fix"
    saved = _saved(problem)
    assert saved["messages"][saved["withdrawn"][-1]]["content"] == hidden
    assert f"{same}   \n" in (problem.checkout / "calc.py").read_text()


def test_malformed_then_fixed_on_retry(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    sub = OneShotAgent(script(["CONFIDENCE: 0.8", FIX]), retriever).solve(problem)
    assert (sub.status, sub.confidence, sub.first_try) == ("submitted", 0.8, False)
    assert "return sum(values) / len(values)" in (problem.checkout / "calc.py").read_text()


def test_bad_block_fixed_on_retry(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = script([BAD, FIX.replace("0.8", "0.7")])
    sub = OneShotAgent(llm, retriever).solve(problem)
    assert (sub.status, sub.confidence) == ("submitted", 0.7)
    text = (problem.checkout / "calc.py").read_text()
    assert "def add(a: float, b: float) -> float:" in text  # the first answer's good block stayed
    assert "return sum(values) / len(values)\n" in text
    retry = llm.seen[1][-1]
    assert retry["role"] == "user"
    assert "SEARCH text not found" in retry["content"]
    assert "calc.py (exact)" in retry["content"]  # it is told what already applied
    assert llm.temperatures == [0.0, 0.0]  # a failed edit is corrected, not resampled
    assert sub.usage["calls"] == 2


def test_retry_repeating_applied_blocks_is_fine(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    fixed = BAD.split("calc.py\n", 2)[1]  # the good block again
    llm = script([BAD, "calc.py\n" + fixed + "\n" + FIX])
    sub = OneShotAgent(llm, retriever).solve(problem)
    assert sub.status == "submitted"
    assert "already-applied" in sub.message


def test_still_bad_is_patch_failed(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    still = BAD.split("calc.py\n", 2)[2]
    sub = OneShotAgent(script([BAD, "calc.py\n" + still]), retriever).solve(problem)
    assert sub.status == "patch-failed"
    assert "not-found" in sub.message and sub.confidence == 0.6
    assert _saved(problem)["submission"]["status"] == "patch-failed"


def test_unreadable_retry_is_patch_failed(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = script([BAD] + ["Sorry, I am not sure."] * (1 + MAX_REFLECTIONS))
    sub = OneShotAgent(llm, retriever).solve(problem)
    assert sub.status == "patch-failed"
    assert "retry unreadable" in sub.message
    assert len(llm.seen) == 2 + MAX_REFLECTIONS  # the correction, then the reflections


def test_cannot_fix(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    before = (problem.checkout / "calc.py").read_text()
    answer = FIX.replace("CONFIDENCE: 0.8", "CANNOT FIX: needs the C extension")
    sub = OneShotAgent(script([answer]), retriever).solve(problem)
    assert (sub.status, sub.message) == ("cannot-fix", "needs the C extension")
    assert (problem.checkout / "calc.py").read_text() == before  # CANNOT FIX wins: nothing applied


def test_model_errors_are_recorded(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    sub = OneShotAgent(script([ModelError("server said 500")]), retriever).solve(problem)
    assert (sub.status, sub.message) == ("error", "server said 500")
    assert _saved(problem)["submission"]["message"] == "server said 500"
    sub = OneShotAgent(script([BAD, BudgetExceeded("token budget spent")]), retriever).solve(
        problem
    )
    assert (sub.status, sub.message) == ("limit", "token budget spent")


def test_renderer_can_be_swapped(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = script([FIX])
    OneShotAgent(llm, retriever, renderer=lambda ctx: "CUSTOM CONTEXT", name="x").solve(problem)
    assert "CUSTOM CONTEXT" in llm.seen[0][-1]["content"]


def test_render_context(retriever) -> None:  # type: ignore[no-untyped-def]
    text = render_context(retriever.ctx)
    assert text.index("Repository map") < text.index("calc.py (lines 10-12, function mean)")
    assert render_context(Context(())) == "(no code was retrieved)"


def test_conversation_folder_is_made(script, retriever, problem: Problem, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deep = Problem(
        problem.task_id, problem.repo, problem.statement, problem.checkout, tmp_path / "a" / "b"
    )
    OneShotAgent(script([FIX]), None).solve(deep)
    assert (tmp_path / "a" / "b" / "conversation.json").is_file()
