"""SalesDesk's worksheet functions: the calculation engine (``addin.engine``) and, beside it,
the thin Excel layer driven by one registry (``addin.registry``): ``addin.excel`` turns
worksheet values into the engine's arguments, ``addin.udfs`` defines the SD_ functions."""
