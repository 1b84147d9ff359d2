"""Every route says what it answers (no stack needed): docs/openapi.json, the contract the panel's
types and the typed client are checked against, names a schema for each success response.

A JSON answer is a named model (or a list or union of them), never a bare object or `Any`; a
stream declares `text/event-stream`; a 204 has no body. The spec is kept current with the code by
tests/test_deployment_files.py (`python scripts/export_openapi.py` rewrites it).
"""

import json
from pathlib import Path
from typing import Any

import pytest

SPEC = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


def _routes() -> list[Any]:
    routes = []
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            routes.append(pytest.param(operation, id=f"{method.upper()} {path}"))
    return routes


def _names_a_model(schema: dict[str, Any]) -> bool:
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _names_a_model(schema.get("items", {}))
    if "anyOf" in schema:
        return all(_names_a_model(option) for option in schema["anyOf"])
    return False


def _undeclared(status: str, response: dict[str, Any]) -> list[str]:
    content = response.get("content", {})
    if status == "204":
        return [f"{status}: a 204 has no body"] if content else []
    if not content:
        return [f"{status}: no content type"]
    problems = []
    for media_type, body in content.items():
        if media_type == "text/event-stream":
            continue
        if not _names_a_model(body.get("schema", {})):
            problems.append(f"{status} {media_type}: {body.get('schema') or 'no schema'}")
    return problems


@pytest.mark.parametrize("operation", _routes())
def test_every_success_response_names_its_schema(operation: dict[str, Any]) -> None:
    problems = [
        problem
        for status, response in operation["responses"].items()
        if status.startswith("2")
        for problem in _undeclared(status, response)
    ]
    assert not problems, "; ".join(problems)
