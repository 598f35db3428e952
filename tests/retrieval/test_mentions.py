"""What a problem statement names."""

from __future__ import annotations

from proctor.retrieval.mentions import extract_mentions, is_code_like

STATEMENT = """`TTLCache` keeps an item one tick too long. Calling `cache.expire()` or
get_item() does not help; see src/cachetools/__init__.py and w3lib.url.safe_url_string.
The URLs in IPv6 form fail. For lists the split happens too late.

```python
from cachetools import TTLCache
c = TTLCache(maxsize=10, ttl=1, timer=clock)
print(c)
```
"""


def test_code_names_are_sure_examples_less_so_and_known_words_least() -> None:
    mentions = extract_mentions(STATEMENT, known={"split", "lists", "For", "happens"})
    names = mentions.names
    assert names["TTLCache"] == 1.0  # backticks (and the example) name it
    assert names["expire"] == 1.0 and names["cache"] == 1.0  # inside backticks, dotted
    assert names["get_item"] == 1.0  # called
    assert names["safe_url_string"] == 1.0 and names["w3lib"] == 1.0  # dotted
    assert names["maxsize"] == 0.5 and names["clock"] == 0.5  # only in the example
    assert names["split"] == 0.3 and names["lists"] == 0.3 and names["happens"] == 0.3
    assert "For" not in names  # a capitalized word starting a sentence
    assert "URLs" not in names and "IPv6" not in names  # prose, not CamelCase
    assert "print" not in names and "from" not in names  # builtins and keywords


def test_paths_come_from_file_names_and_dotted_modules() -> None:
    mentions = extract_mentions(STATEMENT)
    assert mentions.paths["src/cachetools/__init__"] == 1.0
    # w3lib.url.safe_url_string: half the name's weight, times 2/3 of the parts
    assert mentions.paths["w3lib/url"] == 1 / 3
    assert mentions.paths["w3lib"] == 1 / 6
    assert mentions.path_weight("src/cachetools/__init__.py") == 1.0
    assert mentions.path_weight("w3lib/url.py") == 1 / 3
    assert mentions.path_weight("w3lib/__init__.py") == 1 / 6
    assert mentions.path_weight("lib/w3lib/url.py") == 1 / 3  # a suffix at a folder boundary
    assert mentions.path_weight("notw3lib/url.py") == 0.0
    assert mentions.path_weight("other.py") == 0.0


def test_code_like_words() -> None:
    assert [w for w in ["snake_case", "LRUCache", "getName", "HTTPError"] if is_code_like(w)] == [
        "snake_case",
        "LRUCache",
        "getName",
        "HTTPError",
    ]
    assert not any(is_code_like(w) for w in ["URLs", "IPv6", "Cache", "hello", "_private"])


def test_an_empty_statement_names_nothing() -> None:
    mentions = extract_mentions("It crashes.")
    assert dict(mentions.names) == {} and dict(mentions.paths) == {}
