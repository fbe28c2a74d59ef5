"""Work in forked children: results come back, errors pass on, a dead child's work is redone here."""
from __future__ import annotations

import os
import time

import pytest

from workbooks.background import can_fork, in_background, in_children


def test_in_background_runs_the_task_in_another_process_and_returns_its_result():
    data = {"rows": list(range(1000))}            # seen by the child without being sent to it
    result = in_background(lambda: (os.getpid(), sum(data["rows"])))
    pid, total = result()
    assert total == 499500
    assert pid != os.getpid()


def test_in_background_passes_the_task_error_on():
    def fails():
        raise ValueError("no plan for R0001")
    result = in_background(fails)
    with pytest.raises(ValueError, match="no plan for R0001"):
        result()


def test_in_background_does_the_work_itself_when_the_child_dies():
    parent = os.getpid()

    def dies_in_the_child():
        if os.getpid() != parent:
            os._exit(9)                       # as if killed for lack of memory
        return "computed in the parent"
    assert in_background(dies_in_the_child)() == "computed in the parent"


@pytest.mark.skipif(not can_fork(2), reason="needs fork and two cores")
def test_in_children_runs_each_task_in_its_own_child_at_once(tmp_path):
    def task(name):
        def run():
            (tmp_path / f"{name}.started").touch()
            for _ in range(500):               # wait until both children have started: they run at once
                if all((tmp_path / f"{n}.started").exists() for n in ("a", "b")):
                    return name, os.getpid()
                time.sleep(0.01)
            return name, None
        return run
    results = in_children([task("a"), task("b")])
    assert [name for name, _ in results] == ["a", "b"]                  # in the order given
    pids = [pid for _, pid in results]
    assert None not in pids and len(set(pids)) == 2 and os.getpid() not in pids


def test_in_children_redoes_here_the_work_of_a_child_that_died():
    parent = os.getpid()

    def dies_in_the_child():
        if os.getpid() != parent:
            os._exit(9)
        return "computed in the parent"
    assert in_children([dies_in_the_child, lambda: "other"]) == ["computed in the parent", "other"]


def test_in_children_passes_a_task_error_on():
    def fails():
        raise KeyError("Orders")
    with pytest.raises(KeyError, match="Orders"):
        in_children([lambda: 1, fails])
