"""The load generator: buffered call latency, streamed time to first byte, closed-loop throughput.

Every target is called the same way (one shared httpx AsyncClient per target, HTTP keep-alive,
distinct prompts), so the only difference between two targets is what sits behind the URL.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

_prompt_numbers = itertools.count()


def next_prompt() -> str:
    """A prompt no earlier call used (LiteLLM's cache is off by default, but be sure)."""
    return f"Benchmark prompt {next(_prompt_numbers):08d}: reply with a short greeting."


@dataclass(frozen=True)
class Target:
    """One thing to measure: where buffered and streamed calls go, and what their bodies look like."""

    name: str
    url_for: Callable[[int], str]  # worker index -> buffered call URL
    stream_url_for: Callable[[int], str]
    headers: dict[str, str]
    body: Callable[[str, bool], dict[str, Any]]  # (prompt, stream) -> JSON body


class CallFailed(Exception):
    pass


async def buffered_call(client: httpx.AsyncClient, target: Target, worker: int = 0) -> float:
    """Seconds from sending the request to having read the whole response."""
    started = time.perf_counter()
    response = await client.post(target.url_for(worker), json=target.body(next_prompt(), False), headers=target.headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise CallFailed(f"{target.name}: HTTP {response.status_code} {response.text[:300]}")
    return elapsed


async def streamed_call(client: httpx.AsyncClient, target: Target, worker: int = 0) -> tuple[float, float]:
    """(time to the first body byte, time to the end of the stream), in seconds."""
    started = time.perf_counter()
    first: float | None = None
    tail = b""
    body = target.body(next_prompt(), True)
    async with client.stream("POST", target.stream_url_for(worker), json=body, headers=target.headers) as response:
        if response.status_code != 200:
            raise CallFailed(f"{target.name}: HTTP {response.status_code} {(await response.aread())[:300]!r}")
        async for chunk in response.aiter_raw():
            if chunk and first is None:
                first = time.perf_counter() - started
            tail = (tail + chunk)[-64:]
        total = time.perf_counter() - started
    if first is None or b"[DONE]" not in tail:
        raise CallFailed(f"{target.name}: the stream did not end with [DONE]")
    return first, total


@dataclass
class LoadResult:
    completed: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    first_error: str | None = None

    def add(self, other: LoadResult) -> None:
        self.completed += other.completed
        self.errors += other.errors
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.first_error = self.first_error or other.first_error

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


async def closed_loop(client: httpx.AsyncClient, target: Target, concurrency: int, seconds: float) -> LoadResult:
    """`concurrency` clients, each sending its next call as soon as the previous one answers."""
    result = LoadResult()
    deadline = time.perf_counter() + seconds

    async def client_loop(worker: int) -> None:
        while time.perf_counter() < deadline:
            try:
                result.latencies.append(await buffered_call(client, target, worker))
            except (CallFailed, httpx.HTTPError) as exc:
                result.errors += 1
                result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(worker) for worker in range(concurrency)))
    result.seconds = time.perf_counter() - started
    result.completed = len(result.latencies)
    return result


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95 and p99 of samples in seconds, as milliseconds."""
    if len(samples) < 2:
        value = samples[0] * 1000 if samples else float("nan")
        return {"p50": value, "p95": value, "p99": value}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49] * 1000, "p95": cuts[94] * 1000, "p99": cuts[98] * 1000}
