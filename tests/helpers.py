"""Test helpers shared by the test modules (kept out of conftest.py so that `tests/browser`'s own
conftest never shadows them)."""

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
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


# gpt-4o-mini in LiteLLM's cost map, in micro-USD per 1M tokens: the demo aliases' default prices.
GPT_4O_MINI_PRICES = (150_000, 600_000)


def alias_price_micros(call: dict, prices: tuple[int, int] = GPT_4O_MINI_PRICES, markup_percent: int = 0) -> int:  # type: ignore[type-arg]
    """A call's client cost by the price rule (docs/billing.md): its tokens at the alias's prices,
    rounded half up to a micro-USD, then the markup, rounded half up."""
    exact = Decimal(call["prompt_tokens"] * prices[0] + call["completion_tokens"] * prices[1]) / 1_000_000
    at_price = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int((at_price * (100 + markup_percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
