"""SalesDesk calculation engine: pure functions over numbers, dates and frames.

Nothing in this package (except ``addin.udfs``) touches files, the network, the
clock or Excel. ``addin.udfs`` is the thin xlwings layer over it.
"""
