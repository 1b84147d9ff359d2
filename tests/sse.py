"""Reading Server-Sent Events in tests."""

import json
from collections.abc import Iterator
from typing import Any

import httpx


def events(response: httpx.Response) -> Iterator[tuple[str, Any]]:
    """(event name, data) pairs; data is parsed JSON, or the raw text for `[DONE]`."""
    name = "message"
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            raw = line[5:].strip()
            yield name, raw if raw == "[DONE]" else json.loads(raw)
            name = "message"
