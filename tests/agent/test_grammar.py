"""The ``function`` format's grammar: which first lines it allows, and its GBNF text."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.agent.gbnf import matches

from proctor.agent.formats import apply_answer
from proctor.agent.grammar import (
    function_grammar,
    function_headers,
    gbnf_literal,
    shown_functions,
)
from proctor.errors import ConfigError
from proctor.model.local import LocalServer, llama_cpp_available
from proctor.model.openai_model import OpenAIChatModel
from proctor.model.weights import ensure_weights
from proctor.retrieval.base import Chunk, Context

SOURCE = """import os


def top(a):
    return a


class A:
    def get(self):
        return 1

    async def put(self, x):
        def inner():
            pass


class B:
    def get(self):
        return 2

    @property
    def size(self):
        return 0
"""
# def lines: top 4, A.get 9, A.put 12 (inner 13), B.get 18, B.size 22


def test_literal_escapes_what_gbnf_needs() -> None:
    assert gbnf_literal('a"b\\c\nd\te') == '"a\\"b\\\\c\\nd\\te"'
    assert gbnf_literal("src/pkg/mod.py") == '"src/pkg/mod.py"'


def test_headers_of_the_functions_whose_def_line_is_shown() -> None:
    everything = function_headers(SOURCE, [(1, 30)])
    assert everything == [
        "def top(",
        "class A:\n    def get(",  # get is also B's: only inside its class
        "class A:\n    async def put(",  # nested functions are not spliceable: no inner
        "async def put(",
        "class B:\n    def get(",
        "class B:\n    def size(",
        "def size(",
    ]
    assert function_headers(SOURCE, [(4, 4), (20, 30)]) == [
        "def top(",
        "class B:\n    def size(",
        "def size(",
    ]
    assert function_headers(SOURCE, [(5, 8)]) == []  # a body without its def line
    assert function_headers("def broken(:\n", [(1, 9)]) == []


def test_shown_functions_reads_the_shown_files(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(SOURCE)
    (tmp_path / "other.py").write_text("X = 1\n")
    chunks = (
        Chunk("pkg/mod.py", 17, 23, "class B: ...", "class", "B"),
        Chunk("other.py", 1, 1, "X = 1", "module"),  # shown, but no function in it
        Chunk("gone.py", 1, 5, "def f(): ...", "function", "f"),  # not in the checkout
        Chunk("../escape.py", 1, 5, "def f(): ...", "function", "f"),
        Chunk("pkg/mod.py", 1, 5, "outline", "map"),  # the map is not code
        Chunk("pkg/mod.py", 4, 5, "def top(a): ...", "function", "top"),
    )
    assert shown_functions(Context(chunks), tmp_path) == {
        "pkg/mod.py": ["def top(", "class B:\n    def get(", "class B:\n    def size(", "def size("]
    }


def test_the_grammar_text_by_hand() -> None:
    assert function_grammar({}) is None
    assert function_grammar({"a.py": []}) is None
    heads = {"calc.py": ["def mean(", "class C:\n    async def add("], 'q"t.py': ["def f("]}
    assert function_grammar(heads) == (
        "root ::= cannot | edits\n"
        'cannot ::= "CANNOT FIX: " [^\\n]{1,300}\n'
        'edits ::= block ("\\n"? block){0,2} "\\n"? "CONFIDENCE: " number\n'
        "block ::= file0 | file1\n"
        'file0 ::= ("calc.py\\n```python\\n" | "```python\\n# " "calc.py" ":"? "\\n") '
        '("def mean(" | "class C" bases? ":\\n    async def add(") params "```\\n"\n'
        'file1 ::= ("q\\"t.py\\n```python\\n" | "```python\\n# " "q\\"t.py" ":"? "\\n") '
        '("def f(") params "```\\n"\n'
        'bases ::= "(" [^)\\n]* ")"\n'
        'params ::= [A-Za-z_*)] code | "\\n" next\n'
        'code ::= [^\\n#]* ":" [ \\t]* "\\n" after | ([^\\n#]* [^:\\n \\t#])? [ \\t]* "\\n" next\n'
        'rest ::= [^\\n]* ":" [ \\t]* "\\n" after | ([^\\n]* [^:\\n \\t])? [ \\t]* "\\n" next\n'
        'next ::= ([^`\\n] rest | "\\n" next)?\n'
        'after ::= [ \\t]* [^ \\t\\n`"\'#] rest | [ \\t]* "#" [^\\n]* "\\n" after '
        '| [ \\t]* "\\n" after\n'
        'number ::= "0" ("." [0-9] [0-9]?)? | "1" (".0")?\n'
    )


HEADS = {"calc.py": ["def mean(", "class C:\n    async def add("]}
BODY = "values):\n    total = sum(values)\n\n    return total / len(values)\n"
DOC = '"""Mean."""'


@pytest.mark.parametrize(
    "answer",
    [
        f"calc.py\n```python\ndef mean({BODY}```\nCONFIDENCE: 0.9",
        f"```python\n# calc.py:\ndef mean({BODY}```\n\n```python\n# calc.py\ndef mean({BODY}```\n"
        "CONFIDENCE: 1",
        "```python\n# calc.py\nclass C(Base):\n    async def add(self, x):\n        return x\n```\n"
        "CONFIDENCE: 0",
        "CANNOT FIX: the code is not shown",
        # a string may open a line that does not follow one ending with ':'
        'calc.py\n```python\ndef mean(v):\n    raise ValueError(\n        "empty"\n    )\n```\n'
        "CONFIDENCE: 0.5",
        'calc.py\n```python\ndef mean(v=["a:"]):\n    x = {\n        "k": 1}\n    return x\n```\n'
        "CONFIDENCE: 0.5",
        'calc.py\n```python\ndef mean(\n    values,\n):\n    return "x:"\n```\nCONFIDENCE: 0.5',
        # comments and blank lines may come before the statement after a ':' line
        "calc.py\n```python\ndef mean(v):\n    # the mean:\n\n    return v\n```\nCONFIDENCE: 1",
        "calc.py\n```python\ndef mean(*v):\n    return v\n```\nCONFIDENCE: 1",
        "calc.py\n```python\ndef mean():\n    return 0\n```\nCONFIDENCE: 1",
    ],
)
def test_answers_in_the_grammars_language(answer: str) -> None:
    assert matches(str(function_grammar(HEADS)), answer)


@pytest.mark.parametrize(
    "answer",
    [
        # no docstring: a line after one ending with ':' may not open with a quote
        f"calc.py\n```python\ndef mean(values):\n    {DOC}\n    return 1\n```\nCONFIDENCE: 1",
        "calc.py\n```python\ndef mean(values):  \n    '''M.'''\n    return 1\n```\nCONFIDENCE: 1",
        'calc.py\n```python\ndef mean(\n    v,\n) -> float:\n    "M."\n    return 1\n```\n'
        "CONFIDENCE: 1",
        'calc.py\n```python\ndef mean(v):\n    if v:\n        "x"\n```\nCONFIDENCE: 1',
        # a body of comments alone, which does not parse
        "calc.py\n```python\ndef mean(v):\n    # Your implementation here\n```\nCONFIDENCE: 1",
        "calc.py\n```python\ndef mean(v):\n    if v:\n\n```\nCONFIDENCE: 1",
        # a comment on the def line, where a folded signature would hide its parameters
        "calc.py\n```python\ndef mean(  # pylint: disable=x v):\n    return v\n```\nCONFIDENCE: 1",
        # parameters that no Python signature opens with (a chunk title copied)
        "calc.py\n```python\ndef mean(9-19 (function mean)\n    return 1\n```\nCONFIDENCE: 1",
        "calc.py\n```python\ndef mean( 9-19 (function mean)\n    return 1\n```\nCONFIDENCE: 1",
        f"calc.py\n```python\ndef median({BODY}```\nCONFIDENCE: 1",  # not a shown function
        f"other.py\n```python\ndef mean({BODY}```\nCONFIDENCE: 1",  # not a shown file
        f"calc.py\n```python\ndef mean({BODY}```\n",  # no CONFIDENCE line
        "CONFIDENCE: 0.8",  # the bare non-answer
        f"Here is the fix:\ncalc.py\n```python\ndef mean({BODY}```\nCONFIDENCE: 1",
    ],
)
def test_answers_outside_the_grammars_language(answer: str) -> None:
    assert not matches(str(function_grammar(HEADS)), answer)


@pytest.mark.parametrize("opening", ["calc.py\n```python\n", "```python\n# calc.py:\n"])
def test_an_answer_in_the_grammars_language_applies(repo: Path, opening: str) -> None:
    # the shapes the grammar allows: path and fence (or fence and path comment), an allowed
    # def line, code, fence, CONFIDENCE
    code = "def mean(values):\n    return sum(values) / len(values)\n"
    answer = f"{opening}{code}```\nCONFIDENCE: 0.9"
    assert apply_answer(answer, repo, "function") == ""
    assert "return sum(values) / len(values)" in (repo / "calc.py").read_text()


GRAMMAR_PARSES = pytest.mark.skipif(
    not llama_cpp_available(),
    reason="llama-cpp-python not installed (pip install 'proctor[local]')",
)


@GRAMMAR_PARSES
def test_a_llama_cpp_server_answers_under_the_grammar(repo: Path, tmp_path: Path) -> None:
    try:
        ensure_weights("smollm2-135m")
    except ConfigError as exc:
        pytest.skip(f"weights for smollm2-135m cannot be had: {exc}")
    context = Context((Chunk("calc.py", 1, 12, (repo / "calc.py").read_text(), "file"),))
    heads = shown_functions(context, repo)
    assert heads == {"calc.py": ["def add(", "def mean("]}
    grammar = function_grammar(heads)
    messages = [
        {"role": "user", "content": "Fix mean in calc.py:\n" + (repo / "calc.py").read_text()}
    ]
    with LocalServer("smollm2-135m", threads=1, ctx=1024) as server:
        model = OpenAIChatModel(server.spec(), record_dir=tmp_path, timeout_s=300)
        assert model.takes_grammar
        answer = model.complete(messages, max_tokens=60, grammar=grammar).content
    print(f"\nsmollm2-135m under the grammar: {answer!r}")
    openings = ("calc.py\n```python\n", "```python\n# calc.py\n", "```python\n# calc.py:\n")
    allowed = ("CANNOT FIX: ", *(o + h for o in openings for h in ("def add(", "def mean(")))
    assert answer.startswith(allowed), answer
    assert '"grammar": "root ::= cannot | edits' in (tmp_path / "calls.jsonl").read_text()


def test_a_planned_answer_says_what_changes_first() -> None:
    answer = f"calc.py\n```python\ndef mean({BODY}```\nCONFIDENCE: 0.9"
    planned = str(function_grammar(HEADS, plan=True))
    assert matches(planned, "CHANGE: divide by the length\n" + answer)
    assert matches(planned, "CANNOT FIX: no idea")
    assert not matches(planned, answer)  # the line is required
    assert not matches(planned, "CHANGE: \n" + answer)  # and says something
    assert not matches(planned, "CHANGE: 59-146 (function mean)\n" + answer)  # in words
    assert matches(planned, "CHANGE: none needed\nCANNOT FIX: it already works")
    # one bounded line: a 0.5B model left free rambles on it until the answer's cap
    assert not matches(planned, "CHANGE: " + "x" * 302 + "\n" + answer)
    assert not matches(planned, "CHANGE: a CANNOT FIX: b CONFIDENCE: 1.0.0.0.0")
    assert not matches(planned, "CANNOT FIX: " + "no " * 101)
