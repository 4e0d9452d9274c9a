"""What every fake provider server shares: a thread on 127.0.0.1 that records each request,
answers queued failures first, then the provider's own ``handle``."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    route: str
    """The path without the server's prefix (``/v1``, Azure's ``/openai``), e.g. ``/files``."""
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None
    """Parsed JSON, for multipart a dict of field name to value (files as bytes), for a PUT
    the raw bytes."""


@dataclass
class Failure:
    status: int
    body: dict[str, Any] | bytes
    """JSON, or bytes sent as they are (a captive portal's page, an empty body)."""
    headers: dict[str, str] = field(default_factory=dict)


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().strip(), 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("Content-Length", 0)))


def parse_body(content_type: str, raw: bytes) -> Any:
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            filename = part.get_filename()
            # Files and upload parts stay bytes; plain fields are text.
            fields[name] = payload if name in ("file", "data") else payload.decode()
            if filename is not None:
                fields[f"{name}.filename"] = filename
        return fields
    return json.loads(raw) if raw else None


def chat_completion(model: str, answer: str, completion_id: str) -> dict[str, Any]:
    """A chat completion as the OpenAI-compatible APIs answer one."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": answer},
            }
        ],
    }


Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
"""Status and JSON body (``bytes``: sent as they are), optionally with headers."""


class FakeProvider:
    prefixes: tuple[str, ...] = ("/v1",)
    """Stripped from a path to give ``Recorded.route``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.failures: dict[tuple[str, str], list[Failure]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(
        self,
        method: str,
        route: str,
        status: int,
        body: dict[str, Any] | bytes,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with an error."""
        self.failures.setdefault((method, route), []).extend(
            Failure(status, body, headers or {}) for _ in range(times)
        )

    def sent(self, method: str, route: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.route == route]

    def routes(self) -> list[tuple[str, str]]:
        return [(r.method, r.route) for r in self.requests]

    def next_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids):04d}"

    def handle(self, request: Recorded) -> Answer:
        raise NotImplementedError


def _handler(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output clean."""

        def _serve(self) -> None:
            url = urlsplit(self.path)
            route = url.path
            for prefix in fake.prefixes:
                if route.startswith(prefix + "/"):
                    route = route[len(prefix) :]
            raw = read_body(self)
            content_type = self.headers.get("Content-Type", "")
            body = raw if self.command == "PUT" else parse_body(content_type, raw)
            request = Recorded(
                self.command,
                route,
                url.path,
                parse_qs(url.query),
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            with fake._lock:
                fake.requests.append(request)
                pending = fake.failures.get((self.command, route))
                failure = pending.pop(0) if pending else None
                if failure:
                    answer: Answer = (failure.status, failure.body, dict(failure.headers))
                else:
                    answer = fake.handle(request)
            status, payload, headers = (*answer, {})[:3]
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    return Handler
