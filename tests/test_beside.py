"""generators.beside: the result of work done in a forked child; failures handled here."""
from __future__ import annotations

import os
import signal

import pytest

from generators.beside import beside


def _pid_and_sum(values):
    return os.getpid(), sum(values)


def test_the_result_comes_from_a_child_process():
    if (os.cpu_count() or 1) < 2:
        pytest.skip("beside() runs the work here on one core")
    pid, total = beside(_pid_and_sum, list(range(1000)))()
    assert total == 499500
    assert pid != os.getpid()


def _fail():
    raise ValueError("bad input")


def test_an_error_in_the_child_is_raised_here():
    with pytest.raises(ValueError, match="bad input"):
        beside(_fail)()


def _die_in_child(parent):
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return "done here"


def test_a_child_that_dies_is_replaced_by_the_work_done_here():
    assert beside(_die_in_child, os.getpid())() == "done here"
