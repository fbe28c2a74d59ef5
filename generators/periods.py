"""The periods a command runs for, as the user writes them: the one rule for reading ``--month``.

Only the unambiguous ISO form YYYY-MM is a month: ``10/2026``, ``Oct 2026``, ``2026-10-15`` or
``10/11`` could each mean more than one thing (or a day), so they are refused with one line
rather than guessed."""
from __future__ import annotations

import re

MONTH_FORM = re.compile(r"(\d{4})-(\d{2})")
# the years dates can be computed in (pandas' nanosecond timestamps end in April 2262)
FIRST_YEAR, LAST_YEAR = 1900, 2261


def check_month(text: str) -> str:
    """``text`` as the month YYYY-MM, or ValueError with the one line that says what is accepted."""
    m = MONTH_FORM.fullmatch(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"--month must be a month written YYYY-MM, such as 2026-10; got {text!r}")
    if not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        raise ValueError(f"--month must be a month of the years {FIRST_YEAR} to {LAST_YEAR}; got {text!r}")
    return m.group(0)
