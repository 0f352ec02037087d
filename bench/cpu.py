"""CPU time of processes from /proc (Linux): the figure a machine busy with other work distorts least.

utime + stime of every thread; `tree_seconds` adds every descendant, for the
servers that work in child processes (PostgreSQL's backend per connection,
the gateway's workers). Elsewhere than Linux they return None.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")


def _stat(pid: int | str) -> tuple[int, int] | None:
    """(ppid, utime + stime in ticks) of a process, None when it is gone."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), int(fields[11]) + int(fields[12])


def process_seconds(pid: int) -> float | None:
    """CPU seconds of one process, all its threads."""
    stat = _stat(pid)
    return stat[1] / os.sysconf("SC_CLK_TCK") if stat else None


def tree_seconds(*root_pids: int) -> float | None:
    """CPU seconds of these processes and all their descendants."""
    if not (_PROC / "self" / "stat").exists():
        return None
    stats = {int(entry.name): stat for entry in _PROC.iterdir() if entry.name.isdigit() and (stat := _stat(entry.name))}
    wanted, grew = set(root_pids), True
    while grew:
        children = {pid for pid, (ppid, _ticks) in stats.items() if ppid in wanted} - wanted
        wanted |= children
        grew = bool(children)
    return sum(stats[pid][1] for pid in wanted if pid in stats) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> list[int] | None:
    """The machine's CPU time by kind (user, nice, system, idle, iowait, irq, softirq, steal, ...), in ticks."""
    try:
        return [int(field) for field in (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return None


def steal_percent(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share of the CPUs' time between two readings that the hypervisor gave to other guests.

    On a VM this is the one figure that says the host, not the code, was slow: while
    it is above zero the VM's processes were ready to run and were not run.
    """
    if not before or not after or len(before) < 8:
        return None
    deltas = [b - a for a, b in zip(before, after)]
    total = sum(deltas[:8])  # guest time is already inside user
    return round(100 * deltas[7] / total, 1) if total > 0 else None
