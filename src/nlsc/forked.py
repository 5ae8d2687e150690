"""Independent pieces of work spread over forked worker processes.

The build is CPU-bound Python; from a thousand triples (the real dataset
included) its independent outputs (the distributions, the resource pages) are
written by one forked process per CPU, and validation runs beside them. Each piece computes the same bytes in
whichever process runs it, so the output does not depend on the split. The
children inherit the graphs by fork; only results travel back (pickled).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path
from typing import Callable

_TASKS: list | None = None


def can_fork(children: int = 1) -> bool:
    """Linux only: fork is the default there; on macOS a fork of a process that has
    loaded system frameworks may crash, and Windows has none. And only while memory
    allows: a child shares the graphs copy-on-write, but Python's reference counts
    write to every object it touches, so each child may come to hold a full copy.
    Otherwise the work is done in this process, with the same result."""
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    resident, available = _memory()
    return resident is None or available is None or resident * children <= 0.8 * available


def _memory() -> tuple[int | None, int | None]:
    """(this process's resident bytes, the system's available bytes), from /proc."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        resident = pages * os.sysconf("SC_PAGE_SIZE")
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return resident, int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None, None


def _run(i: int):
    return _TASKS[i]()


def workers() -> int:
    return min(os.cpu_count() or 1, 8)


def run_all(tasks: list[Callable], *, parallel: bool = True) -> list:
    """[task() for task in tasks], in forked workers when `parallel` and it can."""
    global _TASKS
    n = min(workers(), len(tasks))
    if not parallel or n < 2 or not can_fork(n):
        return [task() for task in tasks]
    _TASKS = tasks
    try:
        with multiprocessing.get_context("fork").Pool(n) as pool:
            return pool.map(_run, range(len(tasks)), chunksize=1)
    finally:
        _TASKS = None


class Pending:
    """A task running in a forked process (or already run, when not forking)."""

    def __init__(self, task: Callable, *, fork: bool):
        self._pool = self._async = None
        if fork and can_fork(1):
            global _TASKS
            _TASKS = [task]
            try:
                self._pool = multiprocessing.get_context("fork").Pool(1)
                self._async = self._pool.apply_async(_run, (0,))
            finally:
                _TASKS = None
        else:
            self._value = task()  # at once: its exception is raised here, before any other work

    def result(self):
        """The task's return value; a forked task's exception is raised here."""
        if self._pool is None:
            return self._value
        try:
            return self._async.get()
        finally:
            self.cancel()

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def start(task: Callable, *, fork: bool = True) -> Pending:
    """Run `task` beside the caller, in a forked process when `fork` and it can."""
    return Pending(task, fork=fork)
