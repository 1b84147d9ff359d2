"""Bring the whole stack up on this machine: databases, migrations, the fake provider, the LiteLLM
proxy and the SaaS API. Used by `make up` (with the demo data) and by the test suite (one stack per
test session, on its own databases and ports).

    python scripts/stack.py up      # start everything, seed the demo, wait for Ctrl-C
    python scripts/stack.py down    # stop what `up` started
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
DEMO_KEY_FILE = RUN_DIR / "demo-team.key"  # the demo team's API key, written when the team is created
PY = sys.executable
BIN = Path(PY).parent


# -- environment --------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, _, value = line.partition("=")
                values[name.strip()] = value.strip().strip('"').strip("'")
    return values


def new_encryption_key() -> str:
    """A Fernet key for SAAS_ENCRYPTION_KEY: 32 random bytes, url-safe base64."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def ensure_env_file() -> dict[str, str]:
    """Write .env from .env.example with fresh random secrets, once; return its values. An older
    .env without SAAS_ENCRYPTION_KEY gets one appended (never replaced: the stored keys need it)."""
    env_path = ROOT / ".env"
    if not env_path.exists():
        text = (ROOT / ".env.example").read_text()
        text = text.replace("MASTER_KEY=change-me", f"MASTER_KEY=sk-admin-{secrets.token_urlsafe(24)}", 1)
        text = text.replace(
            "LITELLM_MASTER_KEY=change-me", f"LITELLM_MASTER_KEY=sk-litellm-{secrets.token_urlsafe(24)}", 1
        )
        text = text.replace("SAAS_ENCRYPTION_KEY=change-me", f"SAAS_ENCRYPTION_KEY={new_encryption_key()}", 1)
        env_path.write_text(text)
        env_path.chmod(0o600)
        print("wrote .env with fresh MASTER_KEY, LITELLM_MASTER_KEY and SAAS_ENCRYPTION_KEY")
    elif not read_env_file(env_path).get("SAAS_ENCRYPTION_KEY"):
        comment = "# Encrypts the teams' LiteLLM keys at rest: never change or lose it."
        with env_path.open("a") as env:
            env.write(f"\n{comment}\nSAAS_ENCRYPTION_KEY={new_encryption_key()}\n")
        print("added a fresh SAAS_ENCRYPTION_KEY to .env")
    return read_env_file(env_path)


def offline_kit() -> Path | None:
    """../shared/litellm-offline, when this machine has it (no internet for Prisma's engines)."""
    configured = os.environ.get("LITELLM_OFFLINE_KIT")
    kit = Path(configured) if configured else ROOT.parent / "shared" / "litellm-offline"
    return kit if (kit / "env.sh").exists() else None


def offline_env(kit: Path) -> dict[str, str]:
    out = subprocess.run(
        ["bash", "-c", f". '{kit}/env.sh' && env -0"], check=True, capture_output=True, env=dict(os.environ)
    ).stdout.decode()
    return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- databases ----------------------------------------------------------------------------------


def _admin_psql(server_url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(server_url + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def create_database(server_url: str, name: str) -> None:
    import psycopg2

    try:
        _admin_psql(server_url, f'CREATE DATABASE "{name}"')
    except psycopg2.errors.DuplicateDatabase:
        pass


def drop_database(server_url: str, name: str) -> None:
    _admin_psql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_saas(database_url: str) -> None:
    subprocess.run(
        [str(BIN / "alembic"), "-c", str(ROOT / "saas-api" / "alembic.ini"), "upgrade", "head"],
        check=True,
        env={**os.environ, "SAAS_DATABASE_URL": database_url},
    )


def migrate_litellm(database_url: str, env: dict[str, str]) -> None:
    """With the offline kit, apply LiteLLM's migrations with plain SQL; otherwise the proxy does it."""
    kit = offline_kit()
    if kit is None:
        return
    subprocess.run(
        [PY, str(kit / "apply_migrations.py")],
        check=True,
        env={**env, "DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
    )


# -- processes ----------------------------------------------------------------------------------


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"process for {url} exited with {proc.returncode}\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} was not healthy within {timeout:.0f}s")


@dataclass
class Stack:
    """One running stack. Ports and database names are parameters so tests can run beside `make up`."""

    master_key: str
    litellm_master_key: str
    saas_db: str
    litellm_db: str
    pg_server: str = "postgresql://postgres@127.0.0.1:5432"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    fake_port: int = 8010
    litellm_port: int = 8002
    api_ports: list[int] = field(default_factory=lambda: [8003])
    log_dir: Path = RUN_DIR / "logs"
    cache_namespace: str = "saas-litellm"
    # SAAS_ENCRYPTION_KEY for the API processes: a fresh one for a private stack (tests, make bench).
    encryption_key: str = field(default_factory=lambda: new_encryption_key())
    api_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def saas_database_url(self) -> str:
        return f"{self.pg_server.replace('postgresql://', 'postgresql+psycopg2://')}/{self.saas_db}"

    @property
    def litellm_database_url(self) -> str:
        return f"{self.pg_server}/{self.litellm_db}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_ports[0]}"

    @property
    def litellm_url(self) -> str:
        return f"http://127.0.0.1:{self.litellm_port}"

    @property
    def fake_url(self) -> str:
        return f"http://127.0.0.1:{self.fake_port}"

    def _env(self) -> dict[str, str]:
        kit = offline_kit()
        env = offline_env(kit) if kit else dict(os.environ)
        env.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        return env

    def prepare_databases(self) -> None:
        create_database(self.pg_server, self.saas_db)
        create_database(self.pg_server, self.litellm_db)
        migrate_saas(self.saas_database_url)
        migrate_litellm(self.litellm_database_url, self._env())

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        self.processes[name] = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )

    def start_fake_provider(self) -> None:
        self._spawn(
            "fake-provider",
            [PY, str(ROOT / "litellm" / "fake_provider.py"), "--port", str(self.fake_port)],
            self._env(),
        )
        wait_http(f"{self.fake_url}/health", 30, self.processes["fake-provider"], self.log_dir / "fake-provider.log")

    def start_litellm(self) -> None:
        env = {
            **self._env(),
            "DATABASE_URL": self.litellm_database_url,
            "LITELLM_DATABASE_URL": self.litellm_database_url,
            "LITELLM_MASTER_KEY": self.litellm_master_key,
            "FAKE_PROVIDER_API_BASE": f"{self.fake_url}/v1",
            "FAKE_PROVIDER_API_KEY": os.environ.get("FAKE_PROVIDER_API_KEY", "sk-fake-provider"),
            "REDIS_HOST": self.redis_host,
            "REDIS_PORT": str(self.redis_port),
            "LITELLM_CACHE_NAMESPACE": self.cache_namespace,
            "LITELLM_LOG": os.environ.get("LITELLM_LOG", "ERROR"),
        }
        argv = [str(BIN / "litellm"), "--config", str(ROOT / "litellm" / "config.yaml"),
                "--host", "127.0.0.1", "--port", str(self.litellm_port), "--num_workers", "1"]  # fmt: skip
        self._spawn("litellm", argv, env)
        wait_http(f"{self.litellm_url}/health/liveliness", 180, self.processes["litellm"], self.log_dir / "litellm.log")

    def api_environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "SAAS_DATABASE_URL": self.saas_database_url,
            "MASTER_KEY": self.master_key,
            "LITELLM_MASTER_KEY": self.litellm_master_key,
            "LITELLM_PROXY_URL": self.litellm_url,
            "REDIS_URL": f"redis://{self.redis_host}:{self.redis_port}/0",
            "LITELLM_CACHE_NAMESPACE": self.cache_namespace,  # each tenant's cache lives under the proxy's
            "SAAS_ENCRYPTION_KEY": self.encryption_key,
            **self.api_env,
        }

    def spawn_api(self, name: str, port: int) -> None:
        """Start an API process (logging to `name`.log) without waiting for it to be healthy."""
        argv = [str(BIN / "uvicorn"), "saas_api.main:app", "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log", "--timeout-graceful-shutdown", "5"]  # fmt: skip
        self._spawn(name, argv, self.api_environment())

    def wait_api(self, name: str, port: int) -> None:
        wait_http(f"http://127.0.0.1:{port}/health", 60, self.processes[name], self.log_dir / f"{name}.log")

    def start_api(self, index: int = 0) -> None:
        port = self.api_ports[index]
        name = "saas-api" if index == 0 else f"saas-api-{index}"
        self.spawn_api(name, port)
        self.wait_api(name, port)

    def stop_process(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def start(self) -> None:
        self.prepare_databases()
        self.start_fake_provider()
        self.start_litellm()
        for index in range(len(self.api_ports)):
            self.start_api(index)

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop_process(name)


# -- demo data ----------------------------------------------------------------------------------


def _post(url: str, body: dict[str, object], headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **headers}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


DEMO_ALIASES = [
    {"alias": "ChatAgent", "litellm_model": "gpt-4o-mini", "description": "fast, inexpensive chat"},
    {
        "alias": "SmartAgent",
        "litellm_model": "gpt-4o",
        "description": "stronger reasoning, falls back to ChatAgent's model",
    },
    {"alias": "NanoAgent", "litellm_model": "gpt-4.1-nano", "description": "cheapest, for classification"},
]


def seed_demo(api_url: str, master_key: str, key_file: Path) -> str | None:
    """Create the demo organization, aliases, access group and team, idempotently.

    Returns the demo team's API key: from the creation (and saved to `key_file`), or from `key_file`
    on later runs."""
    admin = {"X-Admin-Key": master_key}
    for alias in DEMO_ALIASES:
        status, body = _post(f"{api_url}/api/model-aliases/create", alias, admin)
        if status not in (201, 409):
            raise RuntimeError(f"seeding alias {alias['alias']}: {status} {body}")
    steps = [
        ("/api/organizations/create", {"organization_id": "org_demo", "name": "Demo Organization"}),
        ("/api/model-access-groups/create", {"group_name": "gpt-models", "description": "GPT models",
                                             "model_aliases": [a["alias"] for a in DEMO_ALIASES]}),
    ]  # fmt: skip
    for path, body in steps:
        status, reply = _post(f"{api_url}{path}", body, admin)
        if status not in (200, 201):
            raise RuntimeError(f"seeding {path}: {status} {reply}")
    status, team = _post(
        f"{api_url}/api/teams/create",
        {"organization_id": "org_demo", "team_id": "demo-team", "team_alias": "Demo Team",
         "access_groups": ["gpt-models"], "credits_allocated": 1000, "default_alias": "ChatAgent"},
        admin,
    )  # fmt: skip
    if status == 201:
        key = str(team["api_key"])
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key + "\n")
        key_file.chmod(0o600)
        return key
    if status == 409:
        return key_file.read_text().strip() if key_file.exists() else None
    raise RuntimeError(f"seeding the demo team: {status} {team}")


# -- commands -----------------------------------------------------------------------------------


def stack_from_env(values: dict[str, str]) -> Stack:
    return Stack(
        master_key=values["MASTER_KEY"],
        litellm_master_key=values["LITELLM_MASTER_KEY"],
        encryption_key=values["SAAS_ENCRYPTION_KEY"],
        saas_db=values.get("SAAS_DB_NAME", "saas_litellm"),
        litellm_db=values.get("LITELLM_DB_NAME", "saas_litellm_proxy"),
        pg_server=values.get("PG_SERVER", "postgresql://postgres@127.0.0.1:5432"),
        redis_host=values.get("REDIS_HOST", "127.0.0.1"),
        redis_port=int(values.get("REDIS_PORT", "6379")),
        fake_port=int(values.get("FAKE_PROVIDER_PORT", "8010")),
        litellm_port=int(values.get("LITELLM_PORT", "8002")),
        api_ports=[int(values.get("SAAS_API_PORT", "8003"))],
    )


def up(serve_panel: bool = True) -> None:
    values = {**ensure_env_file(), **{k: v for k, v in os.environ.items() if k in ("SAAS_API_PORT", "LITELLM_PORT")}}
    stack = stack_from_env(values)
    RUN_DIR.mkdir(exist_ok=True)
    print("preparing databases ...", flush=True)
    stack.prepare_databases()
    try:
        print("starting the fake provider, the LiteLLM proxy (about 20 s) and the SaaS API ...", flush=True)
        stack.start_fake_provider()
        stack.start_litellm()
        stack.start_api()
        panel = ROOT / "admin-panel" / "out"
        if serve_panel and panel.is_dir():
            # The panel finds the API at its own host on :8003 unless config.json beside index.html says otherwise.
            config = panel / "config.json"
            if stack.api_ports[0] != 8003:
                config.write_text(json.dumps({"apiBaseUrl": stack.api_url, "litellmUiUrl": f"{stack.litellm_url}/ui"}))
            else:
                config.unlink(missing_ok=True)
            stack._spawn(
                "admin-panel",
                [PY, "-m", "http.server", "3002", "--bind", "127.0.0.1", "--directory", str(panel)],
                dict(os.environ),
            )
        (RUN_DIR / "pids").write_text("\n".join(str(p.pid) for p in stack.processes.values()))
        key = seed_demo(stack.api_url, stack.master_key, DEMO_KEY_FILE)
        print_welcome(stack, key, panel.is_dir())
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        dead = [name for name, p in stack.processes.items() if p.poll() is not None]
        print(f"stopped: {', '.join(dead)} exited; logs in {stack.log_dir}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping ...")
    finally:
        stack.stop()
        (RUN_DIR / "pids").unlink(missing_ok=True)


def print_welcome(stack: Stack, key: str | None, panel: bool) -> None:
    shown_key = key or f"<the key printed when the demo team was created; {DEMO_KEY_FILE} is missing>"
    print(
        f"""
SaaS LiteLLM is running.
  SaaS API      {stack.api_url}   (docs: {stack.api_url}/docs)
  LiteLLM proxy {stack.litellm_url}   (internal; UI at {stack.litellm_url}/ui; team keys do not open it)
  Fake provider {stack.fake_url}
{"  Admin panel   http://127.0.0.1:3002" if panel else ""}
Demo team 'demo-team' API key: {shown_key}   (saved in {DEMO_KEY_FILE.relative_to(ROOT)})
Admin key: MASTER_KEY in .env

Try it:
  curl -s {stack.api_url}/api/jobs/create-and-call -H "Authorization: Bearer {shown_key}" \\
       -H "Content-Type: application/json" \\
       -d '{{"job_type": "demo", "messages": [{{"role": "user", "content": "Say hello!"}}]}}'

Logs: {stack.log_dir}. Ctrl-C (or `make down`) stops everything.
""",
        flush=True,
    )


def down() -> None:
    pids = RUN_DIR / "pids"
    if not pids.exists():
        print("nothing to stop")
        return
    for pid in pids.read_text().split():
        try:
            os.killpg(int(pid), signal.SIGTERM)
        except ProcessLookupError:
            pass
    pids.unlink()
    print("stopped")


def main() -> None:
    parser = argparse.ArgumentParser(description="run the SaaS LiteLLM stack locally")
    parser.add_argument("command", choices=["up", "down"])
    args = parser.parse_args()
    if shutil.which("node") is None and offline_kit() is not None:
        print("warning: the offline LiteLLM kit needs Node.js", file=sys.stderr)
    up() if args.command == "up" else down()


if __name__ == "__main__":
    main()
