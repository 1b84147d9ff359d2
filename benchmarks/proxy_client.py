"""Why the API talks to the LiteLLM proxy with aiohttp: the same completion request, sent by httpx
and by aiohttp configured as the API configures them, to the fake provider (which answers in well
under a millisecond, so the client's own cost shows), in one run on one machine.

Usage: .venv/bin/python benchmarks/proxy_client.py [--requests N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import httpx
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import stack  # noqa: E402

# What the API sends for a call: the alias's model, the messages, its metadata and timeout.
BODY = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Benchmark prompt: reply with a short greeting."}],
    "metadata": {"saas_job_id": "00000000-0000-0000-0000-000000000001", "saas_call_id": "x"},
    "timeout": 60.0,
}
HEADERS = {"Authorization": "Bearer sk-fake-provider", "x-litellm-call-id": "00000000-0000-0000-0000-000000000002"}


async def measure(url: str, requests: int) -> None:
    httpx_client = httpx.AsyncClient(
        timeout=httpx.Timeout(65, connect=5),
        limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200, keepalive_expiry=4),
    )
    aiohttp_client = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=None, connect=5, sock_read=65),
        connector=aiohttp.TCPConnector(limit=1000, keepalive_timeout=4),
    )

    async def with_httpx() -> None:
        response = await httpx_client.post(url, json=BODY, headers=HEADERS)
        response.json()

    async def with_aiohttp() -> None:
        async with aiohttp_client.post(url, json=BODY, headers=HEADERS) as response:
            await response.json()

    clients: dict[str, Callable[[], Awaitable[None]]] = {"httpx": with_httpx, "aiohttp": with_aiohttp}
    try:
        for send in clients.values():  # warm up: connections, caches
            for _ in range(200):
                await send()
        print(f"{'client':10s} {'p50 ms':>8s} {'p95 ms':>8s} {'CPU ms/request':>15s}")
        for _ in range(3):  # rounds, interleaved, so noise lands on both
            for name, send in clients.items():
                latencies = []
                cpu = time.process_time()
                for _ in range(requests):
                    started = time.perf_counter()
                    await send()
                    latencies.append(time.perf_counter() - started)
                cpu = time.process_time() - cpu
                cuts = statistics.quantiles(latencies, n=100)
                print(f"{name:10s} {cuts[49] * 1000:8.3f} {cuts[94] * 1000:8.3f} {cpu / requests * 1000:15.3f}")
    finally:
        await httpx_client.aclose()
        await aiohttp_client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    port = stack.free_port()
    fake = subprocess.Popen(
        [sys.executable, str(ROOT / "litellm" / "fake_provider.py"), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        stack.wait_http(f"http://127.0.0.1:{port}/health", 30, fake, None)
        uvloop.run(measure(f"http://127.0.0.1:{port}/v1/chat/completions", args.requests))
    finally:
        fake.terminate()
        fake.wait()


if __name__ == "__main__":
    main()
