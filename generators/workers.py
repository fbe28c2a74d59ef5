"""Work spread over the machine's cores: items in chunks, each chunk done by a worker process.

Workers start from a small server process (forkserver), not from the caller: a worker forked
from a process holding the month's frames spends its time copying the pages the garbage
collector touches (a re-run took 3x as long); each gets its chunk pickled. Each worker keeps
what it loads once (the Typst compilers and their fonts) for all its chunks."""
from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable

SERIAL_BELOW = 8      # fewer items than this are done in the caller: starting workers costs more


def in_chunks(work: Callable[[list], list], items: list, jobs: int | None = None, progress=None) -> list:
    """``work(chunk)`` for chunks of ``items`` (a picklable module-level function returning a list
    per chunk), in worker processes; the results in completion order. ``progress(n)`` after each chunk."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(items) < SERIAL_BELOW:
        results = []
        for item in items:
            results.extend(work([item]))
            if progress:
                progress(1)
        return results
    size = max(1, min(50, len(items) // (jobs * 4)))
    context = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    results = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(work, items[i:i + size]) for i in range(0, len(items), size)]
        for fut in as_completed(futures):
            part = fut.result()
            results.extend(part)
            if progress:
                progress(len(part))
    return results
