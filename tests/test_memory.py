"""The batch's allocator settings take effect on this platform (Linux, glibc)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc settings")
def test_allocator_settings_are_taken_and_numpy_stops_asking_for_huge_pages():
    code = ("from generators.memory import tune_allocator; from workbooks.background import release_free_memory; import numpy as np; "
            "assert tune_allocator() is True; "
            "assert np._core.multiarray._get_madvise_hugepage() is False; release_free_memory(); print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": ""},
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "ok", out.stderr
