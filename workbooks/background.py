"""Work in a forked child process: a clean heap for the parent, a second core for the work.

Reading a large workbook leaves the reading process with a big, fragmented heap (the
parser's buffers, a text object per cell, intermediate columns); every later step then
pays for it in page faults, and forked report workers copy its pages. Done in a child,
only the compact result comes back. The same helper runs the commission engine beside
the report facts.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import multiprocessing as mp
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable


@functools.lru_cache(maxsize=1)
def glibc_function(name: str):
    """A function of the C library on Linux, or None (another platform or C library)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    """Give the heap's free blocks back to the kernel (before forking, so that the child does
    not copy-on-write pages the parent no longer uses)."""
    malloc_trim = glibc_function("malloc_trim")
    if malloc_trim is not None:
        malloc_trim(0)


_TASKS: list[Callable] = []


def _run_task(i: int):
    return _TASKS[i]()


def _start(tasks: list[Callable[[], object]]):
    """Fork one child per task (they inherit the tasks; nothing is pickled to them)."""
    global _TASKS
    _TASKS = list(tasks)
    gc.freeze()
    release_free_memory()
    try:
        pool = ProcessPoolExecutor(max_workers=len(tasks), mp_context=mp.get_context("fork"))
        futures = [pool.submit(_run_task, i) for i in range(len(tasks))]   # the children are forked here
    finally:
        _TASKS = []
        gc.unfreeze()
    return pool, futures


def can_fork(min_cores: int = 1) -> bool:
    """Forked children are available (and at least ``min_cores`` cores to run them on)."""
    return "fork" in mp.get_all_start_methods() and (os.cpu_count() or 1) >= min_cores


def in_background(task: Callable[[], object], min_cores: int = 1) -> Callable[[], object]:
    """Start ``task()`` in a forked child process and return a function that waits for its
    result (which is pickled back). The child sees the parent's data as it is now; nothing is
    pickled to it. The heap's free blocks are returned first, so the child's allocations get
    fresh pages rather than copies of the parent's. Without fork, with fewer than
    ``min_cores`` cores, or if the child dies, the task runs in this process when its result
    is asked for; an exception raised by the task in the child is raised by the returned
    function."""
    if not can_fork(min_cores):
        return task
    pool, (future,) = _start([task])

    def result():
        try:
            return future.result()
        except BrokenProcessPool:   # the child died (killed, out of memory): do the work here
            return task()
        finally:
            pool.shutdown()
    return result


def in_children(tasks: list[Callable[[], object]]) -> list[object]:
    """Run each task in its own forked child, all at once, and return their results in order
    (``in_background`` for several tasks). A task whose child died is run in this process."""
    if len(tasks) < 2 or not can_fork(2):
        return [task() for task in tasks]
    pool, futures = _start(tasks)
    try:
        results = []
        for task, future in zip(tasks, futures):
            try:
                results.append(future.result())
            except BrokenProcessPool:
                results.append(task())
        return results
    finally:
        pool.shutdown()
