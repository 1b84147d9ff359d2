"""What tests may do that no client can: read a team's server-side LiteLLM key from the database,
talk to the LiteLLM proxy directly, and start API processes of their own on the session's database."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import stack as stack_module  # noqa: E402


def saas_db(stack: stack_module.Stack) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}")
    conn.autocommit = True
    return conn


def stored_litellm_key(stack: stack_module.Stack, team_id: str) -> tuple[str, str]:
    """(sha256, plain text) of the team's LiteLLM key, decrypted with the session's SAAS_ENCRYPTION_KEY."""
    from saas_api import vault

    conn = saas_db(stack)
    try:
        with conn.cursor() as cur:
            cur.execute("select key_hash, encrypted_key from litellm_keys where team_id = %s", (team_id,))
            key_hash, encrypted = cur.fetchone()
    finally:
        conn.close()
    return key_hash, vault.decrypt(encrypted)


def litellm_admin(stack: stack_module.Stack) -> httpx.Client:
    """The proxy's admin API, with its master key."""
    headers = {"Authorization": f"Bearer {stack.litellm_master_key}"}
    return httpx.Client(base_url=stack.litellm_url, headers=headers, timeout=30)


def proxy_answers(stack: stack_module.Stack, key: str, model: str = "gpt-4o-mini") -> tuple[int, int]:
    """The statuses of a chat completion and of /model/info sent straight to the proxy with `key`."""
    with httpx.Client(base_url=stack.litellm_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as proxy:
        chat = proxy.post("/chat/completions", json={"model": model, "messages": [{"role": "user", "content": "hi"}]})
        info = proxy.get("/model/info")
    return chat.status_code, info.status_code


@contextmanager
def extra_api_processes(stack: stack_module.Stack, names: list[str], **env: str) -> Iterator[list[str]]:
    """API processes of their own (logs: `name`.log), started at once on the session's database with
    `env` added to the session's API environment; yields their base URLs."""
    run = dataclasses.replace(stack, api_env={**stack.api_env, **env}, processes={})
    ports = [stack_module.free_port() for _ in names]
    try:
        for name, port in zip(names, ports, strict=True):
            run.spawn_api(name, port)
        for name, port in zip(names, ports, strict=True):
            run.wait_api(name, port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        run.stop()
