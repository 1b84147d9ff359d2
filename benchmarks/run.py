"""`make bench`: how much the SaaS layer costs in front of LiteLLM, measured in one run on one machine.

Starts a private stack (fresh databases with random names, free ports; never the `make up` one),
then measures three targets with the same load generator, interleaving their rounds so that
machine noise hits all of them alike:

    fake provider   POST {fake}/v1/chat/completions                 the floor
    LiteLLM alone   POST {litellm}/chat/completions                 the team's LiteLLM key, gpt-4o-mini
    SaaS + LiteLLM  POST {api}/api/jobs/{job}/llm-call(-stream)     the team's API key, through the SaaS API

It reports buffered latency (p50/p95/p99, one client), streamed time to first byte, throughput at
1, 10 and 50 concurrent clients, CPU per call and RSS of each process; then seeds 1M llm_calls and
times the usage endpoints. The last line is machine-readable:

    saas_overhead_p50_ms=<x> saas_overhead_p95_ms=<y> throughput_ratio=<z>

Options: --quick (a short run), --no-usage, --usage-rows N, --profile (py-spy, see cpu_profile.py).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import os
import platform
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import cpu_profile  # noqa: E402
import load  # noqa: E402
import procstats  # noqa: E402
import stack as stack_module  # noqa: E402
import usage  # noqa: E402

FAKE, LITELLM, SAAS = "fake provider", "LiteLLM alone", "SaaS + LiteLLM"
TARGET_P50_MS, TARGET_P95_MS, TARGET_THROUGHPUT, TARGET_QUERY_MS = 2.0, 5.0, 0.90, 100.0
PROCESS_NAMES = ("fake-provider", "litellm", "saas-api")


@dataclass
class Settings:
    latency_rounds: int = 10
    latency_per_round: int = 100  # 1000 samples a target: a steadier p95
    stream_rounds: int = 10
    stream_per_round: int = 30
    concurrencies: tuple[int, ...] = (1, 10, 50)
    throughput_rounds: int = 3
    throughput_seconds: float = 4.0
    warmup_calls: int = 100
    usage_rows: int | None = 1_000_000
    usage_repeats: int = 10
    profile_seconds: float = 0.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- the stack and its data ---------------------------------------------------------------------


def new_stack() -> stack_module.Stack:
    suffix = secrets.token_hex(4)
    return stack_module.Stack(
        master_key=f"sk-admin-bench-{secrets.token_urlsafe(12)}",
        litellm_master_key=f"sk-litellm-bench-{secrets.token_urlsafe(12)}",
        saas_db=f"saas_bench_{suffix}",
        litellm_db=f"saas_bench_litellm_{suffix}",
        fake_port=stack_module.free_port(),
        litellm_port=stack_module.free_port(),
        api_ports=[stack_module.free_port()],
        log_dir=ROOT / ".run" / "bench-logs",
        cache_namespace=f"saas-bench-{suffix}",
    )


@dataclass
class BenchTeam:
    key: str  # the team's API key, for the SaaS API
    litellm_key: str  # the team's server-side LiteLLM key (what the SaaS API forwards), for LiteLLM alone
    job_ids: list[str]


def litellm_key_of(stack: stack_module.Stack, team_id: str) -> str:
    """The team's LiteLLM key, read and decrypted as the API does (the bench holds the stack's key)."""
    from cryptography.fernet import Fernet

    with psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}") as conn, conn.cursor() as cur:
        cur.execute("select encrypted_key from litellm_keys where team_id = %s", (team_id,))
        (encrypted,) = cur.fetchone()
    return Fernet(stack.encryption_key).decrypt(encrypted.encode()).decode()


def create_team(stack: stack_module.Stack, jobs: int) -> BenchTeam:
    """A team without rpm/tpm limits, on a job-based budget, with `jobs` open jobs (one per client)."""
    with httpx.Client(base_url=stack.api_url, headers={"X-Admin-Key": stack.master_key}, timeout=60) as admin:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = admin.post(path, json=body)
            if response.status_code not in (200, 201):
                raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:300]}")
            return response.json()  # type: ignore[no-any-return]

        for alias in stack_module.DEMO_ALIASES:
            post("/api/model-aliases/create", alias)
        post("/api/model-access-groups/create",
             {"group_name": "bench-models", "model_aliases": [a["alias"] for a in stack_module.DEMO_ALIASES]})  # fmt: skip
        post("/api/organizations/create", {"organization_id": "bench-org", "name": "Benchmark"})
        team = post(
            "/api/teams/create",
            {"organization_id": "bench-org", "team_id": "bench-team", "access_groups": ["bench-models"],
             "budget_mode": "job_based", "credits_allocated": 1000, "default_alias": "ChatAgent"},
        )  # fmt: skip
    key = str(team["api_key"])
    with httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        responses = [client.post("/api/jobs/create", json={"job_type": "benchmark"}) for _ in range(jobs)]
    if any(r.status_code != 201 for r in responses):
        raise RuntimeError(f"creating jobs: {[r.text[:200] for r in responses if r.status_code != 201][:1]}")
    job_ids = [str(r.json()["job_id"]) for r in responses]
    return BenchTeam(key=key, litellm_key=litellm_key_of(stack, "bench-team"), job_ids=job_ids)


def targets(stack: stack_module.Stack, team: BenchTeam) -> list[load.Target]:
    messages = lambda prompt: [{"role": "user", "content": prompt}]  # noqa: E731

    def openai_body(prompt: str, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": "gpt-4o-mini", "messages": messages(prompt)}
        if stream:  # what the SaaS layer asks of LiteLLM, so both streams carry the same chunks
            body.update(stream=True, stream_options={"include_usage": True})
        return body

    def job(worker: int) -> str:
        return f"{stack.api_url}/api/jobs/{team.job_ids[worker % len(team.job_ids)]}"

    fake_url = f"{stack.fake_url}/v1/chat/completions"
    litellm_url = f"{stack.litellm_url}/chat/completions"
    return [
        load.Target(FAKE, lambda w: fake_url, lambda w: fake_url, {"Authorization": "Bearer sk-fake-provider"},
                    openai_body),
        load.Target(LITELLM, lambda w: litellm_url, lambda w: litellm_url, {"Authorization": f"Bearer {team.litellm_key}"},
                    openai_body),
        load.Target(SAAS, lambda w: f"{job(w)}/llm-call", lambda w: f"{job(w)}/llm-call-stream",
                    {"Authorization": f"Bearer {team.key}"}, lambda prompt, stream: {"messages": messages(prompt)}),
    ]  # fmt: skip


# -- measurements -------------------------------------------------------------------------------


@dataclass
class CpuUse:
    """CPU seconds used during load phases, per stack process, by the generator and by the machine."""

    processes: dict[str, float] = field(default_factory=dict)
    generator: float = 0.0
    machine: float = 0.0


@dataclass
class Results:
    latency: dict[str, list[float]] = field(default_factory=dict)
    ttfb: dict[str, list[float]] = field(default_factory=dict)
    stream_total: dict[str, list[float]] = field(default_factory=dict)
    throughput: dict[tuple[str, int], load.LoadResult] = field(default_factory=dict)
    cpu: dict[tuple[str, int], CpuUse] = field(default_factory=dict)
    memory_idle: dict[str, procstats.Memory] = field(default_factory=dict)
    memory_loaded: dict[str, procstats.Memory] = field(default_factory=dict)
    saas_db_per_call: dict[str, float] = field(default_factory=dict)
    usage_seed_seconds: float | None = None
    usage_rollup_seconds: float | None = None
    usage_error: str | None = None
    usage: list[usage.QueryTiming] = field(default_factory=list)
    profile: str | None = None
    startup_seconds: float = 0.0
    background_cores: float = 0.0  # cores busy before the stack started: other work on the machine
    foreign_cores: float = 0.0  # cores used by other work while the measurements ran
    errors: dict[tuple[str, str], int] = field(default_factory=dict)  # (phase, target) -> failed calls
    first_errors: dict[tuple[str, str], str] = field(default_factory=dict)

    def failed(self, where: tuple[str, str], exc: Exception) -> None:
        """Count a failed call and keep the first message: the run goes on, the report shows them."""
        self.errors[where] = self.errors.get(where, 0) + 1
        self.first_errors.setdefault(where, f"{type(exc).__name__}: {exc}"[:300])


class CpuMeter:
    """Per-process CPU of the stack, of its PostgreSQL backends (by database), of this generator and
    of the whole machine; `rest` in the report is what none of those used (other work on the machine)."""

    def __init__(self, stack: stack_module.Stack):
        self.stack = stack
        self.databases = {"postgres (SaaS db)": stack.saas_db, "postgres (LiteLLM db)": stack.litellm_db}
        self.conn: Any = None

    def _backends(self, database: str) -> list[int]:
        """Backend pids of a database; none if PostgreSQL cannot say (e.g. it is restarting)."""
        for _ in range(2):
            try:
                if self.conn is None or self.conn.closed:
                    self.conn = psycopg2.connect(f"{self.stack.pg_server}/postgres", connect_timeout=5)
                    self.conn.autocommit = True
                with self.conn.cursor() as cur:
                    cur.execute("select pid from pg_stat_activity where datname = %s", (database,))
                    return [row[0] for row in cur.fetchall()]
            except psycopg2.Error:
                self.close()
        return []

    def snapshot(self) -> tuple[dict[str, dict[int, float]], float, float]:
        groups = {
            name: procstats.cpu_seconds(procstats.session_pids(self.stack.processes[name].pid))
            for name in PROCESS_NAMES
        }
        for name, database in self.databases.items():
            groups[name] = procstats.cpu_seconds(self._backends(database))
        return groups, time.process_time(), procstats.machine_busy_seconds()

    def add(self, total: CpuUse, before: tuple[Any, float, float], after: tuple[Any, float, float]) -> None:
        for name, pids in after[0].items():
            total.processes[name] = total.processes.get(name, 0.0) + procstats.cpu_used_between(before[0][name], pids)
        total.generator += after[1] - before[1]
        total.machine += after[2] - before[2]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _rotations(items: list[load.Target], rounds: int) -> list[list[load.Target]]:
    """Round r starts with a different target each time, so no target always runs first."""
    return [items[r % len(items) :] + items[: r % len(items)] for r in range(rounds)]


async def warm_up(clients: dict[str, httpx.AsyncClient], all_targets: list[load.Target], calls: int) -> None:
    for target in all_targets:
        for _ in range(calls):
            await load.buffered_call(clients[target.name], target)
        for _ in range(max(5, calls // 5)):
            await load.streamed_call(clients[target.name], target)
        warm = await load.closed_loop(clients[target.name], target, 50, 2.0)
        if warm.errors:
            raise RuntimeError(f"{target.name}: {warm.errors} errors while warming up; first: {warm.first_error}")


def _saas_db_counters(stack: stack_module.Stack) -> dict[str, float] | None:
    """The SaaS database's activity counters so far; None if PostgreSQL cannot say."""
    try:
        conn = psycopg2.connect(f"{stack.pg_server}/{stack.saas_db}", connect_timeout=5)
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "select xact_commit + xact_rollback, tup_inserted, tup_updated, tup_fetched "
                    "from pg_stat_database where datname = current_database()"
                )
                transactions, inserted, updated, fetched = cur.fetchone()
        finally:
            conn.close()
    except psycopg2.Error:
        return None
    return {"transactions": transactions, "rows inserted": inserted, "rows updated": updated, "rows fetched": fetched}


async def measure(stack: stack_module.Stack, team: BenchTeam, settings: Settings, results: Results) -> None:
    all_targets = targets(stack, team)
    # Idle connections are dropped before the servers' own 5 s keep-alive (uvicorn's default) ends, so
    # the generator never sends a request on a connection the server is closing.
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200, keepalive_expiry=3.0)
    clients = {t.name: httpx.AsyncClient(timeout=60, limits=limits) for t in all_targets}
    meter = CpuMeter(stack)
    try:
        log(f"warming up ({settings.warmup_calls} calls, streams and a 2 s burst at 50 clients per target)")
        await warm_up(clients, all_targets, settings.warmup_calls)

        whole = CpuUse()
        whole_before, whole_started = meter.snapshot(), time.perf_counter()
        log(f"buffered latency: {settings.latency_rounds} rounds x {settings.latency_per_round} calls per target")
        for order in _rotations(all_targets, settings.latency_rounds):
            for target in order:
                samples = results.latency.setdefault(target.name, [])
                for _ in range(settings.latency_per_round):
                    try:
                        samples.append(await load.buffered_call(clients[target.name], target))
                    except (load.CallFailed, httpx.HTTPError) as exc:
                        results.failed(("buffered", target.name), exc)

        log(f"streamed calls: {settings.stream_rounds} rounds x {settings.stream_per_round} streams per target")
        for order in _rotations(all_targets, settings.stream_rounds):
            for target in order:
                for _ in range(settings.stream_per_round):
                    try:
                        first, total = await load.streamed_call(clients[target.name], target)
                    except (load.CallFailed, httpx.HTTPError) as exc:
                        results.failed(("streamed", target.name), exc)
                        continue
                    results.ttfb.setdefault(target.name, []).append(first)
                    results.stream_total.setdefault(target.name, []).append(total)

        db_totals: dict[str, float] = {}  # SaaS database activity during the SaaS rounds at 10 clients
        db_calls = 0
        for concurrency in settings.concurrencies:
            log(f"throughput at {concurrency} clients: {settings.throughput_rounds} rounds x "
                f"{settings.throughput_seconds:.0f} s per target")  # fmt: skip
            for order in _rotations(all_targets, settings.throughput_rounds):
                for target in order:
                    db_before = _saas_db_counters(stack) if target.name == SAAS and concurrency == 10 else None
                    before = meter.snapshot()
                    result = await load.closed_loop(
                        clients[target.name], target, concurrency, settings.throughput_seconds
                    )
                    meter.add(results.cpu.setdefault((target.name, concurrency), CpuUse()), before, meter.snapshot())
                    results.throughput.setdefault((target.name, concurrency), load.LoadResult()).add(result)
                    db_after = _saas_db_counters(stack) if db_before is not None else None
                    if db_before is not None and db_after is not None:
                        for key, value in db_after.items():
                            db_totals[key] = db_totals.get(key, 0.0) + value - db_before[key]
                        db_calls += result.completed
        meter.add(whole, whole_before, meter.snapshot())
        ours = sum(whole.processes.values()) + whole.generator
        results.foreign_cores = (whole.machine - ours) / (time.perf_counter() - whole_started)
        results.saas_db_per_call = {key: total / max(db_calls, 1) for key, total in db_totals.items()}

        if settings.profile_seconds:
            await profile_saas(stack, clients[SAAS], all_targets[2], settings, results)
    finally:
        meter.close()
        for client in clients.values():
            await client.aclose()


async def profile_saas(
    stack: stack_module.Stack, client: httpx.AsyncClient, target: load.Target, settings: Settings, results: Results
) -> None:
    out_dir = ROOT / ".run" / "bench-profile"
    log(f"profiling the SaaS API with py-spy for {settings.profile_seconds:.0f} s at 10 clients -> {out_dir}")
    recorder = cpu_profile.start_recording(stack.processes["saas-api"].pid, settings.profile_seconds, out_dir)
    await asyncio.sleep(0.5)  # let py-spy attach
    result = await load.closed_loop(client, target, 10, settings.profile_seconds - 1)
    _, stderr = await asyncio.to_thread(recorder.communicate)
    folded = out_dir / "saas-api.folded"
    if recorder.returncode != 0 or not folded.exists():
        results.profile = f"py-spy failed: {stderr.decode()[-500:]}"
        return
    results.profile = cpu_profile.summarize(folded, result.completed)


def measure_usage(stack: stack_module.Stack, settings: Settings, results: Results) -> None:
    assert settings.usage_rows is not None
    log(f"seeding {settings.usage_rows:,} llm_calls with generate_series (about a minute)")
    results.usage_seed_seconds = usage.seed(f"{stack.pg_server}/{stack.saas_db}", settings.usage_rows)
    log(f"seeded in {results.usage_seed_seconds:.0f} s; rolling up the finished days (one sweeper pass)")
    results.usage_rollup_seconds = usage.roll_up(stack.api_url, stack.master_key, f"{stack.pg_server}/{stack.saas_db}")
    log(f"rolled up in {results.usage_rollup_seconds:.1f} s; timing the usage endpoints")
    results.usage = usage.time_queries(stack.api_url, stack.master_key, settings.usage_rows, settings.usage_repeats)


def run(settings: Settings) -> Results:
    results = Results()
    stack = new_stack()
    log(f"starting a private stack (databases {stack.saas_db}, {stack.litellm_db}; logs in {stack.log_dir})")
    busy = procstats.machine_busy_seconds()
    time.sleep(3)
    results.background_cores = (procstats.machine_busy_seconds() - busy) / 3
    started = time.perf_counter()
    try:
        stack.start()
        results.startup_seconds = time.perf_counter() - started
        results.memory_idle = {name: procstats.memory(stack.processes[name].pid) for name in PROCESS_NAMES}
        team = create_team(stack, jobs=max(settings.concurrencies))
        _run_async(measure(stack, team, settings, results))
        results.memory_loaded = {name: procstats.memory(stack.processes[name].pid) for name in PROCESS_NAMES}
        if settings.usage_rows:
            try:
                measure_usage(stack, settings, results)
            except Exception as exc:  # keep the call measurements; say why the usage part is missing
                results.usage_error = f"{type(exc).__name__}: {exc}"
                log(f"the usage queries failed: {results.usage_error}")
    finally:
        log("stopping the stack and dropping its databases")
        stack.stop()
        for database in (stack.saas_db, stack.litellm_db):
            _drop(stack.pg_server, database)
    return results


def _drop(pg_server: str, database: str) -> None:
    """Drop a benchmark database, retrying while PostgreSQL restarts; say so if it stays."""
    for attempt in range(5):
        try:
            stack_module.drop_database(pg_server, database)
            return
        except psycopg2.Error as exc:
            if attempt == 4:
                log(f"could not drop {database} ({exc}); drop it by hand")
            time.sleep(3)


def _run_async(coro: Any) -> None:
    """uvloop when it is there (it is: uvicorn's dependency), to keep the generator's own CPU low."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
    else:
        uvloop.run(coro)


# -- the report ---------------------------------------------------------------------------------


def machine_info() -> list[str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown",
    )  # fmt: skip
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    conn = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("show server_version")
            postgres = cur.fetchone()[0]
    finally:
        conn.close()
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("litellm", "fastapi", "uvicorn", "sqlalchemy", "asyncpg", "aiohttp")
    )
    return [
        f"machine: {os.cpu_count()} x {cpu}, {memory_kib / 1024 / 1024:.1f} GiB RAM, Linux {platform.release()}",
        f"software: Python {platform.python_version()}, PostgreSQL {postgres}, {versions}",
    ]


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(results: Results, settings: Settings) -> list[str]:
    lines = [
        *machine_info(),
        f"before the run {results.background_cores:.2f} cores were busy with other work; "
        f"the stack started in {results.startup_seconds:.0f} s; during the measurements other work "
        f"used {results.foreign_cores:.2f} cores",
        "",
    ]
    names = [FAKE, LITELLM, SAAS]
    calls = settings.latency_rounds * settings.latency_per_round
    streams = settings.stream_rounds * settings.stream_per_round
    lines += [f"Buffered calls, one client ({calls} per target), ms     p50      p95      p99  errors"]
    for name in names:
        p = load.percentiles(results.latency.get(name, []))
        failed = results.errors.get(("buffered", name), 0)
        lines.append(f"  {name:<50}{p['p50']:>8.2f} {p['p95']:>8.2f} {p['p99']:>8.2f} {failed:>7}")
    lines += ["", f"Streamed calls, one client ({streams} per target), ms    TTFB p50  TTFB p95  total p50  errors"]
    for name in names:
        first, total = (
            load.percentiles(results.ttfb.get(name, [])),
            load.percentiles(results.stream_total.get(name, [])),
        )
        failed = results.errors.get(("streamed", name), 0)
        lines.append(f"  {name:<50}{first['p50']:>8.2f}  {first['p95']:>8.2f}  {total['p50']:>8.2f} {failed:>7}")
    lines += [
        f"  first error, {phase} via {name}: {message}" for (phase, name), message in results.first_errors.items()
    ]

    lines += ["", "Throughput, calls/s (errors)  [p50 latency under load, ms]"]
    lines.append("  clients   " + "".join(f"{name:>28}" for name in names))
    for concurrency in settings.concurrencies:
        cells = []
        for name in names:
            result = results.throughput[(name, concurrency)]
            p50 = load.percentiles(result.latencies)["p50"]
            cells.append(f"{result.per_second:>10.1f} ({result.errors}) [{p50:>7.1f}]")
        lines.append(f"  {concurrency:>7}   " + "".join(f"{cell:>28}" for cell in cells))
    errors = [(key, r.first_error) for key, r in results.throughput.items() if r.first_error]
    lines += [f"  first error at {key[0]}, {key[1]} clients: {message}" for key, message in errors[:3]]

    columns = [*PROCESS_NAMES, "postgres (SaaS db)", "postgres (LiteLLM db)"]
    headers = ["fake", "litellm", "saas-api", "pg:saas", "pg:litellm", "generator", "rest", "total"]
    lines += ["", "CPU ms per call during the throughput rounds (pg:* = PostgreSQL backends serving each database; "
              "rest = everything else on the machine)"]  # fmt: skip
    lines.append(f"  {'target @ clients':<24}" + "".join(f"{h:>11}" for h in headers))
    for concurrency in settings.concurrencies:
        for name in names:
            use, done = results.cpu[(name, concurrency)], max(results.throughput[(name, concurrency)].completed, 1)
            named = [use.processes.get(column, 0.0) for column in columns] + [use.generator]
            values = [*named, use.machine - sum(named), use.machine]
            lines.append(f"  {f'{name} @ {concurrency}':<24}" + "".join(f"{v * 1000 / done:>11.2f}" for v in values))
    if results.saas_db_per_call:
        per_call = ", ".join(f"{value:.1f} {key}" for key, value in results.saas_db_per_call.items())
        lines.append(f"  SaaS database work per call (pg_stat_database, 10 clients): {per_call}")

    lines += ["", "Memory (RSS, MiB, summed over each process and its children)   idle   after load   peak"]
    for name in PROCESS_NAMES:
        idle, loaded = results.memory_idle[name], results.memory_loaded[name]
        label = f"{name} ({loaded.processes} process{'es' if loaded.processes > 1 else ''})"
        lines.append(f"  {label:<60}{idle.rss_mib:>7.0f} {loaded.rss_mib:>12.0f} {loaded.peak_mib:>6.0f}")

    if results.profile:
        lines += [
            "",
            "Profile of the SaaS API under 10 clients (py-spy, samples of threads holding the GIL)",
            results.profile,
        ]

    if results.usage:
        rows = settings.usage_rows or 0
        lines += ["", f"Usage queries over {rows:,} seeded llm_calls (seeded in {results.usage_seed_seconds:.0f} s, "
                  f"rolled up by day in {results.usage_rollup_seconds or 0:.1f} s; {settings.usage_repeats} runs each, "
                  "admin key), ms", f"  {'':<72}{'p50':>8} {'max':>8}  target"]  # fmt: skip
        for timing in results.usage:
            label = f"{timing.query.label} ({timing.query.rows_in_scope})"
            verdict = _verdict(timing.p50_ms < TARGET_QUERY_MS)
            lines.append(f"  {label:<72}{timing.p50_ms:>8.1f} {timing.max_ms:>8.1f}  {verdict}")

    if results.usage_error:
        lines += ["", f"Usage queries: FAILED: {results.usage_error}"]

    lit, saas = load.percentiles(results.latency.get(LITELLM, [])), load.percentiles(results.latency.get(SAAS, []))
    overhead_p50, overhead_p95 = saas["p50"] - lit["p50"], saas["p95"] - lit["p95"]
    lit_ttfb, saas_ttfb = load.percentiles(results.ttfb.get(LITELLM, [])), load.percentiles(results.ttfb.get(SAAS, []))
    headline = 10 if 10 in settings.concurrencies else settings.concurrencies[0]
    ratios = {
        c: results.throughput[(SAAS, c)].per_second / max(results.throughput[(LITELLM, c)].per_second, 1e-9)
        for c in settings.concurrencies
    }
    lines += [
        "",
        "SaaS + LiteLLM vs LiteLLM alone",
        f"  latency p50 {saas['p50']:.2f} vs {lit['p50']:.2f} ms: +{overhead_p50:.2f} ms (x{saas['p50'] / lit['p50']:.2f}), "
        f"target +{TARGET_P50_MS:.0f} ms: {_verdict(overhead_p50 <= TARGET_P50_MS)}",
        f"  latency p95 {saas['p95']:.2f} vs {lit['p95']:.2f} ms: +{overhead_p95:.2f} ms (x{saas['p95'] / lit['p95']:.2f}), "
        f"target +{TARGET_P95_MS:.0f} ms: {_verdict(overhead_p95 <= TARGET_P95_MS)}",
        f"  latency p99 {saas['p99']:.2f} vs {lit['p99']:.2f} ms: +{saas['p99'] - lit['p99']:.2f} ms",
        f"  stream TTFB p50 {saas_ttfb['p50']:.2f} vs {lit_ttfb['p50']:.2f} ms: "
        f"+{saas_ttfb['p50'] - lit_ttfb['p50']:.2f} ms",
        *(f"  throughput at {c:>2} clients: x{ratio:.3f}" + (
            f", target x{TARGET_THROUGHPUT:.2f}: {_verdict(ratio >= TARGET_THROUGHPUT)}" if c == headline else "")
          for c, ratio in ratios.items()),
        f"saas_overhead_p50_ms={overhead_p50:.2f} saas_overhead_p95_ms={overhead_p95:.2f} "
        f"throughput_ratio={ratios[headline]:.3f}",
    ]  # fmt: skip
    return lines


def parse_args() -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run (a few samples, 100k usage rows)")
    parser.add_argument("--no-usage", action="store_true", help="skip the usage queries over 1M seeded calls")
    parser.add_argument("--usage-rows", type=int, default=1_000_000, help="llm_calls rows to seed")
    parser.add_argument("--profile", action="store_true", help="also profile the SaaS API with py-spy (20 s)")
    parser.add_argument("--seconds", type=float, default=None, help="length of one throughput round")
    args = parser.parse_args()
    settings = Settings(usage_rows=None if args.no_usage else args.usage_rows)
    if args.quick:
        settings = Settings(
            latency_rounds=4, latency_per_round=25, stream_rounds=4, stream_per_round=10, throughput_rounds=1,
            throughput_seconds=2.0, warmup_calls=20, usage_rows=None if args.no_usage else min(args.usage_rows, 100_000),
            usage_repeats=3,
        )  # fmt: skip
    if args.seconds:
        settings.throughput_seconds = args.seconds
    if args.profile:
        if cpu_profile.py_spy() is None:
            parser.error("--profile needs py-spy: .venv/bin/pip install py-spy")
        settings.profile_seconds = 20.0
    return settings


def main() -> None:
    settings = parse_args()
    log(f"{os.cpu_count()} cores; the report goes to stdout, progress to stderr")
    results = run(settings)
    print("\n".join(report(results, settings)), flush=True)


if __name__ == "__main__":
    main()
