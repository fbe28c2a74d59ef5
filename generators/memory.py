"""Allocator settings for the batch commands (Linux, glibc).

The batch works on columns of a million values: numpy and pandas allocate and free arrays
of several megabytes hundreds of times a run, and half the commission engine's time was
spent in the kernel (2.7 s of 5.4 s on the 2,000-rep workbook) for two reasons:
- glibc hands such blocks straight back to the kernel when they are freed, so the next
  one is page-faulted in again. Keeping blocks under 32 MB in the heap, and not trimming
  it below 1 GB of free space, lets them be reused.
- numpy asks for transparent huge pages for every array of 4 MB or more; the kernel then
  clears 2 MB pages on first touch, over and over. Plain pages are reused instead.
Together: engine 5.4 s -> 2.3 s (bench/RESULTS.md). The peak memory is unchanged. Elsewhere
(macOS, musl, Windows) this does nothing.
"""
from __future__ import annotations

import ctypes
import sys

import numpy as np

from workbooks.background import glibc_function

M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3   # from glibc's malloc.h
SETTINGS = {M_MMAP_THRESHOLD: 32 << 20, M_TRIM_THRESHOLD: 1 << 30, M_TOP_PAD: 64 << 20}


def tune_allocator() -> bool:
    """Apply SETTINGS with mallopt and turn off numpy's huge-page requests; True when the
    allocator took the settings."""
    if not sys.platform.startswith("linux"):
        return False
    set_hugepage = getattr(getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None)
    if set_hugepage is not None:
        set_hugepage(False)
    mallopt = glibc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in SETTINGS.items())
