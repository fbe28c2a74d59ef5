"""Progress of the batch's phases: a bar on a terminal; elsewhere (CI logs, cron, pipes) one
line per phase when it ends, with what it did and how long it took, e.g.
``Reports: 2040 reports in 19.8 s``. Both go to stderr, so stdout keeps the results."""
from __future__ import annotations

import contextlib
import sys
import time

from tqdm import tqdm


def interactive() -> bool:
    return sys.stderr.isatty()


class Progress:
    """Counts one phase's units; ``close`` ends it (a line when not on a terminal)."""

    def __init__(self, total: int | None = None, desc: str = "", unit: str = "it"):
        self.desc, self.unit, self.n = desc, unit, 0
        self.start = time.monotonic()
        self.closed = False
        self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr) if interactive() else None

    def update(self, n: int = 1) -> None:
        self.n += n
        if self._bar is not None:
            self._bar.update(n)

    def set_postfix_str(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._bar is not None:
            self._bar.close()
        else:
            units = f"{self.n} {self.unit}{'' if self.n == 1 else 's'} in " if self.unit else ""
            print(f"{self.desc}: {units}{time.monotonic() - self.start:.1f} s", file=sys.stderr, flush=True)


def bar(total: int | None = None, desc: str = "", unit: str = "it") -> Progress:
    return Progress(total, desc, unit)


class Steps(Progress):
    """A named-step progress callback: ``Steps("Reading")("Orders")``."""

    def __init__(self, desc: str, total: int | None = None, unit: str = "step"):
        super().__init__(total, desc, unit)

    def __call__(self, name: str) -> None:
        self.set_postfix_str(name)
        self.update(1)


@contextlib.contextmanager
def timed(desc: str):
    """A phase without countable units (computing): its duration."""
    p = Progress(None, desc, "")
    try:
        yield p
    finally:
        p.close()
