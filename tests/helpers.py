"""Test helpers shared by the test modules (kept out of conftest.py so that `tests/browser`'s own
conftest never shadows them)."""

import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class TeamCtx:
    team_id: str
    organization_id: str
    key: str
    client: httpx.Client  # authenticated as the team

    def create_job(self, job_type: str = "test", **extra: object) -> str:
        response = self.client.post("/api/jobs/create", json={"job_type": job_type, **extra})
        assert response.status_code == 201, response.text
        return str(response.json()["job_id"])

    def call(self, job_id: str, content: str = "Say hello!", **extra: object) -> httpx.Response:
        body = {"messages": [{"role": "user", "content": content}], **extra}
        return self.client.post(f"/api/jobs/{job_id}/llm-call", json=body)

    def complete(self, job_id: str, status: str = "completed") -> httpx.Response:
        return self.client.post(f"/api/jobs/{job_id}/complete", json={"status": status})


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
