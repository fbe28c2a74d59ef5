"""The calculation engine: pure functions of arrays and values (numpy, pandas, decimal), no
file or network I/O, no clock, no sheet or column names. The Excel wrappers beside it
(``addin.udfs``, ``addin.excel``, ``addin.registry``) turn worksheet values into its arguments."""
