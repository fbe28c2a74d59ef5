"""Work done in a forked child beside this process: the commission engine runs while the
report facts are computed (both take seconds on a large workbook; together they take the
longer of the two on two cores). bench/RESULTS.md has the figures."""
from __future__ import annotations

import multiprocessing as mp
import os
from typing import Callable, TypeVar

T = TypeVar("T")


def beside(fn: Callable[..., T], *args) -> Callable[[], T]:
    """Start ``fn(*args)`` in a forked child and return a function that waits for its result.

    The child sees this process's data as it is (fork: nothing is pickled to it); only the
    result comes back, pickled through a pipe. Without fork or a second core, and when the
    child fails or dies, ``fn(*args)`` runs in this process when the result is asked for (so
    an error is raised here, with its traceback)."""
    if "fork" not in mp.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return lambda: fn(*args)
    ctx = mp.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_send_result, args=(sender, fn, args), daemon=True)
    child.start()
    sender.close()

    def result() -> T:
        try:
            ok, value = receiver.recv()
        except EOFError:            # the child died (killed, out of memory)
            ok, value = False, None
        finally:
            receiver.close()
            child.join()
        return value if ok else fn(*args)
    return result


def _send_result(sender, fn, args) -> None:
    try:
        value = fn(*args)
    except BaseException:
        sender.send((False, None))
    else:
        sender.send((True, value))
