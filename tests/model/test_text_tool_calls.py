"""parse_text_tool_calls on tool calls written as text, as real servers return them."""

from __future__ import annotations

import json

import pytest

from proctor.model.openai_model import parse_text_tool_calls

# Captured from Qwen2.5-Coder-0.5B-Instruct Q4_K_M on llama-cpp-python 0.3.36's server,
# tools offered, tool_choice "auto": the call arrives as content (it named a tool that was
# not offered; telling it so is the agent's business).
QWEN_BARE = '{"name": "mean", "arguments": {"path": "/home/user/calc.py"}}'

# Same server, asked to call two tools: one fenced call, pretty-printed.
QWEN_FENCED = (
    '```json\n{\n  "name": "read_file",\n  "arguments": {\n'
    '    "path": "/home/user/repo/calc.py"\n  }\n}\n```'
)

# Qwen2.5 / Hermes chat template: calls wrapped in <tool_call> tags, one per call.
QWEN_TAGS = """<tool_call>
{"name": "read_file", "arguments": {"path": "calc.py"}}
</tool_call>
<tool_call>
{"name": "run_tests", "arguments": {"argv": ["pytest", "-q", "tests/test_calc.py"]}}
</tool_call>"""

# Chatty models put the call in a fenced block after an explanation.
FENCED = """I need to look at the implementation first.

```json
{
  "name": "read_file",
  "arguments": {"path": "calc.py"}
}
```
"""

# Llama 3.x style: "parameters" instead of "arguments".
LLAMA_PARAMETERS = '{"name": "search", "parameters": {"query": "def mean("}}'

# Mistral style: [TOOL_CALLS] then a list.
MISTRAL_LIST = (
    '[TOOL_CALLS] [{"name": "read_file", "arguments": {"path": "a.py"}}, '
    '{"name": "read_file", "arguments": {"path": "b.py"}}]'
)

# An OpenAI-shaped call echoed as text, arguments already a JSON string.
OPENAI_SHAPED = (
    'Calling: {"type": "function", "function": {"name": "write_file", '
    '"arguments": "{\\"path\\": \\"x.py\\", '
    '\\"text\\": \\"def f():\\\\n    return {1: 2}\\\\n\\"}"}}'
)


def names_and_args(content: str) -> list[tuple[str, object]]:
    return [(c.name, json.loads(c.arguments)) for c in parse_text_tool_calls(content)]


def test_bare_json() -> None:
    [call] = parse_text_tool_calls(QWEN_BARE)
    assert (call.id, call.name, json.loads(call.arguments)) == (
        "text_call_0",
        "mean",
        {"path": "/home/user/calc.py"},
    )


def test_fenced_pretty_printed() -> None:
    assert names_and_args(QWEN_FENCED) == [("read_file", {"path": "/home/user/repo/calc.py"})]


def test_tool_call_tags_two_calls() -> None:
    assert names_and_args(QWEN_TAGS) == [
        ("read_file", {"path": "calc.py"}),
        ("run_tests", {"argv": ["pytest", "-q", "tests/test_calc.py"]}),
    ]
    assert [c.id for c in parse_text_tool_calls(QWEN_TAGS)] == ["text_call_0", "text_call_1"]


def test_fenced_json_after_prose() -> None:
    assert names_and_args(FENCED) == [("read_file", {"path": "calc.py"})]


def test_parameters_key() -> None:
    assert names_and_args(LLAMA_PARAMETERS) == [("search", {"query": "def mean("})]


def test_list_of_calls() -> None:
    assert names_and_args(MISTRAL_LIST) == [
        ("read_file", {"path": "a.py"}),
        ("read_file", {"path": "b.py"}),
    ]


def test_string_arguments_are_kept_verbatim() -> None:
    [call] = parse_text_tool_calls(OPENAI_SHAPED)
    assert call.name == "write_file"
    assert json.loads(call.arguments)["text"] == "def f():\n    return {1: 2}\n"


def test_braces_inside_arguments_do_not_make_extra_calls() -> None:
    text = '{"name": "write", "arguments": {"code": "x = {\\"name\\": 1, \\"arguments\\": 2}"}}'
    assert len(parse_text_tool_calls(text)) == 1


@pytest.mark.parametrize(
    "content",
    [
        "",
        "The bug is in mean(): it divides by len(values) + 1.",
        "```python\ndef mean(values):\n    return sum(values) / len(values)\n```",
        '{"name": "read_file"}',  # no arguments
        '{"answer": 42, "arguments": {}}',  # no name
        '<tool_call>\n{"name": "read_file", "arguments": {"path": \n</tool_call>',  # cut off
        "[1, 2, 3] {not json} [[[",
    ],
)
def test_no_calls(content: str) -> None:
    assert parse_text_tool_calls(content) == []
