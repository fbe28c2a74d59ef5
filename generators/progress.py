"""Progress bars on a terminal, silence otherwise (CI logs, cron, pipes)."""
from __future__ import annotations

import sys

from tqdm import tqdm


def interactive() -> bool:
    return sys.stderr.isatty()


def bar(total: int | None = None, desc: str = "", unit: str = "it"):
    return tqdm(total=total, desc=desc, unit=unit, disable=not interactive(), leave=False, file=sys.stderr)


class Steps:
    """A named-step progress callback: ``Steps("Reading")("Orders")``."""

    def __init__(self, desc: str, total: int | None = None):
        self._bar = bar(total, desc, unit="step")

    def __call__(self, name: str) -> None:
        self._bar.set_postfix_str(name, refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()
