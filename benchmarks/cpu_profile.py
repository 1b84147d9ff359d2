"""Where the SaaS API spends its CPU per call: py-spy samples of the API process under load, summed
by package (the leaf frame's) and by SaaS function (inclusive).

py-spy is not a project dependency: `.venv/bin/pip install py-spy`, then
`.venv/bin/python benchmarks/run.py --profile`. Attaching needs root (or ptrace permission).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

# Leaf frame path fragment -> the name shown; the first match wins.
PACKAGES = [
    ("/sqlalchemy/", "SQLAlchemy (ORM, SQL compilation, results)"),
    ("/psycopg2/", "psycopg2"),
    ("/asyncpg/", "asyncpg (the call path's statements)"),
    ("/aiohttp/", "aiohttp (client to LiteLLM)"),
    ("/redis/", "redis (the per-key call slot)"),
    ("/anyio/", "anyio (thread hand-off)"),
    ("/concurrent/", "thread pool"),
    ("/threading.py", "threading"),
    ("/queue.py", "thread pool"),
    ("/asyncio/", "asyncio event loop"),
    ("/uvloop/", "asyncio event loop"),
    ("/pydantic", "pydantic (validation, serialisation)"),
    ("/fastapi/", "FastAPI (routing, dependencies, encoding)"),
    ("/starlette/", "Starlette (middleware, responses)"),
    ("/uvicorn/", "uvicorn (HTTP server)"),
    ("/json/", "json"),
    ("/saas_api/", "saas_api (own code)"),
    ("/logging/", "logging"),
    ("/uuid.py", "uuid"),
    ("/enum.py", "enum"),
    ("/typing.py", "typing"),
]


def py_spy() -> str | None:
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def start_recording(pid: int, seconds: float, out_dir: Path) -> subprocess.Popen[bytes]:
    """Sample `pid` (all its threads, only while holding the GIL: Python CPU) for `seconds` into out_dir/saas-api.folded."""
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    out_dir.mkdir(parents=True, exist_ok=True)
    argv = [binary, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
            "--gil", "--format", "raw", "--full-filenames", "--function", "--output", str(out_dir / "saas-api.folded")]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _package(frame: str) -> str:
    for fragment, name in PACKAGES:
        if fragment in frame:
            return name
    return "other"


def _function(frame: str) -> str:
    """'begin_call (/x/saas_api/jobs/service.py:151)' -> 'jobs/service.py:begin_call'."""
    name, _, where = frame.rpartition(" (")
    path = where.split(":")[0]
    return f"{path.split('/saas_api/')[-1]}:{name}"


def summarize(folded: Path, calls: int, top: int = 18) -> str:
    """Two tables: CPU by package of the leaf frame, and by SaaS function (inclusive)."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in folded.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        by_package[_package(frames[-1])] += count
        for function in {_function(f) for f in frames if "/saas_api/" in f}:
            by_function[function] += count
    if not total:
        return "no samples"
    ms_per_sample = 1000 / 250
    lines = [f"{total} samples at 250 Hz = {total * ms_per_sample / 1000:.1f} CPU s over {calls} calls "
             f"({total * ms_per_sample / max(calls, 1):.2f} ms of Python CPU a call in the API process)", "",
             "CPU by package (leaf frame)              share   ms/call"]  # fmt: skip
    for name, count in by_package.most_common():
        lines.append(f"  {name:<40}{count / total:>6.1%}  {count * ms_per_sample / max(calls, 1):>7.3f}")
    lines += ["", "CPU under each saas_api function (inclusive)                 share   ms/call"]
    for name, count in by_function.most_common(top):
        lines.append(f"  {name:<60}{count / total:>6.1%}  {count * ms_per_sample / max(calls, 1):>7.3f}")
    return "\n".join(lines)
