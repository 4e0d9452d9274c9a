"""A fake Fireworks AI API on 127.0.0.1, speaking the REST calls the ``fireworks-ai`` SDK makes.

Datasets: ``POST /v1/accounts/{account}/datasets`` (camelCase JSON: ``datasetId``,
``dataset.userUploaded``, ``dataset.exampleCount``), then ``POST .../datasets/{id}:upload``
(multipart ``file``). A dataset is ``UPLOADING`` until retrieved ``dataset_polls`` times, then
``READY`` (or stays ``UPLOADING`` with an ``INVALID_ARGUMENT`` status naming the line, for a
file in ``reject_files``). Supervised jobs: ``.../supervisedFineTuningJobs`` (create, list,
get, ``:cancel``); a retrieved job moves CREATING -> RUNNING -> COMPLETED (or FAILED).
Errors are gRPC-gateway bodies: ``{"code": 16, "message": ..., "details": []}``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fake_provider import Answer, FakeProvider, Recorded, chat_completion

KEY = "fw-test-0123456789-secret"
ACCOUNT = "test-account"


def _iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class FakeFireworks(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.datasets: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.dataset_polls = 1
        self.reject_files: dict[str, str] = {}
        """Uploaded file name -> the status message its validation fails with."""
        self.fail_jobs_with: str | None = None
        self._polls: dict[str, int] = {}

    @property
    def url(self) -> str:
        return self.root

    def _dataset(self, dataset_id: str) -> dict[str, Any]:
        dataset = self.datasets[dataset_id]
        uploaded = dataset_id in self.contents
        if (
            dataset["state"] == "UPLOADING"
            and uploaded
            and self._polls[dataset_id] >= self.dataset_polls
        ):
            error = self.reject_files.get(dataset["filename"])
            if error:
                dataset["status"] = {"code": "INVALID_ARGUMENT", "message": error}
            else:
                dataset["state"] = "READY"
                dataset["status"] = {"code": "OK", "message": ""}
        return {k: v for k, v in dataset.items() if k != "filename"}

    def handle(self, request: Recorded) -> Answer:
        method, route, body = request.method, request.route, request.body
        prefix = f"/accounts/{ACCOUNT}/"
        if route == "/chat/completions" and method == "POST":
            question = body["messages"][-1].get("content") or ""
            return 200, chat_completion(
                body["model"], f"an answer to {question}", self.next_id("chat")
            )
        if not route.startswith(prefix):
            return 404, {"code": 5, "message": f"account not found: {route}", "details": []}
        rest = route[len(prefix) :]
        if rest.startswith("datasets"):
            return self._datasets(method, rest, request)
        if rest.startswith("supervisedFineTuningJobs"):
            return self._jobs(method, rest, request)
        return 404, {"code": 5, "message": f"no route {method} {route}", "details": []}

    def _datasets(self, method: str, rest: str, request: Recorded) -> Answer:
        body = request.body
        if method == "POST" and rest == "datasets":
            dataset_id = body["datasetId"]
            if dataset_id in self.datasets:
                return 409, {
                    "code": 6,
                    "message": f"dataset {dataset_id} already exists",
                    "details": [],
                }
            self.datasets[dataset_id] = {
                "name": f"accounts/{ACCOUNT}/datasets/{dataset_id}",
                "createTime": _iso(),
                "state": "UPLOADING",
                "status": {"code": "OK", "message": ""},
                "exampleCount": body["dataset"]["exampleCount"],
                "userUploaded": body["dataset"]["userUploaded"],
                "filename": None,
            }
            self._polls[dataset_id] = 0
            return 200, self._dataset(dataset_id)
        name, _, action = rest.removeprefix("datasets/").partition(":")
        if name not in self.datasets:
            return 404, {"code": 5, "message": f"dataset {name} not found", "details": []}
        if method == "POST" and action == "upload":
            self.contents[name] = body["file"]
            self.datasets[name]["filename"] = body["file.filename"]
            return 200, {"id": name, "bytes": len(body["file"]), "filename": body["file.filename"]}
        if method == "GET":
            self._polls[name] += 1
            return 200, self._dataset(name)
        if method == "DELETE":
            del self.datasets[name]
            return 200, {}
        return 404, {"code": 5, "message": "no such route", "details": []}

    def _jobs(self, method: str, rest: str, request: Recorded) -> Answer:
        body = request.body
        if method == "POST" and rest == "supervisedFineTuningJobs":
            for key in ("dataset", "evaluationDataset"):
                name = (body.get(key) or "").rsplit("/", 1)[-1]
                if name and self.datasets.get(name, {}).get("state") != "READY":
                    return 400, {
                        "code": 9,
                        "message": f"dataset {name} is not ready",
                        "details": [],
                    }
            job_id = f"sftj{next(self._ids):04d}"
            self.jobs[job_id] = {
                **body,
                "name": f"accounts/{ACCOUNT}/supervisedFineTuningJobs/{job_id}",
                "state": "JOB_STATE_CREATING",
                "createTime": _iso(),
                "updateTime": _iso(),
                "status": {"code": "OK", "message": ""},
            }
            return 200, self.jobs[job_id]
        if method == "GET" and rest == "supervisedFineTuningJobs":
            jobs = list(reversed(self.jobs.values()))
            size = int(request.query.get("pageSize", ["50"])[0])
            return 200, {
                "supervisedFineTuningJobs": jobs[:size],
                "nextPageToken": "",
                "totalSize": len(jobs),
            }
        name, _, action = rest.removeprefix("supervisedFineTuningJobs/").partition(":")
        if name not in self.jobs:
            return 404, {
                "code": 5,
                "message": f"supervisedFineTuningJob {name} not found",
                "details": [],
            }
        job = self.jobs[name]
        if method == "GET":
            self._advance(job)
            return 200, job
        if method == "POST" and action == "cancel":
            job["state"] = "JOB_STATE_CANCELLED"
            return 200, {}
        return 404, {"code": 5, "message": "no such route", "details": []}

    def _advance(self, job: dict[str, Any]) -> None:
        if job["state"] == "JOB_STATE_CREATING":
            job["state"] = "JOB_STATE_RUNNING"
        elif job["state"] == "JOB_STATE_RUNNING":
            job["updateTime"] = job["completedTime"] = _iso()
            if self.fail_jobs_with:
                job["state"] = "JOB_STATE_FAILED"
                job["status"] = {"code": "INVALID_ARGUMENT", "message": self.fail_jobs_with}
            else:
                job["state"] = "JOB_STATE_COMPLETED"
                job["outputModel"] = f"accounts/{ACCOUNT}/models/{job['name'].rsplit('/', 1)[-1]}"
