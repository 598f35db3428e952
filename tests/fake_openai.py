"""A fake OpenAI-compatible chat server on 127.0.0.1, for tests that go through real HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar


class FakeOpenAI(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, str]]] = []
    seen: ClassVar[list[dict[str, object]]] = []
    responder: ClassVar[Callable[[dict[str, object]], str] | None] = None
    """Answers a request body when ``answers`` is empty (a model that reads the conversation)."""
    models_status: ClassVar[int] = 200
    """Status of ``GET /models`` (the preflight's request)."""

    def do_GET(self) -> None:
        status = type(self).models_status
        body = {"object": "list", "data": []} if status == 200 else {"error": {"message": "no"}}
        self._send(status, body)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        responder = type(self).responder
        if type(self).answers:
            status, text = type(self).answers.pop(0)
        else:
            status, text = 200, responder(body) if responder is not None else "no idea"
        payload = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": text},
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }
        self._send(status, payload if status == 200 else {"error": {"message": text}})

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serve() -> Iterator[str]:
    """Run the fake server; yields its base URL (answers and records reset)."""
    FakeOpenAI.answers = []
    FakeOpenAI.seen = []
    FakeOpenAI.responder = None
    FakeOpenAI.models_status = 200
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
