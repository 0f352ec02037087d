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
