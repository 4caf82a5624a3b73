"""What /proc says about a process: CPU time (all threads) and resident memory."""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys

_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PR_SET_PDEATHSIG = 1
# Looked up now, not in a forked child, where only async-signal-safe work belongs.
_prctl = getattr(ctypes.CDLL(None), "prctl", None) if sys.platform == "linux" else None


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` and all its threads (utime + stime)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        raw = f.read()
    # The command name may contain spaces and parentheses: split after the last ')'.
    fields = raw.rsplit(b")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _CLK_TCK


def rss_kib(pid: int) -> int:
    """Resident set size (VmRSS) of ``pid`` in KiB."""
    with open(f"/proc/{pid}/status", "rb") as f:
        for line in f:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def raise_nofile_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; children inherit it. Returns it."""
    soft, max_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    hard = max_hard
    if hard == resource.RLIM_INFINITY:
        with open("/proc/sys/fs/nr_open") as f:
            hard = int(f.read())
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, max_hard))
    return hard


def die_with_parent() -> None:
    """Ask Linux to SIGTERM this process when its parent dies, even by SIGKILL.

    Used before exec in every server and at the start of every load generator. ngircd loses
    it when it switches to user "nobody"; its IdleTimeout ends it instead (servers.py).
    """
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
