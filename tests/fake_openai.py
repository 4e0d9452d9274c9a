"""A small OpenAI-compatible fine-tuning server on 127.0.0.1 that records every request.

It implements what tunelint uses: files (multipart upload, retrieve, delete), uploads (parts,
complete), fine-tuning jobs (create, list, retrieve, cancel, events) and chat completions. An
uploaded file is ``uploaded`` until it has been retrieved ``file_polls`` times, then
``processed`` (or ``error``); creating a job from a file that is not processed is refused with
the API's HTTP 400. A retrieved job moves one step along validating_files -> running ->
succeeded, with events and step metrics on the way.
Paths are accepted under ``/v1`` (OpenAI) and ``/openai`` (Azure). ``tests/conftest.py``
loads this module as a plugin, which gives every test the ``fake`` fixture.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

STEPS = 3
KEY = "sk-test-0123456789-secret"


@dataclass
class Recorded:
    method: str
    route: str
    """The path without its ``/v1`` or ``/openai`` prefix, e.g. ``/fine_tuning/jobs``."""
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None
    """Parsed JSON, or for multipart a dict of field name to value (files as bytes)."""


@dataclass
class Failure:
    status: int
    body: dict[str, Any] | bytes
    """JSON, or bytes sent as they are (a captive portal's page, an empty body)."""
    headers: dict[str, str] = field(default_factory=dict)


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.failures: dict[tuple[str, str], list[Failure]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self._file_polls: dict[str, int] = {}
        self.file_polls = 2
        """The retrieve (GET /files/{id}) that first finds a file processed; 0: at once."""
        self.reject_files: dict[str, str] = {}
        """Uploaded file name -> the ``status_details`` its processing fails with."""
        self.file_status = True
        """Files carry a status (some compatible endpoints leave it out)."""
        self.hold = False
        """Jobs stay ``running`` forever (to interrupt a follower)."""
        self.fail_jobs_with: str | None = None
        """Jobs end ``failed`` with this message instead of succeeding."""
        self.answers: dict[str, str] = {}
        """Chat completion replies keyed by the last message's content."""
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

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

    def add_job(self, **body: Any) -> str:
        """A job as if created through the API, without recording a request."""
        request = Recorded("POST", "/fine_tuning/jobs", "", {}, {}, body)
        with self._lock:
            return str(self.handle(request)[1]["id"])

    def sent(self, method: str, route: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.route == route]

    # -- the API -------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids):04d}"

    def _event(self, job_id: str, message: str, kind: str = "message", data: Any = None) -> None:
        self.events[job_id].append(
            {
                "id": self._id("ftevent"),
                "object": "fine_tuning.job.event",
                "created_at": int(time.time()),
                "level": "info",
                "message": message,
                "type": kind,
                "data": data,
            }
        )

    def _file(self, filename: str, size: int, purpose: str) -> dict[str, Any]:
        file = {
            "id": self._id("file"),
            "object": "file",
            "bytes": size,
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "uploaded",
            "status_details": None,
        }
        self.files[file["id"]] = file
        self._file_polls[file["id"]] = 0
        return self._file_seen(file["id"])

    def _file_seen(self, file_id: str) -> dict[str, Any]:
        """The file as an answer shows it, settled once retrieved ``file_polls`` times."""
        file = self.files[file_id]
        if file["status"] == "uploaded" and self._file_polls[file_id] >= self.file_polls:
            reason = self.reject_files.get(file["filename"])
            file["status"] = "error" if reason else "processed"
            file["status_details"] = reason
        if self.file_status:
            return dict(file)
        return {k: v for k, v in file.items() if not k.startswith("status")}

    def _unprocessed(self, body: dict[str, Any]) -> tuple[int, Any] | None:
        """The API's 400 for a job whose training or validation file is not processed."""
        for param in ("training_file", "validation_file"):
            file = self.files.get(body.get(param) or "")
            if file is None or file["status"] == "processed":
                continue  # unknown ids stand for files uploaded elsewhere (``add_job``)
            if file["status"] == "uploaded":
                message = (
                    f"File '{file['id']}' is still being processed and is not ready to be "
                    "used for fine-tuning. Please try again later."
                )
            else:
                message = f"File '{file['id']}' failed processing: {file['status_details']}"
            error = {"message": message, "type": "invalid_request_error", "param": param}
            return 400, {"error": {**error, "code": None}}
        return None

    def handle(self, request: Recorded) -> tuple[int, Any]:
        route, method, body = request.route, request.method, request.body
        parts = route.strip("/").split("/")
        if method == "POST" and route == "/files":
            content = body["file"]
            return 200, self._file(body["file.filename"], len(content), body["purpose"])
        if parts[0] == "files" and len(parts) == 2 and parts[1] not in self.files:
            error = {"message": f"No such File object: {parts[1]}", "type": "invalid_request_error"}
            return 404, {"error": {**error, "param": "id", "code": None}}
        if method == "GET" and parts[0] == "files" and len(parts) == 2:
            self._file_polls[parts[1]] += 1
            return 200, self._file_seen(parts[1])
        if method == "DELETE" and parts[0] == "files" and len(parts) == 2:
            del self.files[parts[1]]
            return 200, {"id": parts[1], "object": "file", "deleted": True}
        if method == "POST" and route == "/uploads":
            upload = {
                "id": self._id("upload"),
                "object": "upload",
                "bytes": body["bytes"],
                "created_at": int(time.time()),
                "expires_at": int(time.time()) + 3600,
                "filename": body["filename"],
                "purpose": body["purpose"],
                "status": "pending",
                "parts": [],
            }
            self.uploads[upload["id"]] = upload
            return 200, {k: v for k, v in upload.items() if k != "parts"}
        if method == "POST" and parts[0] == "uploads" and parts[2:] == ["parts"]:
            upload = self.uploads[parts[1]]
            part = {"id": self._id("part"), "object": "upload.part", "upload_id": parts[1]}
            upload["parts"].append((part["id"], body["data"]))
            return 200, {**part, "created_at": int(time.time())}
        if method == "POST" and parts[0] == "uploads" and parts[2:] == ["complete"]:
            upload = self.uploads[parts[1]]
            chunks = dict(upload["parts"])
            upload["content"] = b"".join(chunks[part_id] for part_id in body["part_ids"])
            upload["status"] = "completed"
            done = {k: v for k, v in upload.items() if k not in ("parts", "content")}
            done["file"] = self._file(upload["filename"], len(upload["content"]), "fine-tune")
            return 200, done
        if parts[:2] == ["fine_tuning", "jobs"]:
            return self._jobs(method, parts[2:], request)
        if method == "POST" and route == "/chat/completions":
            question = body["messages"][-1].get("content") or ""
            answer = self.answers.get(question, f"an answer to {question}")
            return 200, {
                "id": self._id("chatcmpl"),
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": answer},
                    }
                ],
            }
        return 404, {"error": {"message": f"no route {method} {route}", "type": "invalid_request"}}

    def _jobs(self, method: str, rest: list[str], request: Recorded) -> tuple[int, Any]:
        if method == "POST" and not rest:
            body = request.body
            refused = self._unprocessed(body)
            if refused:
                return refused
            job_id = self._id("ftjob")
            self.jobs[job_id] = {
                "id": job_id,
                "object": "fine_tuning.job",
                "created_at": int(time.time()),
                "model": body["model"],
                "organization_id": "org-test",
                "result_files": [],
                "seed": body.get("seed", 42),
                "status": "validating_files",
                "training_file": body["training_file"],
                "validation_file": body.get("validation_file"),
                "hyperparameters": {},
                "method": body.get("method"),
                "metadata": body.get("metadata"),
                "suffix": body.get("suffix"),
                "fine_tuned_model": None,
                "error": None,
                "finished_at": None,
                "trained_tokens": None,
            }
            self.events[job_id] = []
            self._event(job_id, f"Created fine-tuning job: {job_id}")
            return 200, self._public(job_id)
        if method == "GET" and not rest:
            data = [self._public(job_id) for job_id in reversed(self.jobs)]
            limit = int(request.query.get("limit", ["20"])[0])
            return 200, {"object": "list", "data": data[:limit], "has_more": False}
        job_id = rest[0]
        if job_id not in self.jobs:
            return 404, {
                "error": {
                    "message": f"Could not find fine-tune: {job_id}",
                    "type": "invalid_request_error",
                    "code": "fine_tune_not_found",
                }
            }
        if method == "GET" and len(rest) == 1:
            self._advance(job_id)
            return 200, self._public(job_id)
        if method == "GET" and rest[1:] == ["events"]:
            events = list(reversed(self.events[job_id]))
            after = request.query.get("after", [None])[0]
            if after is not None:
                events = events[[e["id"] for e in events].index(after) + 1 :]
            limit = int(request.query.get("limit", ["20"])[0])
            return 200, {
                "object": "list",
                "data": events[:limit],
                "has_more": len(events) > limit,
            }
        if method == "POST" and rest[1:] == ["cancel"]:
            self.jobs[job_id]["status"] = "cancelled"
            self._event(job_id, "Fine-tuning job cancelled")
            return 200, self._public(job_id)
        return 404, {"error": {"message": "no such route", "type": "invalid_request_error"}}

    def _public(self, job_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.jobs[job_id].items() if k != "suffix"}

    def _advance(self, job_id: str) -> None:
        job = self.jobs[job_id]
        if job["status"] == "validating_files":
            job["status"] = "running"
            self._event(job_id, "Fine-tuning job started")
            for step in range(1, STEPS + 1):
                data = {"step": step, "total_steps": STEPS, "train_loss": 1.0 / step}
                self._event(
                    job_id, f"Step {step}/{STEPS}: training loss={1.0 / step:.2f}", "metrics", data
                )
        elif job["status"] == "running" and not self.hold:
            job["finished_at"] = int(time.time())
            if self.fail_jobs_with:
                job["status"] = "failed"
                job["error"] = {"code": "invalid_training_file", "message": self.fail_jobs_with}
                self._event(job_id, f"Fine-tuning job failed: {self.fail_jobs_with}")
            else:
                job["status"] = "succeeded"
                suffix = job["suffix"] or ""
                job["fine_tuned_model"] = f"ft:{job['model']}:org-test:{suffix}:AbC123"
                job["trained_tokens"] = 1234
                self._event(job_id, "The job has successfully completed")


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
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


def _parse(content_type: str, raw: bytes) -> Any:
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


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output clean."""

        def _serve(self) -> None:
            url = urlsplit(self.path)
            route = url.path
            for prefix in ("/v1", "/openai"):
                if route.startswith(prefix + "/"):
                    route = route[len(prefix) :]
            raw = _read_body(self)
            request = Recorded(
                self.command,
                route,
                url.path,
                parse_qs(url.query),
                {k.lower(): v for k, v in self.headers.items()},
                _parse(self.headers.get("Content-Type", ""), raw),
            )
            with fake._lock:
                fake.requests.append(request)
                pending = fake.failures.get((self.command, route))
                failure = pending.pop(0) if pending else None
                if failure:
                    status, body, headers = failure.status, failure.body, dict(failure.headers)
                else:
                    status, body = fake.handle(request)
                    headers = {}
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

    return Handler


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """The server, and a child environment that holds a key and no other provider setting."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "AZURE_OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    fake = FakeOpenAI()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
