"""The typed client's models agree with the API's contract, docs/openapi.json (no stack needed).

The client keeps hand-written models (with helpers the server has no use for), so each one is
checked against the spec schema it reads or writes: a response model must accept every value the
spec allows and declare nothing the spec lacks; a request model must send only what the server
accepts. `python scripts/export_openapi.py` refreshes the spec when the server's schemas change.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any, NamedTuple

import pytest
from helpers import ROOT
from pydantic import BaseModel
from saas_litellm_client import models
from saas_litellm_client._api import ApiRequest, JobApi

SPEC = json.loads((ROOT / "docs" / "openapi.json").read_text())
SPEC_SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]

# Client model -> the spec schema it is read from (responses) or sent as (requests).
RESPONSES: dict[type[BaseModel], str] = {
    models.Job: "JobOut",
    models.JobSummary: "JobSummary",
    models.JobCosts: "JobCosts",
    models.JobCall: "JobCallOut",
    models.CallReply: "CallReply",
    models.LLMCallResult: "LLMCallResponse",
    models.CreateAndCallResult: "CreateAndCallResponse",
    models.JobCounts: "JobCounts",
    models.TeamUsage: "TeamUsage",
    models.TeamBalance: "TeamBalance",
    models.TeamLedgerEntry: "TeamLedgerEntryOut",
}
REQUESTS: dict[type[BaseModel], str] = {
    models.JobCreateRequest: "JobCreate",
    models.LLMCallRequest: "LLMCallRequest",
    models.CreateAndCallRequest: "CreateAndCallRequest",
    models.JobCompleteRequest: "JobComplete",
    models.Message: "Message",
}
# Models with no schema of their own in the spec.
NOT_IN_SPEC = {
    models.RequestBody: "a base class; never sent alone",
    models.ResponseBody: "a base class; never read alone",
    models.CallParams: "a base class of LLMCallRequest and CreateAndCallRequest",
    models.StreamResult: "assembled from a stream's server-sent events, which the spec does not describe",
}
# Fields the client adds to the server's shapes.
CLIENT_ONLY_FIELDS = {
    "credits_warning",  # set from the X-Credits-Warning response header, not read from the body
}
SPEC_NAME = {model.__name__: name for model, name in {**RESPONSES, **REQUESTS}.items()}


def test_every_client_model_is_checked_against_the_spec() -> None:
    defined = {
        value
        for value in vars(models).values()
        if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == models.__name__
    }
    unmapped = defined - RESPONSES.keys() - REQUESTS.keys() - NOT_IN_SPEC.keys()
    assert not unmapped, f"map {sorted(m.__name__ for m in unmapped)} to a spec schema in this test"
    missing = sorted(name for name in SPEC_NAME.values() if name not in SPEC_SCHEMAS)
    assert not missing, f"docs/openapi.json has no schemas {missing}"


@pytest.mark.parametrize("model", RESPONSES, ids=lambda model: model.__name__)
def test_response_model_reads_what_the_spec_describes(model: type[BaseModel]) -> None:
    problems = _mismatches(model, RESPONSES[model], client_reads=True)
    assert not problems, f"{model.__name__} cannot read {RESPONSES[model]}: " + "; ".join(problems)


@pytest.mark.parametrize("model", REQUESTS, ids=lambda model: model.__name__)
def test_request_model_sends_only_what_the_server_accepts(model: type[BaseModel]) -> None:
    problems = _mismatches(model, REQUESTS[model], client_reads=False)
    assert not problems, f"{model.__name__} does not fit {REQUESTS[model]}: " + "; ".join(problems)


def _mismatches(model: type[BaseModel], schema_name: str, *, client_reads: bool) -> list[str]:
    """What stands between the client's model and the spec's schema: fields only one of them has,
    and fields with values that the reading side cannot take."""
    client = model.model_json_schema(mode="validation" if client_reads else "serialization")
    spec = SPEC_SCHEMAS[schema_name]
    fields = set(client["properties"]) - (CLIENT_ONLY_FIELDS if client_reads else set())
    problems = [f"{name}: not in {schema_name}" for name in sorted(fields - set(spec["properties"]))]
    problems += [f"{name}: required by {schema_name}" for name in sorted(set(spec.get("required", [])) - fields)]
    for name in sorted(fields & set(spec["properties"])):
        client_side, spec_side = Node(client["properties"][name], client), Node(spec["properties"][name], SPEC)
        reader, value = (client_side, spec_side) if client_reads else (spec_side, client_side)
        if not _accepts(reader, value, client_reads=client_reads):
            problems.append(f"{name}: {'the client cannot read' if client_reads else 'the server refuses'} some values")
    return problems


@pytest.mark.parametrize(
    ("options", "request_model"),
    [(models.LLMCallOptions, models.LLMCallRequest), (models.CallOptions, models.CreateAndCallRequest)],
    ids=["LLMCallOptions", "CallOptions"],
)
def test_call_keyword_arguments_are_request_fields(options: type, request_model: type[BaseModel]) -> None:
    """The **params a call method takes end up in its request body, so they are fields checked above."""
    keys = options.__required_keys__ | options.__optional_keys__
    assert not keys - set(request_model.model_fields), f"{options.__name__} has keys {request_model.__name__} lacks"


def _requests() -> list[ApiRequest[Any]]:
    api, job_id = JobApi("team-1"), "job-1"
    return [
        api.create_job("t", None, None),
        api.get_job(job_id),
        api.list_jobs(None, None, 50, 0),
        api.llm_call(job_id, "hi", None, {}, None),
        api.llm_call_stream(job_id, "hi", None, {}),
        api.complete_job(job_id, "completed", None, None, None),
        api.create_and_call("t", "hi", None, None, {}, None),
        api.create_and_call_stream("t", "hi", None, None, {}),
        api.get_usage(None, None, None),
        api.get_balance(50, None),
    ]


@pytest.mark.parametrize("request_", _requests(), ids=lambda request: f"{request.method} {request.path}")
def test_client_request_goes_to_a_route_of_the_spec(request_: ApiRequest[Any]) -> None:
    """Each request the client builds names a route of the spec, and reads its answer with the model
    mapped above to that route's response schema."""
    operation = _operation(request_.method, request_.path)
    model = getattr(request_.parse, "__self__", None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        success = next(answer for status, answer in operation["responses"].items() if status.startswith("2"))
        schema = success["content"]["application/json"]["schema"]
        names = {_ref_name(branch["$ref"]) for branch in schema.get("anyOf", [schema]) if "$ref" in branch}
        assert RESPONSES[model] in names, f"{request_.path} answers with {names}, not {RESPONSES[model]}"


def _operation(method: str, path: str) -> dict[str, Any]:
    for template, operations in SPEC["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method.lower() in operations:
            return operations[method.lower()]
    raise AssertionError(f"the spec has no route {method} {path}")


# -- JSON schema compatibility --------------------------------------------------------------------


class Node(NamedTuple):
    """A JSON schema and the document its $refs point into (the spec, or a client model's schema)."""

    schema: dict[str, Any]
    root: dict[str, Any]

    def child(self, schema: dict[str, Any]) -> Node:
        return Node(schema, self.root)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _branches(node: Node, *, drop_null: bool) -> list[dict[str, Any]]:
    """The schema as its alternatives, each of one type; a $ref to an enum is replaced by the enum,
    a $ref to a model stays a $ref."""
    schema = node.schema
    if "$ref" in schema:
        definitions = node.root["$defs"] if "$defs" in node.root else node.root["components"]["schemas"]
        target = definitions[_ref_name(schema["$ref"])]
        schema = schema if target.get("type") == "object" else target
    if "anyOf" in schema:
        return [branch for option in schema["anyOf"] for branch in _branches(node.child(option), drop_null=drop_null)]
    if drop_null and schema.get("type") == "null":
        return []
    if "const" in schema:  # a one-value Literal
        return [{**schema, "enum": [schema["const"]]}]
    return [schema]


def _accepts(reader: Node, value: Node, *, client_reads: bool) -> bool:
    """Whether every value that `value` allows fits `reader`. The client reads responses and writes
    requests; it leaves out None when it writes (exclude_none), so what it sends is never null."""
    readers = _branches(reader, drop_null=False)
    return all(
        any(_accepts_one(reader.child(one_reader), value.child(one_value), client_reads) for one_reader in readers)
        for one_value in _branches(value, drop_null=not client_reads)
    )


def _accepts_one(reader_node: Node, value_node: Node, client_reads: bool) -> bool:
    reader, value = reader_node.schema, value_node.schema
    if not {"type", "$ref", "enum"} & reader.keys():
        return True  # Any
    if "$ref" in reader or "$ref" in value:
        # Two models must be a pair mapped above (each pair is checked by its own test).
        if "$ref" not in reader or "$ref" not in value:
            return False
        client_ref, spec_ref = (reader["$ref"], value["$ref"]) if client_reads else (value["$ref"], reader["$ref"])
        return SPEC_NAME.get(_ref_name(client_ref)) == _ref_name(spec_ref)
    if "enum" in reader:
        return set(value.get("enum", [object()])) <= set(reader["enum"])
    kind, value_kind = reader["type"], value.get("type")
    if kind == "number" and value_kind == "integer":
        return True
    if kind != value_kind:
        return False
    if kind == "string":
        return reader.get("format") in (None, value.get("format"))
    if kind == "array":
        items = reader_node.child(reader.get("items", {})), value_node.child(value.get("items", {}))
        return _accepts(*items, client_reads=client_reads)
    if kind == "object":
        reader_extra, value_extra = reader.get("additionalProperties", True), value.get("additionalProperties", True)
        if reader_extra is True:
            return True
        if reader_extra is False or value_extra is True:
            return False
        extras = reader_node.child(reader_extra), value_node.child(value_extra or {})
        return value_extra is False or _accepts(*extras, client_reads=client_reads)
    return True  # boolean, integer, number, null
