"""A fake Together AI API on 127.0.0.1, speaking the REST calls the ``together`` SDK makes.

Uploads as the SDK sends them: ``POST /v1/files`` (a multipart form: purpose, file_name,
file_type, checksum) answered with a 302 to a signed URL and the file id in
``X-Together-File-Id``; ``PUT`` of the bytes to that URL; ``POST /v1/files/{id}/preprocess``.
A file is ``PENDING`` until retrieved ``file_polls`` times, then ``COMPLETED`` with a valid
``validation_report`` (or ``FAILED`` with the report in ``reject_files``). Jobs are
``/v1/fine-tunes``: creation first asks ``models/limits`` and ``estimate-price``, as the SDK
does; a retrieved job moves pending -> running -> completed (or error, with an error event).
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from typing import Any

from fake_provider import Answer, FakeProvider, Recorded, chat_completion

KEY = "tg-test-0123456789-secret"


def _iso(seconds: float | None = None) -> str:
    return datetime.fromtimestamp(seconds or time.time(), timezone.utc).isoformat()


class FakeTogether(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.file_polls = 1
        self.reject_files: dict[str, str] = {}
        """Uploaded file name -> the validation error its report gives."""
        self.fail_jobs_with: str | None = None
        self._polls: dict[str, int] = {}

    @property
    def url(self) -> str:
        return self.root  # the SDK's paths carry /v1 themselves

    def _event(
        self, job_id: str, message: str, level: str = "Info", kind: str = "JOB_START"
    ) -> None:
        number = len(self.events[job_id])
        self.events[job_id].append(
            {
                "object": "fine-tune-event",
                "created_at": _iso(),
                "level": level,
                "message": message,
                "type": kind,
                "hash": f"{job_id}-{number}",
            }
        )

    def _file(self, file_id: str) -> dict[str, Any]:
        file = self.files[file_id]
        if file["processing_status"] == "PENDING" and self._polls[file_id] >= self.file_polls:
            error = self.reject_files.get(file["filename"])
            file["processing_status"] = "FAILED" if error else "COMPLETED"
            file["validation_report"] = {
                "valid": error is None,
                "error": error,
                "error_type": "INVALID_FORMAT" if error else None,
                "file_id": file_id,
                "dataset_format": "CONVERSATION",
                "nlines": self.contents[file_id].count(b"\n"),
            }
        return dict(file)

    def handle(self, request: Recorded) -> Answer:
        method, route, body = request.method, request.route, request.body
        parts = route.strip("/").split("/")
        if method == "POST" and route == "/files":
            file_id = self.next_id("file")
            self.files[file_id] = {
                "id": file_id,
                "object": "file",
                "bytes": 0,
                "created_at": int(time.time()),
                "filename": body["file_name"],
                "FileType": body["file_type"],
                "purpose": body["purpose"],
                "processing_status": None,
                "checksum": body["checksum"],
            }
            headers = {"Location": f"{self.root}/signed/{file_id}", "X-Together-File-Id": file_id}
            return 302, {}, headers
        if method == "PUT" and parts[0] == "signed":
            file = self.files[parts[1]]
            raw = body
            self.contents[parts[1]] = raw
            file["bytes"] = len(raw)
            assert hashlib.sha256(raw).hexdigest() == file["checksum"]
            return 200, b""
        if method == "POST" and parts[0] == "files" and parts[2:] == ["preprocess"]:
            self.files[parts[1]]["processing_status"] = "PENDING"
            self._polls[parts[1]] = 0
            return 200, self._file(parts[1])
        if parts[0] == "files" and len(parts) == 2:
            if parts[1] not in self.files:
                return 404, {
                    "error": {
                        "message": f"File {parts[1]} not found",
                        "type": "invalid_request_error",
                    }
                }
            if method == "GET":
                self._polls[parts[1]] += 1
                return 200, self._file(parts[1])
            if method == "DELETE":
                del self.files[parts[1]]
                return 200, {"id": parts[1], "deleted": True}
        if parts[0] == "fine-tunes":
            return self._fine_tunes(method, parts[1:], request)
        if method == "POST" and route == "/chat/completions":
            question = body["messages"][-1].get("content") or ""
            return 200, chat_completion(
                body["model"], f"an answer to {question}", self.next_id("chat")
            )
        return 404, {"error": {"message": f"no route {method} {route}"}}

    def _fine_tunes(self, method: str, rest: list[str], request: Recorded) -> Answer:
        if method == "GET" and rest == ["models", "limits"]:
            return 200, {
                "model_name": request.query["model_name"][0],
                "default_gradient_accumulation_steps": 1,
                "lora_training": {
                    "default_rank": 8,
                    "max_batch_size": 32,
                    "max_batch_size_dpo": 16,
                    "max_rank": 64,
                    "min_batch_size": 8,
                    "target_modules": ["q_proj", "v_proj"],
                },
                "max_learning_rate": 1.0,
                "min_learning_rate": 0.0,
                "max_num_checkpoints": 10,
                "max_num_epochs": 20,
                "max_num_evals": 10,
                "max_seq_length_sft": 8192,
                "max_seq_length_dpo": 8192,
                "min_max_seq_length": 512,
                "merge_output_lora": False,
                "supports_full_training": True,
                "supports_reasoning": False,
                "supports_tools": True,
                "supports_vision": False,
            }
        if method == "POST" and rest == ["estimate-price"]:
            return 200, {
                "estimation_available": True,
                "allowed_to_proceed": True,
                "estimated_total_price": 1.5,
                "estimated_train_token_count": 1000,
                "user_limit": 100.0,
            }
        if method == "POST" and not rest:
            body = request.body
            for param in ("training_file", "validation_file"):
                file = self.files.get(body.get(param) or "")
                if file is not None and file["processing_status"] != "COMPLETED":
                    return 400, {"error": {"message": f"{param} {file['id']} is not validated"}}
            job_id = f"ft-{next(self._ids):04d}"
            self.jobs[job_id] = {
                "id": job_id,
                "status": "pending",
                "created_at": _iso(),
                "updated_at": _iso(),
                "model": body["model"],
                "training_file": body["training_file"],
                "validation_file": body.get("validation_file", ""),
                "n_epochs": body.get("n_epochs"),
                "batch_size": body.get("batch_size"),
                "learning_rate": body.get("learning_rate"),
                "suffix": body.get("suffix"),
                "training_method": body.get("training_method"),
                "model_output_name": None,
                "adapter_output_name": None,
            }
            self.events[job_id] = []
            self._event(job_id, "Fine tune request created", kind="JOB_PENDING")
            return 200, self.jobs[job_id]
        if method == "GET" and not rest:
            return 200, {"data": list(self.jobs.values())}
        job_id = rest[0]
        if job_id not in self.jobs:
            return 404, {"error": {"message": f"Fine-tune job {job_id} not found"}}
        job = self.jobs[job_id]
        if method == "GET" and len(rest) == 1:
            self._advance(job_id)
            return 200, job
        if method == "GET" and rest[1:] == ["events"]:
            return 200, {"data": self.events[job_id]}
        if method == "POST" and rest[1:] == ["cancel"]:
            job["status"] = "cancelled"
            self._event(job_id, "Job cancelled by user", kind="JOB_STOPPED")
            return 200, job
        return 404, {"error": {"message": "no such route"}}

    def _advance(self, job_id: str) -> None:
        job = self.jobs[job_id]
        if job["status"] == "pending":
            job["status"] = "running"
            self._event(job_id, "Training started", kind="TRAINING_START")
        elif job["status"] == "running":
            job["updated_at"] = _iso()
            if self.fail_jobs_with:
                job["status"] = "user_error"
                self._event(job_id, self.fail_jobs_with, level="Error", kind="JOB_ERROR")
            else:
                job["status"] = "completed"
                job["model_output_name"] = (
                    f"user/{job['model'].split('/')[-1]}-{job['suffix']}-{job_id}"
                )
                self._event(job_id, "Training completed", kind="TRAINING_COMPLETE")
