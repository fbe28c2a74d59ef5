"""The one exception type the engine raises for bad input, with the parts a user needs."""
from __future__ import annotations


class InputError(ValueError):
    """Bad input to an engine function.

    ``argument`` names the argument (``weights``), ``row`` is 1-based within it when the
    problem is one cell, ``value`` is the offending value and ``expected`` says what was
    wanted. ``str()`` reads like ``weights row 3 is -0.2; weights must be zero or more``.
    """

    def __init__(self, argument: str, expected: str, *, value=None, row: int | None = None,
                 column: str | None = None, has_value: bool | None = None):
        self.argument = argument
        self.expected = expected
        self.value = value
        self.row = row
        self.column = column
        self.has_value = (value is not None) if has_value is None else has_value
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.argument
        if self.column:
            where += f" column {self.column}"
        if self.row is not None:
            where += f" row {self.row}"
        if self.has_value:
            shown = "blank" if self.value is None or self.value == "" else repr(self.value) if isinstance(self.value, str) else _short(self.value)
            return f"{where} is {shown}; {self.expected}"
        return f"{where}: {self.expected}"


def _short(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
