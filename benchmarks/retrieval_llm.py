"""Benchmark: a local code LLM as a listwise reranker of the hybrid's top functions (not kept).

Agentless, LocAgent and SweRank put a large model on top of a candidate list. This tries the
same with the offline models proctor serves on a CPU (``--model``, a
:data:`proctor.model.weights.WEIGHTS` name): for each task of the tune part, the statement and
the hybrid's first 20 function units (path, qualified name, signature, first docstring line),
labelled A-T, go to the model in one prompt that asks for the letter of the function most likely
to need the change. The next-token distribution over the 20 letters (one forward pass, no
sampling) is the model's vote; it is then fused with the hybrid's normalized score three ways:

* ``+ w x p``: the letter's probability, times ``w``, added to the chunk's score;
* ``calibrated``: the same after dividing out the mean distribution over positions (the
  model's preference for early letters, measured over the tasks: contextual calibration);
* ``RRF``: reciprocal rank fusion of the hybrid's rank and the model's.

It also counts how often the model's first choice is a target, against the hybrid's first
function unit. Run from the repository root (offline: the mirrors are in repos/, the weights
in the cache; ``pip install 'proctor[local]'``)::

    .venv/bin/python benchmarks/retrieval_llm.py --model qwen2.5-coder-1.5b --out votes.jsonl

The votes are written to ``--out`` as they come (one JSON line per task) and read back on a
second run, so a killed run resumes.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from benchmarks.retrieval import Prepared, prepare, recall_cells

from proctor.model.weights import ensure_weights
from proctor.retrieval import Chunk, rank_chunks, split_by_repo
from proctor.retrieval.localization import score_ranking
from proctor.spec import load_suite

CANDIDATES = 20
LABELS = [chr(ord("A") + i) for i in range(CANDIDATES)]


def signature(chunk: Chunk) -> str:
    """The ``def`` line(s) of a function unit and the first line of its docstring."""
    head: list[str] = []
    for line in chunk.text.splitlines()[:5]:
        head.append(line.strip())
        if line.rstrip().endswith(":"):
            break
    doc = re.search(r'"""\s*(.+)', chunk.text)
    first = doc.group(1).strip().strip('"')[:100] if doc else ""
    return " ".join(head)[:200] + (f"  # {first}" if first else "")


def prompt(statement: str, functions: Sequence[Chunk]) -> str:
    """The ChatML prompt (Qwen's template) that asks for one letter."""
    listed = "\n".join(
        f"{LABELS[i]}. {c.path} :: {c.name}\n   {signature(c)}" for i, c in enumerate(functions)
    )
    user = (
        f"An issue was reported in a Python repository.\n\nISSUE:\n{statement[:2500]}\n\n"
        f"Candidate functions:\n{listed}\n\n"
        "Which candidate function is the one most likely to need a code change to fix the "
        "issue? Answer with its letter only."
    )
    return (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
    )


def votes(
    data: Sequence[Prepared], rankings: Sequence[list[Chunk]], model: str, out: Path
) -> dict[str, dict[str, Any]]:
    """Each task's candidates and the model's log-probabilities of their letters."""
    from llama_cpp import Llama  # optional: the local extra

    done: dict[str, dict[str, Any]] = {}
    if out.exists():
        for line in out.read_text().splitlines():
            vote = json.loads(line)
            done[vote["task"]] = vote
    todo = [(d, r) for d, r in zip(data, rankings, strict=True) if d.task.id not in done]
    if not todo:
        return done
    llm = Llama(model_path=str(ensure_weights(model)), n_ctx=4096, verbose=False)
    ids = [llm.tokenize(label.encode(), add_bos=False)[0] for label in LABELS]
    with out.open("a") as sink:
        for item, ranked in todo:
            functions = [c for c in ranked if c.kind == "function"][:CANDIDATES]
            llm.reset()
            llm.eval(llm.tokenize(prompt(item.task.problem_statement, functions).encode(),
                                  add_bos=False, special=True))  # fmt: skip
            logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),))
            chosen = logits[ids[: len(functions)]].astype(np.float64)
            vote = {
                "task": item.task.id,
                "candidates": [[c.path, c.name, c.start_line] for c in functions],
                "logp": (chosen - np.logaddexp.reduce(chosen)).round(4).tolist(),
            }
            sink.write(json.dumps(vote) + "\n")
            sink.flush()
            done[item.task.id] = vote
            print(f"  {item.task.id}: {LABELS[int(np.argmax(chosen))]}", flush=True)
    return done


def fused(
    ranked: list[Chunk], vote: dict[str, Any], how: str, w: float, prior: npt.NDArray[np.float64]
) -> list[Chunk]:
    """``ranked`` re-sorted with the model's vote fused in ``how`` (``p``, ``cal``, ``rrf``)."""
    logp = np.array(vote["logp"])
    if how == "cal":
        logp = logp - prior[: len(logp)]
        logp -= np.logaddexp.reduce(logp)
    p = np.exp(logp)
    model_rank = {int(i): r for r, i in enumerate(np.argsort(-p))}
    index = {tuple(c): i for i, c in enumerate(vote["candidates"])}
    top = max((c.score for c in ranked), default=1.0) or 1.0
    out = []
    for rank, chunk in enumerate(ranked):
        i = index.get((chunk.path, chunk.name, chunk.start_line))
        if chunk.kind != "function":
            i = None
        if how == "rrf":
            score = 1 / (60 + rank) + (w / (60 + model_rank[i]) if i is not None else 0.0)
        else:
            score = chunk.score / top + (w * float(p[i]) if i is not None else 0.0)
        out.append(replace(chunk, score=score))
    return sorted(out, key=lambda c: -c.score)


def main() -> None:
    """Print the model's hit rate and one row per fusion, on the tune part."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/main"))
    parser.add_argument("--repos-dir", type=Path, default=Path("repos"))
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--out", type=Path, required=True, help="votes, one JSON line a task")
    args = parser.parse_args()
    tune = split_by_repo(load_suite(args.suite))["tune"]
    with tempfile.TemporaryDirectory(prefix="proctor-bench-llm-") as tmp:
        data = prepare(tune, args.repos_dir, Path(tmp))
    rankings = [
        [c for c in rank_chunks(d.files, d.task.problem_statement).chunks if c.kind != "map"]
        for d in data
    ]
    voted = votes(data, rankings, args.model, args.out)
    cast = [voted[d.task.id] for d in data]
    sums, counts = np.zeros(CANDIDATES), np.zeros(CANDIDATES)
    for vote in cast:
        n = len(vote["logp"])
        sums[:n] += vote["logp"]
        counts[:n] += 1
    prior = sums / np.maximum(counts, 1)
    model_hits = hybrid_hits = 0
    for item, vote in zip(data, cast, strict=True):
        wanted = {(t.path, t.name, t.start_line) for t in item.targets if t.kind == "function"}
        if vote["candidates"]:
            model_hits += tuple(vote["candidates"][int(np.argmax(vote["logp"]))]) in wanted
            hybrid_hits += tuple(vote["candidates"][0]) in wanted
    print(f"first choice is a target: model {model_hits}, hybrid {hybrid_hits}, of {len(data)}")

    def cells(how: str, w: float) -> str:
        return recall_cells(
            score_ranking(d.task.id, d.targets, fused(r, v, how, w, prior), {})
            for d, r, v in zip(data, rankings, cast, strict=True)
        )

    print(f"| variant (tune part, {args.model}) | func@1 | func@5 | func@10 | mean@5 |")
    print("|---|---|---|---|---|")
    print(f"| default hybrid | {cells('p', 0.0)} |")
    for how, name in (("p", "+ w x p"), ("cal", "calibrated")):
        for w in (0.1, 0.3, 1.0):
            print(f"| {name}, w={w} | {cells(how, w)} |")
    for w in (0.5, 1.0):
        print(f"| RRF, model weight {w} | {cells('rrf', w)} |")


if __name__ == "__main__":
    main()
