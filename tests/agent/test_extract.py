"""Extraction of the completion from realistic chat answers."""

from __future__ import annotations

import pytest

from proctor.agent.extract import code_blocks, extract_completion, strip_reasoning
from proctor.sandbox.pool import Executor, Job
from proctor.spec.humaneval import HumanEvalProblem, check_program

PROMPT = '''from typing import List


def below_zero(operations: List[int]) -> bool:
    """ Given deposit and withdrawal operations on a bank account that starts with zero
    balance, return True if at any point the balance falls below zero.
    >>> below_zero([1, 2, 3])
    False
    >>> below_zero([1, 2, -4, 5])
    True
    """
'''
ENTRY = "below_zero"
FUNCTION = """def below_zero(operations: List[int]) -> bool:
    balance = 0
    for op in operations:
        balance += op
        if balance < 0:
            return True
    return False
"""
BODY = """    balance = 0
    for op in operations:
        balance += op
        if balance < 0:
            return True
    return False
"""


def extract(answer: str) -> tuple[str, str]:
    found = extract_completion(answer, PROMPT, ENTRY)
    compile(PROMPT + found.completion, "<program>", "exec")  # always a valid program
    return found.completion, found.method


def test_chatty_answer_with_one_block() -> None:
    answer = (
        "Sure! Here's a simple implementation that keeps a running balance:\n\n"
        f"```python\nfrom typing import List\n\n{FUNCTION}```\n\n"
        "### Explanation\n1. Start at zero.\n2. Return `True` as soon as it dips below zero.\n"
    )
    completion, method = extract(answer)
    assert method == "function"
    assert completion.startswith("\nfrom typing import List\n")
    assert FUNCTION in completion


def test_example_usage_block_is_not_chosen_and_demo_code_is_dropped() -> None:
    answer = (
        f"```python\n{FUNCTION}\n\nprint(below_zero([1, 2, -4, 5]))  # True\n"
        'if __name__ == "__main__":\n    import doctest\n    doctest.testmod()\n```\n'
        "You can try it:\n```python\n>>> below_zero([1, -2])\nTrue\n```\n"
        "```python\nassert below_zero([]) is False\n```\n"
    )
    completion, method = extract(answer)
    assert method == "function"
    assert "print(" not in completion and "__main__" not in completion
    assert "balance += op" in completion


def test_reasoning_is_skipped() -> None:
    answer = (
        "<think>\nThe user wants below_zero. A first try:\n```python\n"
        "def below_zero(operations):\n    return sum(operations) < 0\n```\n"
        "No, that checks only the end balance. Track a running sum instead.\n</think>\n\n"
        f"```python\n{FUNCTION}```"
    )
    completion, _ = extract(answer)
    assert "sum(operations) < 0" not in completion
    assert "balance += op" in completion
    assert strip_reasoning("<think>x</think>answer") == "answer"
    assert strip_reasoning("reasoning without an opener</think>\nanswer") == "\nanswer"


def test_truncated_reasoning_falls_back_to_code_inside_it() -> None:
    answer = f"<think>\nLet me write it.\n```python\n{FUNCTION}```\nNow let me double-check"
    completion, method = extract(answer)
    assert method == "function" and "balance += op" in completion


def test_helpers_from_other_blocks_are_merged() -> None:
    answer = (
        "First a helper:\n```python\nimport itertools\n\n\n"
        "def running_sums(values):\n    return itertools.accumulate(values)\n```\n"
        "Then the function:\n```python\ndef below_zero(operations):\n"
        "    return any(total < 0 for total in running_sums(operations))\n```\n"
        "And a test:\n```python\nassert below_zero([1, 2, -4, 5])\n```\n"
    )
    completion, method = extract(answer)
    assert method == "function"
    assert completion.index("import itertools") < completion.index("def running_sums")
    assert completion.index("def running_sums") < completion.index("def below_zero")
    assert "assert below_zero" not in completion


def test_bare_body_continuation() -> None:
    completion, method = extract(BODY)
    assert method == "body"
    assert completion == BODY


def test_body_continuation_followed_by_junk() -> None:
    answer = BODY + "\n\n\nThis function iterates over the operations and checks the balance."
    completion, method = extract(answer)
    assert method == "body"
    assert completion.rstrip() == BODY.rstrip()


def test_dedented_body_in_a_fence_is_reindented() -> None:
    body = "\n".join(line[4:] for line in BODY.splitlines()) + "\n"
    completion, method = extract(f"```python\n{body}```")
    assert method == "body"
    assert completion == BODY


def test_answer_repeating_the_prompt_without_fences() -> None:
    completion, method = extract(PROMPT + BODY + "\n\nprint(below_zero([1, -2]))\n")
    assert method == "function"
    assert "print(" not in completion
    assert BODY in completion


def test_prose_then_unfenced_code() -> None:
    answer = f"Here is my solution.\n\n{FUNCTION}\nIt runs in O(n) time."
    completion, method = extract(answer)
    assert method == "function"
    assert FUNCTION.strip() in completion


def test_non_python_blocks_are_ignored() -> None:
    answer = f"```bash\npip install nothing\n```\n```python\n{FUNCTION}```\n```text\nTrue\n```"
    completion, _ = extract(answer)
    assert "pip install" not in completion and "balance" in completion


def test_fence_nested_in_a_list_item() -> None:
    indented = "".join(f"   {line}\n" for line in FUNCTION.splitlines())
    answer = f"1. Write the function:\n\n   ```python\n{indented}   ```\n2. Done."
    completion, method = extract(answer)
    assert method == "function"
    assert "\ndef below_zero" in completion


def test_unclosed_fence_of_a_truncated_answer() -> None:
    completion, method = extract(f"```python\n{FUNCTION}")
    assert method == "function" and "return False" in completion


def test_no_code_at_all() -> None:
    assert extract("I'm sorry, I can't help with that.") == ("", "empty")
    assert extract("") == ("", "empty")


def test_code_blocks_keeps_languages_and_order() -> None:
    text = "```py\na = 1\n```\ntext\n~~~\nb = 2\n~~~\n```js\nc\n```"
    assert code_blocks(text) == [("py", "a = 1\n"), ("", "b = 2\n"), ("js", "c\n")]


@pytest.mark.parametrize(
    "answer",
    [
        f"```python\nfrom typing import List\n\n{FUNCTION}```",
        BODY,
        f"<think>hmm</think>\n{PROMPT}{BODY}",
        f"Explanation first.\n\n```python\n{FUNCTION}\n\nprint(below_zero([1]))\n```",
    ],
)
def test_extracted_answers_pass_the_tests(answer: str, executor: Executor) -> None:
    problem = HumanEvalProblem(
        task_id="t",
        prompt=PROMPT,
        entry_point=ENTRY,
        test=(
            "def check(candidate):\n    assert candidate([1, 2, -4, 5]) is True\n"
            "    assert candidate([1, 2, 3]) is False\n    assert candidate([]) is False\n"
        ),
        canonical_solution=BODY,
    )
    completion = extract_completion(answer, PROMPT, ENTRY).completion
    [verdict] = executor.run([Job(check_program(problem, completion), 3.0)])
    assert verdict.passed, verdict.result


def test_lift_method_out_of_an_invented_class() -> None:
    from proctor.agent.extract import lift_method

    answer = (
        "```python\nfrom collections import OrderedDict\n\nclass MyDict:\n"
        "    def __init__(self):\n        self.items = {}\n\n"
        '    def popitem(self):\n        """Doc."""\n        return self.items.popitem()\n\n'
        "d = MyDict()\nprint(d.popitem())\n```"
    )
    lifted = lift_method(answer, "popitem")
    assert lifted is not None
    assert 'def popitem(self):\n    """Doc."""\n    return self.items.popitem()' in lifted
    assert "from collections import OrderedDict" in lifted
    assert "class MyDict" not in lifted and "__init__" not in lifted
    assert lift_method("```python\ndef popitem(self):\n    pass\n```", "popitem") is None
    assert lift_method("no code at all", "popitem") is None
