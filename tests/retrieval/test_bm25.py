"""The code-aware tokenizer, BM25 over texts, and the whole-file baseline."""

from __future__ import annotations

from pathlib import Path

from proctor.retrieval.bm25 import BM25Index, FileBM25Retriever, tokenize, word_tokens


def test_identifiers_split_on_snake_and_camel_case_and_keep_the_whole() -> None:
    assert word_tokens("safe_url_string") == ("safe_url_string", "safe", "url", "string")
    assert word_tokens("HTTPResponseError") == (
        "httpresponseerror",
        "http",
        "response",
        "error",
    )
    assert word_tokens("getName2") == ("getname2", "get", "name")
    assert word_tokens("__init__") == ("init",)
    assert word_tokens("x") == ()


def test_tokenize_lowercases_and_drops_stopwords() -> None:
    text = "The cache_key of self.cachedMethod is not returned"
    assert tokenize(text) == [
        "cache_key",
        "cache",
        "key",
        "cachedmethod",
        "cached",
        "method",
        "returned",
    ]


def test_index_scores_the_matching_text_highest_and_unknown_queries_zero() -> None:
    index = BM25Index(["def round_cents(amount): ...", "class ShippingZone: ...", ""])
    scores = index.scores("rounding to cents is wrong")
    assert scores[0] > 0 and scores[1] == 0 and scores[2] == 0
    assert list(index.scores("zzz qqq")) == [0.0, 0.0, 0.0]
    assert list(BM25Index([]).scores("cents")) == []


def test_file_baseline_ranks_whole_files_and_fits_the_budget(shop: Path) -> None:
    retriever = FileBM25Retriever()
    ranked = retriever.rank("price discount percent", shop)
    assert ranked[0].path == "shop/pricing.py" and ranked[0].kind == "file"
    assert ranked[0].text == (shop / "shop/pricing.py").read_text()
    assert ranked[0].start_line == 1 and ranked[0].end_line == 13
    # pricing.py takes ~104 tokens rendered, the test ~45
    context = retriever.retrieve("price discount percent", shop, 120)
    assert [c.path for c in context.chunks] == ["shop/pricing.py"]
    assert 0 < context.tokens <= 120
    smaller = retriever.retrieve("price discount percent", shop, 60)
    assert [c.path for c in smaller.chunks] == ["tests/test_pricing.py"]
