"""Server-Sent Events from the job API: lines to events, events to text deltas and a final result.

The server sends `data: {"content": "..."}` deltas (a tool call's fragments as `"tool_calls"`, as
OpenAI streams them: index, id, type and name first, then pieces of the arguments), then
`data: {"content": "", "finish_reason", "call_id", "job_id"}`, then `data: [DONE]`. A failure after the stream has started arrives as
`event: error` with an error body, and is raised as the matching exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import APIConnectionError, SaasLiteLLMError, error_from_body
from .models import StreamResult


@dataclass
class ServerEvent:
    event: str
    data: str


@dataclass
class SSEDecoder:
    """Incremental SSE parser: feed it lines (without their line break), get complete events."""

    _event: str | None = None
    _data: list[str] = field(default_factory=list)

    def feed(self, line: str) -> ServerEvent | None:
        line = line.rstrip("\r")
        if not line:  # a blank line ends the event
            if not self._data:
                self._event = None
                return None
            event = ServerEvent(self._event or "message", "\n".join(self._data))
            self._event, self._data = None, []
            return event
        if line.startswith(":"):  # a comment (keep-alive)
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None


@dataclass
class StreamAssembler:
    """Follows one streamed call: returns each text delta, keeps the final event, raises errors."""

    _decoder: SSEDecoder = field(default_factory=SSEDecoder)
    _parts: list[str] = field(default_factory=list)
    _tool_calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    result: StreamResult | None = None

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        """The tool calls so far, each as OpenAI's `{"id", "type", "function": {"name", "arguments"}}`."""
        return [self._tool_calls[index] for index in sorted(self._tool_calls)]

    def _add_fragment(self, fragment: dict[str, Any]) -> None:
        call = self._tool_calls.setdefault(
            int(fragment.get("index") or 0), {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
        )
        call["id"] = fragment.get("id") or call["id"]
        function = fragment.get("function") or {}
        call["function"]["name"] = function.get("name") or call["function"]["name"]
        call["function"]["arguments"] += function.get("arguments") or ""

    def feed(self, line: str) -> str | None:
        """The text delta this line completes, if any."""
        event = self._decoder.feed(line)
        if event is None or event.data == "[DONE]":
            return None
        payload = _json(event.data)
        if event.event == "error":
            raise error_from_body(payload)
        if "call_id" in payload:  # the final event
            self.result = StreamResult(
                content="".join(self._parts),
                finish_reason=payload.get("finish_reason"),
                call_id=payload["call_id"],
                job_id=payload["job_id"],
                tool_calls=self.tool_calls or None,
            )
            return None
        for fragment in payload.get("tool_calls") or []:
            self._add_fragment(fragment)
        text = payload.get("content") or ""
        if text:
            self._parts.append(text)
            return str(text)
        return None

    def finish(self) -> StreamResult:
        """The final result, once the body has ended; an error if it ended early."""
        self.feed("")  # flush an event the server did not terminate with a blank line
        if self.result is None:
            raise APIConnectionError("the stream ended before its final event")
        return self.result


def _json(data: str) -> dict[str, Any]:
    try:
        payload = json.loads(data)
    except ValueError as exc:
        raise SaasLiteLLMError(f"malformed stream event: {data[:200]!r}") from exc
    if not isinstance(payload, dict):
        raise SaasLiteLLMError(f"malformed stream event: {data[:200]!r}")
    return payload
