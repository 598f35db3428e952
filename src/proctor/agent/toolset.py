"""The tools of the tool-using agent: their JSON schemas, what they do, and reading text calls.

Every tool takes its arguments as a JSON object and returns text for the model. A call that
cannot be carried out (bad JSON, a wrong argument, an unknown tool, a path outside the checkout)
returns ``error: ...`` as its result; only ``submit`` ends the conversation, by raising
:class:`~proctor.agent.errors.Submitted`.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from proctor.agent.edits import EditBlock, apply_block, safe_path
from proctor.agent.errors import EditNotApplied, Feedback, Submitted, ToolFailed, UnsafePath
from proctor.errors import ConfigError, SandboxError
from proctor.model import Problem, Submission, ToolCall
from proctor.retrieval import Definition, ParsedFile, parse_repo, rank_chunks, tokenize
from proctor.testrun import RunOptions, get_runner

MAX_LIST = 300
MAX_READ_LINES = 400
MAX_MATCHES = 100
MAX_RANKED = 15
MAX_LINE = 300
MAX_FILE_BYTES = 1_000_000
OUTPUT_TAIL = 6000
SKIP_DIRS = frozenset({".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".venv"})


def _tool(tool: str, description: str, required: list[str], /, **props: Any) -> dict[str, Any]:
    schema = {"type": "object", "properties": props, "required": required}
    return {
        "type": "function",
        "function": {"name": tool, "description": description, "parameters": schema},
    }


def _p(kind: str, description: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "description": description, **extra}


TOOL_SCHEMAS: tuple[dict[str, Any], ...] = (
    _tool(
        "list_files",
        "List a folder (folders end in /), or the files under it matching a glob.",
        [],
        path=_p("string", "Folder relative to the repository root; '.' for the root."),
        glob=_p("string", "Optional glob matched against paths under the folder, e.g. '*.py'."),
    ),
    _tool(
        "read_file",
        f"Read lines of a file, numbered (at most {MAX_READ_LINES} lines at a time).",
        ["path"],
        path=_p("string", "File relative to the repository root."),
        start_line=_p("integer", "First line, 1-based (default 1)."),
        end_line=_p("integer", "Last line, inclusive (default: as far as allowed)."),
    ),
    _tool(
        "search",
        f"Search the repository with a Python regular expression (first {MAX_MATCHES} hits), "
        f"or give `query` instead: words or names, answered with the {MAX_RANKED} functions "
        "and classes that match them best (the index behind the first prompt's code).",
        [],
        regex=_p("string", "Python regular expression, matched line by line."),
        path_glob=_p("string", "Optional glob on file paths, e.g. 'src/**/*.py'."),
        query=_p("string", "Instead of regex: words or names, e.g. 'progress bar render end'."),
    ),
    _tool(
        "find_symbol",
        "Find where a function or class is defined (its def/class lines), from the code index.",
        ["name"],
        name=_p("string", "Name of the function, method or class, e.g. 'mean' or 'Cache.get'."),
    ),
    _tool(
        "edit",
        "Replace one occurrence of `search` (copied exactly from the file) with `replace`.",
        ["path", "search", "replace"],
        path=_p("string", "File relative to the repository root."),
        search=_p("string", "Lines to replace, copied from the file; must match one place."),
        replace=_p("string", "The lines that take their place."),
    ),
    _tool(
        "create_file",
        "Create a new file with the given content (fails if the file exists: use edit).",
        ["path", "content"],
        path=_p("string", "File relative to the repository root."),
        content=_p("string", "The whole content of the file."),
    ),
    _tool(
        "run_tests",
        "Run the repository's tests (its test command, e.g. pytest) with the given arguments; "
        "returns the end of its output.",
        [],
        args=_p("array", "test runner arguments, e.g. ['tests/test_x.py', '-x', '-q'].", items={}),
    ),
    _tool(
        "submit",
        "Finish: your change is in the files. Say how confident you are that it fixes the issue.",
        ["confidence"],
        confidence=_p("number", "0 to 1: how likely your change fixes the issue."),
        cannot_fix=_p("string", "Set only if you cannot fix the issue: the reason."),
    ),
)
TOOL_NAMES = tuple(t["function"]["name"] for t in TOOL_SCHEMAS)


class Toolbox:
    """Runs tool calls against one problem's checkout.

    Args:
        problem: its checkout is what the tools see and change; its ``exec`` runs the tests.
        test_timeout_s: wall-clock limit of one ``run_tests`` call.
    """

    def __init__(self, problem: Problem, *, test_timeout_s: float = 300.0) -> None:
        self.problem = problem
        self.root = problem.checkout.resolve()
        self.test_timeout_s = test_timeout_s
        self.first_edit: bool | None = None
        """Whether the first ``edit`` or ``create_file`` call applied; None before one."""
        self._tools: dict[str, Callable[[Mapping[str, Any]], str]] = {
            "list_files": self.list_files,
            "read_file": self.read_file,
            "search": self.search,
            "find_symbol": self.find_symbol,
            "edit": self.edit,
            "create_file": self.create_file,
            "run_tests": self.run_tests,
            "submit": self.submit,
        }

    def run(self, call: ToolCall) -> str:
        """The result of ``call`` as text; ``error: ...`` when it cannot be carried out.

        Raises:
            Submitted: the call was ``submit``.
        """
        tool = self._tools.get(call.name)
        if tool is None:
            return f"error: unknown tool {call.name!r}; the tools are {', '.join(TOOL_NAMES)}"
        try:
            return tool(_arguments(call.arguments))
        except (Feedback, SandboxError) as exc:
            return f"error: {exc}"
        except OSError as exc:
            return f"error: {exc.strerror or exc}"

    def list_files(self, args: Mapping[str, Any]) -> str:
        folder = self._path(_str(args, "path", "."))
        if not folder.is_dir():
            raise ToolFailed(f"{_str(args, 'path', '.')!r} is not a folder")
        pattern = _str(args, "glob", "")
        if pattern:
            names = [
                self._rel(p) for p in self._files(folder) if _glob(self._rel(p, folder), pattern)
            ]
        else:
            names = sorted(
                p.name + ("/" if p.is_dir() else "") for p in folder.iterdir() if p.name != ".git"
            )
        return _capped(names, MAX_LIST, "entries") or "(nothing)"

    def read_file(self, args: Mapping[str, Any]) -> str:
        path = self._path(_str(args, "path"))
        if not path.is_file():
            raise ToolFailed(f"no file {_str(args, 'path')!r}")
        lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
        start = max(1, _int(args, "start_line", 1))
        end = min(len(lines), _int(args, "end_line", start + MAX_READ_LINES - 1))
        end = min(end, start + MAX_READ_LINES - 1)
        body = "\n".join(f"{k:>5}| {lines[k - 1]}" for k in range(start, end + 1))
        note = f"[{self._rel(path)}: lines {start}-{end} of {len(lines)}]"
        return f"{body}\n{note}" if body else note

    def search(self, args: Mapping[str, Any]) -> str:
        query = _str(args, "query", "").strip()
        if query and args.get("regex") is None:
            return self._ranked(query, _str(args, "path_glob", ""))
        try:
            regex = re.compile(_str(args, "regex"))
        except re.error as exc:
            raise ToolFailed(f"bad regular expression: {exc}") from None
        pattern = _str(args, "path_glob", "")
        return self._grep(regex, pattern) or "(no matches)"

    def _ranked(self, query: str, pattern: str) -> str:
        """The best functions/classes for ``query`` by the retriever's own ranking."""
        ranking = rank_chunks(parse_repo(self.root), query)
        words = set(tokenize(query))
        hits = [
            f"{c.path}:{c.start_line}-{c.end_line}: {c.kind} {c.name}"
            for c in ranking.chunks[: MAX_RANKED * 20]
            if c.kind in {"function", "class"}
            and (not pattern or _glob(c.path, pattern))
            and words & set(tokenize(f"{c.path} {c.name}\n{c.text}"))
        ]
        return "\n".join(hits[:MAX_RANKED]) or "(no matches)"

    def find_symbol(self, args: Mapping[str, Any]) -> str:
        wanted = _str(args, "name").strip()
        name = wanted.split(".")[-1]
        if not name.isidentifier():
            raise ToolFailed(f"{name!r} is not a Python name")
        defined = [
            (parsed, d)
            for parsed in parse_repo(self.root)
            for d in parsed.definitions
            if d.kind != "variable" and d.short_name == name
        ]
        exact = [(p, d) for p, d in defined if "." in wanted and d.name == wanted]
        hits = [_definition_line(p, d) for p, d in exact or defined]
        return _capped(hits, MAX_MATCHES, "definitions") or f"(no definition of {name!r})"

    def edit(self, args: Mapping[str, Any]) -> str:
        block = EditBlock(_str(args, "path"), _str(args, "search"), _str(args, "replace"))
        if not block.search.strip():
            raise ToolFailed("search is empty: quote the lines to replace (or use create_file)")
        try:
            applied = apply_block(self.root, block)
        except EditNotApplied as exc:
            self._first(ok=False)
            raise ToolFailed(f"{exc}" + (f"\n{exc.hint}" if exc.hint else "")) from None
        self._first(ok=True)
        return f"edited {applied.path} ({applied.how})"

    def _first(self, *, ok: bool) -> None:
        if self.first_edit is None:
            self.first_edit = ok

    def create_file(self, args: Mapping[str, Any]) -> str:
        rel = _str(args, "path")
        path = self._path(rel)
        if path.exists():
            self._first(ok=False)
            raise ToolFailed(f"{rel} exists; change it with edit")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_str(args, "content").encode("utf-8"))
        self._first(ok=True)
        return f"created {self._rel(path)}"

    def run_tests(self, args: Mapping[str, Any]) -> str:
        if self.problem.exec is None:
            return "not available: tests cannot be run for this task"
        raw = args.get("args", [])
        argv = shlex.split(raw) if isinstance(raw, str) else raw
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            raise ToolFailed("args must be a list of strings")
        try:
            runner = get_runner(self.problem.runner)
        except ConfigError as exc:
            raise ToolFailed(str(exc)) from None
        command = self.problem.test_cmd or runner.default_command
        as_typed = RunOptions(extra=tuple(argv))  # the model's own options and test ids
        res = self.problem.exec(runner.argv(command, [], as_typed), self.test_timeout_s)
        status = "timed out" if res.timed_out else f"exit code {res.returncode}"
        output = (res.stdout + ("\n" + res.stderr if res.stderr else "")).strip()
        if len(output) > OUTPUT_TAIL:
            output = "[...]\n" + output[-OUTPUT_TAIL:]
        return f"{status}\n{output}"

    def submit(self, args: Mapping[str, Any]) -> str:
        confidence = args.get("confidence")
        if isinstance(confidence, str):
            confidence = confidence.strip().rstrip("%")
        try:
            value = float(confidence)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ToolFailed("confidence must be a number from 0 to 1") from None
        value = value / 100 if 1 < value <= 100 and value.is_integer() else value
        if not 0 <= value <= 1:
            raise ToolFailed("confidence must be a number from 0 to 1")
        reason = _str(args, "cannot_fix", "").strip()
        if reason:
            raise Submitted(Submission("cannot-fix", reason, value))
        raise Submitted(Submission("submitted", "", value))

    def _path(self, rel: str) -> Path:
        return safe_path(self.root, rel)

    def _rel(self, path: Path, base: Path | None = None) -> str:
        return path.relative_to(base or self.root).as_posix()

    def _files(self, folder: Path) -> Iterator[Path]:
        """Files under ``folder``, sorted, outside .git and caches, none leading outside."""
        for top, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for name in sorted(files):
                path = Path(top, name)
                if path.is_symlink():
                    try:
                        safe_path(self.root, self._rel(path))
                    except UnsafePath:
                        continue
                if path.is_file():
                    yield path

    def _grep(self, regex: re.Pattern[str], pattern: str) -> str:
        hits: list[str] = []
        for path in self._files(self.root):
            rel = self._rel(path)
            if pattern and not _glob(rel, pattern):
                continue
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
            if b"\0" in data[:4096]:
                continue
            for k, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
                if regex.search(line):
                    hits.append(f"{rel}:{k}: {line.strip()[:MAX_LINE]}")
                    if len(hits) > MAX_MATCHES:
                        return _capped(hits, MAX_MATCHES, "matches")
        return "\n".join(hits)


def _definition_line(parsed: ParsedFile, definition: Definition) -> str:
    """``path:line: def ...`` at the ``def``/``class`` line (after any decorators)."""
    header = definition.signature.split("\n", 1)[0].strip()
    lines = parsed.text.split("\n")
    line = definition.start_line
    while line < definition.end_line and lines[line - 1].strip() != header:
        line += 1
    return f"{parsed.path}:{line}: {header[:MAX_LINE]}"


def _arguments(text: str) -> Mapping[str, Any]:
    """The JSON object of a call's arguments (some servers encode it twice)."""
    try:
        args: Any = json.loads(text) if text.strip() else {}
        if isinstance(args, str):  # encoded twice
            args = json.loads(args)
    except json.JSONDecodeError as exc:
        raise ToolFailed(f"arguments are not valid JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(args, dict):
        raise ToolFailed("arguments must be a JSON object")
    return args


def _str(args: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if value is None:
        raise ToolFailed(f"missing argument {key!r}")
    if not isinstance(value, str):
        raise ToolFailed(f"argument {key!r} must be a string")
    return value


def _int(args: Mapping[str, Any], key: str, default: int) -> int:
    value = args.get(key)
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ToolFailed(f"argument {key!r} must be an integer") from None


def _glob(rel: str, pattern: str) -> bool:
    """``pattern`` matches the path, or (without a slash in it) the file name."""
    name = rel.rsplit("/", 1)[-1]
    if fnmatch.fnmatch(rel, pattern):
        return True
    if pattern.startswith("**/") and fnmatch.fnmatch(rel, pattern[3:]):
        return True
    return "/" not in pattern and fnmatch.fnmatch(name, pattern)


def _capped(items: list[str], limit: int, what: str) -> str:
    if len(items) <= limit:
        return "\n".join(items)
    return "\n".join(items[:limit]) + f"\n[... more {what}; narrow the request]"


_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|\Z)", re.DOTALL)
_FENCED = re.compile(r"```(?:json|tool_call)?\s*\n(.*?)```", re.DOTALL)


def parse_text_tool_calls(text: str) -> list[ToolCall]:
    """Tool calls written into a reply's text (for servers without native tool calls; pure).

    Reads JSON objects with ``name`` and ``arguments`` (or ``parameters``/``args``, or an
    OpenAI-style ``function`` object), alone or in a list, inside ``<tool_call>`` tags, inside
    fenced code blocks, or bare in the text. Returns [] when there are none.
    """
    for pattern in (_TAGGED, _FENCED):
        pieces = [m.group(1) for m in pattern.finditer(text)]
        calls = [c for piece in pieces for c in _calls_in(piece)]
        if calls:
            return _numbered(calls)
    return _numbered(_calls_in(text))


def _calls_in(text: str) -> list[tuple[str, str]]:
    """(name, arguments) of the tool-call objects in ``text``, bare or scanned for."""
    decoder = json.JSONDecoder()
    found: list[tuple[str, str]] = []
    i = 0
    while (start := _next_json(text, i)) >= 0:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            i = start + 1
            continue
        items = value if isinstance(value, list) else [value]
        found += [c for c in map(_as_call, items) if c is not None]
        i = end
    return found


def _next_json(text: str, start: int) -> int:
    hits = [k for k in (text.find("{", start), text.find("[", start)) if k >= 0]
    return min(hits) if hits else -1


def _as_call(item: object) -> tuple[str, str] | None:
    if not isinstance(item, dict):
        return None
    function = item.get("function")
    if isinstance(function, dict):
        item = function
    name = item.get("name") or item.get("tool")
    if not isinstance(name, str) or not name:
        return None
    args: Any = next((item[k] for k in ("arguments", "parameters", "args") if k in item), {})
    return name, args if isinstance(args, str) else json.dumps(args)


def _numbered(calls: list[tuple[str, str]]) -> list[ToolCall]:
    return [ToolCall(f"text-{k}", name, args) for k, (name, args) in enumerate(calls, 1)]
