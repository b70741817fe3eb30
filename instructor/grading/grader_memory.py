"""A memory cap for the trusted grading process itself.

What a sandbox sends is bounded before it is parsed (the kernel's
messages: ``kernel.MAX_MESSAGE_BYTES``; the clean room's replies:
``cleanroom.MAX_REPLY_BYTES``), but a kernel can still send many messages
quickly.  The grading process therefore watches its own resident memory
(:func:`over_cap`; ``SandboxedExecute`` then kills the kernel and says so)
and, as a last wall, limits its data segment (``RLIMIT_DATA``: what it
allocates, not the address space TensorFlow reserves) to
:data:`HARD_MARGIN` above the cap, so an allocation past it fails instead
of taking the machine's memory.  Processes the grader starts get their
limit back (:func:`child_prefix`).
"""

from __future__ import annotations

import os
import resource

from helpers import settings

CAP_ENV = settings.variable("GRADER_MEMORY_GIB")
GIB = 1 << 30
#: How far past the cap allocations still succeed (the watchdog looks
#: every tenth of a second; messages arrive meanwhile).
HARD_MARGIN = 1 * GIB

_STATE = {"capped": False, "previous": None}


def cap_bytes(environ=None):
    """Return the grading process's memory cap in bytes (0: no cap)."""
    return int(settings.value("GRADER_MEMORY_GIB", environ) * GIB)


def limit_data(cap):
    """Limit this process's data segment to ``cap`` + HARD_MARGIN (once).

    Only the soft limit is lowered, and never raised; the previous soft
    limit is kept for :func:`child_prefix`.
    """
    if _STATE["capped"] or not cap:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = cap + HARD_MARGIN
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or soft > wanted:
        resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
        _STATE["previous"] = soft
    _STATE["capped"] = True


def child_prefix():
    """Return argv that gives a child process its data limit back."""
    previous = _STATE["previous"]
    if previous is None:
        return []
    text = "unlimited" if previous == resource.RLIM_INFINITY else previous
    return ["prlimit", f"--data={text}:", "--"]


def resident_bytes():
    """Return this process's resident memory now, in bytes."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_bytes():
    """Return the most resident memory this process has used, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def over_cap(cap):
    """Return True when this process uses more than ``cap`` bytes."""
    return bool(cap) and resident_bytes() > cap
