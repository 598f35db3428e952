"""Feedback rounds in both agents: the earlier conversation goes on with the feedback."""

from __future__ import annotations

import json
from dataclasses import replace

from tests.agent.test_tools import EDIT

from proctor.agent import OneShotAgent, ToolAgent
from proctor.model import FollowUp
from proctor.model.base import Problem

HISTORY = (
    {"role": "system", "content": "You fix issues."},
    {"role": "user", "content": "# Issue\nmean is wrong"},
    {"role": "assistant", "content": "calc.py\n<<<<<<< SEARCH\n...\nCONFIDENCE: 0.9"},
)
REPORT = "I applied your change and ran the tests. The issue is not fixed yet."


def test_oneshot_argues_without_an_edit(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    before = (problem.checkout / "calc.py").read_text()
    llm = script(["My change is right.\nCONFIDENCE: 0.95"])
    followed = replace(problem, follow_up=FollowUp(HISTORY, REPORT))
    sub = OneShotAgent(llm, retriever).solve(followed)
    assert (sub.status, sub.confidence, sub.first_try) == ("no-edit", 0.95, None)
    assert (problem.checkout / "calc.py").read_text() == before
    sent = llm.seen[0]
    assert sent[:3] == [dict(m) for m in HISTORY]  # the same conversation, not a new one
    assert sent[3]["content"].startswith(REPORT) and len(sent) == 4
    saved = json.loads((problem.workdir / "conversation.json").read_text())
    assert len(saved["messages"]) == 5


def test_oneshot_revises_with_an_edit(script, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    fix = (
        "calc.py\n<<<<<<< SEARCH\n    return sum(values) / (len(values) + 1)\n=======\n"
        "    return sum(values) / len(values)\n>>>>>>> REPLACE\nCONFIDENCE: 0.7\n"
    )
    followed = replace(problem, follow_up=FollowUp(HISTORY, REPORT))
    sub = OneShotAgent(script([fix]), retriever).solve(followed)
    assert (sub.status, sub.first_try) == ("submitted", True)
    assert "/ len(values)" in (problem.checkout / "calc.py").read_text()


def test_tools_agent_continues_the_conversation(script, reply, retriever, problem: Problem) -> None:  # type: ignore[no-untyped-def]
    llm = script([reply(("edit", EDIT)), reply(("submit", '{"confidence": 0.6}'))])
    followed = replace(problem, follow_up=FollowUp(HISTORY, REPORT))
    sub = ToolAgent(llm, retriever).solve(followed)
    assert (sub.status, sub.confidence, sub.first_try) == ("submitted", 0.6, True)
    first = llm.seen[0]
    assert first[:3] == [dict(m) for m in HISTORY]
    assert first[3]["role"] == "user" and first[3]["content"].startswith(REPORT)
    assert "submit" in first[3]["content"]
