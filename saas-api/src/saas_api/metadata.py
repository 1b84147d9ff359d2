"""The one definition of metadata: the free-form JSON object a team or an admin may attach to a job,
a job's result, an organization or a team.

It is stored and sent back in every listing, so its limits (Stripe-like) are checked before anything
is written: a value that passes here can always be stored and serialized again.
"""

import json
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

MAX_DEPTH = 5  # objects and arrays nested in one another, the metadata object itself included
MAX_ENTRIES = 50  # keys of one object, items of one array
MAX_KEY_CHARS = 40
MAX_STRING_CHARS = 500
MAX_JSON_BYTES = 16_384  # the whole object as compact UTF-8 JSON

DESCRIPTION = (
    f"a JSON object of your own: at most {MAX_ENTRIES} keys per object (items per array), keys of 1-{MAX_KEY_CHARS} "
    f"characters, strings of at most {MAX_STRING_CHARS} characters, {MAX_DEPTH} levels of nesting and "
    f"{MAX_JSON_BYTES} bytes as JSON"
)


def _refuse(reason: str, path: str) -> PydanticCustomError:
    where = f" at '{path}'" if path else ""
    # The reason goes in as context, so a key with braces in it cannot break the message template.
    return PydanticCustomError("metadata_limit", "{reason}", {"reason": reason + where})


def check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    """Refuse metadata past the limits above. Iterative, so no nesting can exhaust the stack."""
    pending: list[tuple[Any, str, int]] = [(value, "", 1)]
    while pending:
        node, path, depth = pending.pop()
        if not isinstance(node, dict | list):
            if isinstance(node, str) and len(node) > MAX_STRING_CHARS:
                raise _refuse(f"a string longer than {MAX_STRING_CHARS} characters", path)
            continue
        if depth > MAX_DEPTH:
            raise _refuse(f"nested deeper than {MAX_DEPTH} levels", path)
        if len(node) > MAX_ENTRIES:
            raise _refuse(f"more than {MAX_ENTRIES} {'keys' if isinstance(node, dict) else 'items'}", path)
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            if isinstance(key, str) and not 1 <= len(key) <= MAX_KEY_CHARS:
                raise _refuse(f"a key of {len(key)} characters (1-{MAX_KEY_CHARS} allowed)", path)
            pending.append((child, f"{path}.{key}" if path else str(key), depth + 1))
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_JSON_BYTES:
        raise _refuse(f"{size} bytes as JSON, more than {MAX_JSON_BYTES}", "")
    return value


Metadata = Annotated[
    dict[str, Any],
    AfterValidator(check_metadata),
    Field(description=DESCRIPTION, json_schema_extra={"maxProperties": MAX_ENTRIES}),
]
