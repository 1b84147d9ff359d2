"""The one module that talks to the LiteLLM proxy: key management with the master key, and chat
completions with the team's LiteLLM virtual key (so the proxy enforces its model list and rate
limits). That key is ours, kept server-side (tenancy/litellm_sync.py); teams hold API keys the proxy refuses.

Proxy and provider failures become domain errors here, once; their messages are ours, so no model
name, provider or cost leaks to a team. A proxy that is down or silent (503, retry) is told apart from
a provider that failed or timed out, which the proxy itself reports (502, 504): the proxy is told to
give up on the provider after `timeout_seconds`, so no answer at all `grace_seconds` later means the
proxy is not answering. Key management requests get `admin_timeout_seconds`.

Two HTTP clients, each where it is better. Buffered calls and admin requests go through aiohttp:
on every buffered call it is on the critical path, and there it costs 0.17 ms of CPU and 0.3 ms a
request against httpx's 0.62 and 0.7 (benchmarks/proxy_client.py). Streams go through httpx: when
the connection fails mid-stream, httpx still hands over every byte that arrived before the failure,
while aiohttp drops what it had buffered, and a cut stream must be billed for all it delivered.
"""

import json
import logging
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
from starlette.requests import Request

from .errors import (
    DomainError,
    InvalidRequest,
    ModelNotAllowed,
    RateLimited,
    ServiceUnavailable,
    TeamSuspended,
    UpstreamError,
    UpstreamTimeout,
)

log = logging.getLogger(__name__)


@dataclass
class CompletionMeta:
    """What the proxy tells us about a call besides the completion itself."""

    litellm_call_id: str | None = None
    resolved_model: str | None = None
    cost_usd: str | None = None  # x-litellm-response-cost, exact as the proxy printed it
    cache_hit: bool = False
    started: float = field(default_factory=time.monotonic)

    def read_headers(self, headers: Mapping[str, str]) -> None:
        self.litellm_call_id = headers.get("x-litellm-call-id")
        self.resolved_model = headers.get("x-litellm-model-name") or headers.get("x-litellm-model-id")
        cost = headers.get("x-litellm-response-cost")
        self.cost_usd = cost if cost not in (None, "", "None") else None
        # LiteLLM names the cache key only when the answer came from its cache.
        self.cache_hit = bool(headers.get("x-litellm-cache-key"))

    @property
    def latency_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


@dataclass(frozen=True)
class ModelInfo:
    """What LiteLLM's model info says of a model: per-token prices in USD, output limit, capabilities."""

    input_cost_per_token: float | None
    output_cost_per_token: float | None
    max_output_tokens: int | None
    mode: str  # "chat", "embedding", "responses"…
    supports_vision: bool


# What a refused, reset or dropped connection raises. Timeouts (TimeoutError, which aiohttp's own
# timeouts also are) are caught before these: they mean the proxy is not answering.
_UNREACHABLE = (aiohttp.ClientError, OSError)
UNREACHABLE = "the LiteLLM proxy is unreachable"
NOT_ANSWERING = "the LiteLLM proxy is not answering"
_NOT_ANSWERING_RETRY_AFTER = 5


def _not_answering(what: str, waited: float) -> ServiceUnavailable:
    log.warning("the LiteLLM proxy did not answer %s within %.1f s", what, waited)
    return ServiceUnavailable(NOT_ANSWERING, retry_after=_NOT_ANSWERING_RETRY_AFTER)


class AdminRequestRefused(UpstreamError):
    """The proxy answered a key management request with an error status."""

    def __init__(self, path: str, status: int, content: bytes):
        # Its message may quote a key it was sent: never pass one on.
        text = re.sub(r"sk-[\w-]+", "sk-…", content[:300].decode(errors="replace"))
        super().__init__(f"LiteLLM proxy refused {path}: {status} {text}")
        self.status = status


class LiteLLMProxy:
    def __init__(
        self,
        base_url: str,
        master_key: str,
        timeout_seconds: float,
        grace_seconds: float = 5.0,
        admin_timeout_seconds: float = 10.0,
    ):
        self._base_url = base_url.rstrip("/")
        self._master_key = master_key
        self._timeout = timeout_seconds
        self._backstop = timeout_seconds + grace_seconds
        self._admin_timeout = aiohttp.ClientTimeout(total=admin_timeout_seconds, connect=min(5, admin_timeout_seconds))
        self._http: aiohttp.ClientSession | None = None
        self._streams = httpx.AsyncClient(
            base_url=self._base_url,
            timeout=httpx.Timeout(self._backstop, connect=5),  # on each wait for bytes, as below
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200, keepalive_expiry=4),
        )

    def _session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the event loop that will use it.
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                # The proxy gives up first (we send it `timeout`); our own deadline, on each wait
                # for bytes, is a backstop.
                timeout=aiohttp.ClientTimeout(total=None, connect=5, sock_read=self._backstop),
                # Idle connections are dropped before the proxy's own keep-alive (uvicorn: 5 s) can
                # close them under a request we are sending.
                connector=aiohttp.TCPConnector(limit=1000, keepalive_timeout=4),
                skip_auto_headers=("User-Agent",),
            )
        return self._http

    async def aclose(self) -> None:
        await self._streams.aclose()
        if self._http is not None:
            await self._http.close()

    # -- administration (master key) ----------------------------------------------------------

    async def _admin(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        try:
            async with self._session().request(
                method,
                self._base_url + path,
                json=payload,
                headers={"Authorization": f"Bearer {self._master_key}"},
                timeout=self._admin_timeout,
            ) as response:
                status, content = response.status, await response.read()
        except TimeoutError as exc:
            raise _not_answering(f"{method} {path}", self._admin_timeout.total or 0) from exc
        except _UNREACHABLE as exc:
            raise ServiceUnavailable(UNREACHABLE) from exc
        if status >= 400:
            raise AdminRequestRefused(path, status, content)
        try:
            return json.loads(content)
        except ValueError as exc:
            raise UpstreamError(f"LiteLLM proxy answered {path} with something other than JSON") from exc

    async def create_team(self, team_id: str, alias: str | None, models: list[str], metadata: dict[str, Any]) -> None:
        await self._admin(
            "POST", "/team/new", {"team_id": team_id, "team_alias": alias, "models": models, "metadata": metadata}
        )

    async def generate_key(
        self,
        team_id: str,
        key: str,
        models: list[str],
        rpm_limit: int | None,
        tpm_limit: int | None,
        metadata: dict[str, Any],
        blocked: bool = False,
    ) -> None:
        """Register `key`, which we generated, as the team's LiteLLM virtual key."""
        await self._admin(
            "POST",
            "/key/generate",
            {
                "team_id": team_id,
                "key": key,
                # Unique in LiteLLM, and unlike every alias of the keys teams held before 0006 ("saas-team-…").
                "key_alias": f"saas-key-{team_id}",
                "models": models,
                "rpm_limit": rpm_limit,
                "tpm_limit": tpm_limit,
                "metadata": metadata,
                "blocked": blocked,
            },
        )

    async def key_is_live(self, key_hash: str) -> bool:
        """Whether the proxy has this key (deleted keys do not count)."""
        try:
            body = await self._admin("GET", f"/key/info?key={key_hash}")
        except AdminRequestRefused as exc:
            if exc.status == 404:
                return False
            raise
        return bool((body.get("info") or {}).get("status") != "deleted")

    async def update_key(self, key_hash: str, **fields: Any) -> None:
        await self._admin("POST", "/key/update", {"key": key_hash, **fields})

    async def set_key_blocked(self, key_hash: str, blocked: bool) -> None:
        await self._admin("POST", "/key/block" if blocked else "/key/unblock", {"key": key_hash})

    async def delete_key(self, key_hash: str) -> None:
        """Delete a key from the proxy; one it no longer has counts as deleted."""
        try:
            await self._admin("POST", "/key/delete", {"keys": [key_hash]})
        except AdminRequestRefused as exc:
            if exc.status != 404:
                raise

    async def delete_team(self, team_id: str) -> None:
        await self._admin("POST", "/team/delete", {"team_ids": [team_id]})

    async def spend_log(self, call_id: str) -> dict[str, Any] | None:
        """LiteLLM's own record of a call (request_id = our call id), if it has one."""
        body = await self._admin("GET", f"/spend/logs?request_id={call_id}")
        entries = body if isinstance(body, list) else body.get("data", [])
        return entries[0] if entries else None

    async def model_prices(self) -> dict[str, ModelInfo]:
        """Per-token input and output prices, the output token limit and the capabilities of each
        model the proxy serves (from LiteLLM's cost map)."""
        body = await self._admin("GET", "/model/info")
        prices: dict[str, ModelInfo] = {}
        for entry in body.get("data", []):
            info = entry.get("model_info") or {}
            limit = info.get("max_output_tokens") or info.get("max_tokens")
            prices.setdefault(
                entry["model_name"],
                ModelInfo(
                    info.get("input_cost_per_token"), info.get("output_cost_per_token"), int(limit) if limit else None,
                    str(info.get("mode") or "chat"), bool(info.get("supports_vision")),
                ),
            )  # fmt: skip
        return prices

    # -- completions (the team's LiteLLM key) ----------------------------------------------------

    def _completion(self, virtual_key: str, payload: dict[str, Any], call_id: str) -> dict[str, Any]:
        """The body and headers of a completion request, whichever client sends it."""
        return {
            "json": {**payload, "timeout": self._timeout},
            "headers": {"Authorization": f"Bearer {virtual_key}", "x-litellm-call-id": call_id},
        }

    async def chat_completion(
        self, virtual_key: str, payload: dict[str, Any], call_id: str
    ) -> tuple[dict[str, Any], CompletionMeta]:
        return await self._buffered("/chat/completions", virtual_key, payload, call_id, lambda body: body["choices"][0])

    async def embedding(
        self, virtual_key: str, payload: dict[str, Any], call_id: str
    ) -> tuple[dict[str, Any], CompletionMeta]:
        """Embed `payload["input"]`; the body has one vector per input under `data`."""
        return await self._buffered("/embeddings", virtual_key, payload, call_id, lambda body: body["data"][0])

    async def response(
        self, virtual_key: str, payload: dict[str, Any], call_id: str
    ) -> tuple[dict[str, Any], CompletionMeta]:
        """A buffered Responses API call (LiteLLM's own /responses)."""
        return await self._buffered("/responses", virtual_key, payload, call_id, lambda body: len(body["output"]))

    async def _buffered(
        self, path: str, virtual_key: str, payload: dict[str, Any], call_id: str, check: Callable[[Any], Any]
    ) -> tuple[dict[str, Any], CompletionMeta]:
        """POST a call and read its whole answer; `check` raises on a body without the expected shape."""
        meta = CompletionMeta()
        try:
            async with self._session().post(
                self._base_url + path, **self._completion(virtual_key, payload, call_id)
            ) as response:
                status, headers, content = response.status, response.headers, await response.read()
        except TimeoutError as exc:
            raise _not_answering(f"call {call_id}", self._backstop) from exc
        except _UNREACHABLE as exc:
            log.warning("LiteLLM proxy unreachable for call %s: %r", call_id, exc)
            raise ServiceUnavailable(UNREACHABLE) from exc
        meta.read_headers(headers)
        if status >= 400:
            raise proxy_error(status, content, headers)
        try:
            body = json.loads(content)
            check(body)
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise UpstreamError("the model provider returned a malformed response") from exc
        return body, meta

    async def _stream_data(
        self, path: str, virtual_key: str, payload: dict[str, Any], call_id: str, meta: CompletionMeta
    ) -> AsyncGenerator[str]:
        """POST a streamed call and yield the payload of each `data:` line as it arrives. Raises a
        DomainError before or during the stream. Close it (`aclosing`) when done reading early."""
        request = self._streams.build_request("POST", path, **self._completion(virtual_key, payload, call_id))
        try:
            response = await self._streams.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise _not_answering(f"stream {call_id}", self._backstop) from exc
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(UNREACHABLE) from exc
        try:
            meta.read_headers(response.headers)
            if response.status_code >= 400:
                raise proxy_error(response.status_code, await response.aread(), response.headers)
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    yield line[5:].strip()
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout("the model provider stopped answering mid-stream") from exc
        except httpx.HTTPError as exc:
            raise UpstreamError("the model provider cut the stream") from exc
        finally:
            await response.aclose()

    async def stream_chat_completion(
        self, virtual_key: str, payload: dict[str, Any], call_id: str, meta: CompletionMeta
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield the proxy's chunks as they arrive. Raises a DomainError before or during the stream."""
        payload = {**payload, "stream": True, "stream_options": {"include_usage": True}}
        async with aclosing(self._stream_data("/chat/completions", virtual_key, payload, call_id, meta)) as lines:
            async for data in lines:
                if data == "[DONE]":
                    return
                chunk = _stream_json(data)
                if "error" in chunk:
                    raise _stream_error(chunk["error"])
                yield chunk
        raise UpstreamError("the model provider ended the stream early")

    async def stream_response(
        self, virtual_key: str, payload: dict[str, Any], call_id: str, meta: CompletionMeta
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield a streamed Responses API call's events (each with its `type`; the `event:` lines
        repeat it) up to the final one (`response.completed`, `.incomplete` or `.failed`). Raises a
        DomainError before or during the stream."""
        payload = {**payload, "stream": True}
        async with aclosing(self._stream_data("/responses", virtual_key, payload, call_id, meta)) as lines:
            async for data in lines:
                if data == "[DONE]":
                    continue
                event = _stream_json(data)
                if "error" in event and event.get("type") in (None, "error"):
                    raise _stream_error(event["error"])
                yield event
                if event.get("type") in RESPONSE_FINAL_EVENTS:
                    return
        raise UpstreamError("the model provider ended the stream early")


def _stream_json(data: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise UpstreamError("the model provider sent a malformed stream chunk") from exc
    if not isinstance(value, dict):
        raise UpstreamError("the model provider sent a malformed stream chunk")
    return value


def _stream_error(error: Any) -> DomainError:
    """An error sent inside a stream, mapped as the same error in a response would be."""
    error = error if isinstance(error, dict) else {"message": str(error)}
    code = str(error.get("code") or "")
    return proxy_error(int(code) if code.isdigit() else 502, json.dumps({"error": error}).encode(), {})


# The events that end a streamed Responses API call; each carries the whole response with its usage.
RESPONSE_FINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")


def _proxy_message(content: bytes) -> str:
    try:
        error = json.loads(content).get("error", {})
        return str(error.get("message", "")) if isinstance(error, dict) else str(error)
    except (ValueError, AttributeError):
        return ""


def proxy_error(status: int, content: bytes, headers: Mapping[str, str]) -> DomainError:
    """Map a proxy error response to the error the team sees."""
    message = _proxy_message(content).lower()
    if status == 429:
        retry_after = headers.get("retry-after", "1")
        return RateLimited(
            "rate limit reached; retry later",
            int(float(retry_after)) if retry_after.replace(".", "", 1).isdigit() else 1,
        )
    if status == 408 or "timeout" in message or "timed out" in message:
        return UpstreamTimeout("the model provider did not answer in time")
    if status in (401, 403):
        if "blocked" in message:
            # Suspending a team blocks its LiteLLM key; resuming it unblocks the key.
            return TeamSuspended("this team's key is blocked")
        return ModelNotAllowed("this team may not use the requested model")
    if status == 400 and "budget" in message:
        return RateLimited("the proxy budget for this team is exhausted")
    if status in (400, 422):
        # Requests are validated before they reach the proxy, so a 400 names a client problem only
        # when the provider says so; otherwise (e.g. a 200 whose body is an error) it is upstream's.
        if "context" in message and ("window" in message or "length" in message):
            return InvalidRequest("the request is too long for the model", param="messages")
        if "invalid" in message or "unsupported" in message or "must be" in message:
            return InvalidRequest("the model provider rejected the request as invalid")
        return UpstreamError("the model provider returned an error")
    return UpstreamError("the model provider failed to answer")


def proxy_of(request: Request) -> LiteLLMProxy:
    """The process's one LiteLLM client (made at startup, main.lifespan)."""
    return request.app.state.proxy  # type: ignore[no-any-return]
