"""Memory and CPU of the stack's processes, read from /proc.

Each process the stack starts leads its own session (start_new_session), so "the LiteLLM proxy"
is every process in that session: the proxy and any helper it spawns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may hold spaces: split after the last ')'.
    return text.rsplit(")", 1)[1].split()


def session_pids(leader: int) -> list[int]:
    """The leader and every process in its session."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            # fields[0] is the state; the session id is the 4th field after it.
            if fields is not None and int(fields[3]) == leader:
                pids.append(int(entry.name))
    return sorted(pids) or [leader]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time each live process has used so far."""
    used = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            used[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return used


def cpu_used_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots by the processes alive at the second (new ones: all of it)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _status_kib(pid: int, name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


@dataclass(frozen=True)
class Memory:
    processes: int
    rss_mib: float  # VmRSS now, summed over the session
    peak_mib: float  # VmHWM (peak RSS), summed over the session


def memory(leader: int) -> Memory:
    pids = session_pids(leader)
    rss = sum(_status_kib(pid, "VmRSS") for pid in pids)
    peak = sum(_status_kib(pid, "VmHWM") for pid in pids)
    return Memory(processes=len(pids), rss_mib=rss / 1024, peak_mib=peak / 1024)


def machine_busy_seconds() -> float:
    """CPU time every core of the machine spent not idle, summed (from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
