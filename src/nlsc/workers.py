"""The one place the build spreads work over processes: the JSON-LD compaction
and the site's resource pages, the two stages whose work grows with the data and
splits into independent parts (bench/PROFILE.md has the measurements).

Workers are spawned, never forked: a fork after sparq's thread pool has started
hangs in the child. Starting one costs about half a second (a fresh interpreter
importing rdflib, pyld and Jinja), so small work stays in this process.
`NLSC_WORKERS=N` sets the number of processes whatever the size (1: none).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from .errors import NlscError


def requested() -> int | None:
    """The number of processes NLSC_WORKERS asks for, or None when it is not set."""
    value = os.environ.get("NLSC_WORKERS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise NlscError(f"NLSC_WORKERS={value!r}: give a whole number of processes, 1 or more")
    return int(value)


def processes(items: int, minimum: int) -> int:
    """How many processes share `items` parts of work: NLSC_WORKERS if set, else one per
    core once there are at least `minimum` items, else 1."""
    asked = requested()
    if asked is not None:
        return max(1, min(asked, items))
    return len(os.sched_getaffinity(0)) if items >= minimum else 1


def chunks(items: list, n: int) -> list[list]:
    """`items` in `n` contiguous parts of (nearly) equal length."""
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        out.append(items[start:end])
        start = end
    return out


#: parts per process: a process that finishes its part early takes the next one (at x100, with
#: one part per process, one of two page workers waited 19 s for the other)
PARTS_PER_PROCESS = 8


def spread(task: Callable, items: list, *, setup: Callable, state, minimum: int) -> list:
    """[task(part) for each contiguous part of `items`], each process having run
    setup(state) first; in worker processes when `processes` says so, else here.
    The results come in the order of the items, so the output does not depend on
    the number of processes."""
    n = processes(len(items), minimum)
    if n == 1:
        setup(state)
        return [task(items)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(n, mp_context=context, initializer=setup, initargs=(state,)) as pool:
        return list(pool.map(task, chunks(items, n * PARTS_PER_PROCESS)))
