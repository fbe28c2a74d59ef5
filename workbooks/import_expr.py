"""Derived columns of an import mapping: ``cost = { expr = "Sales - Profit" }``.

Arithmetic on source columns and numbers: + - * / and parentheses, a leading minus. A column
is named as it is headed (``Sales``, ``people.Bonus``, Chinese names), or between backticks when
its name has spaces or operators (`` `Unit Price` * Quantity ``). The text is parsed by a small
recursive-descent parser (never ``eval``) and computed on whole columns at once (numpy). A
mistake is told with its position in the expression (1 = the first character). An expression
is at most MAX_LENGTH characters and nests brackets and minus signs at most MAX_DEPTH deep, and
it is walked without recursion, so no expression within those limits can exhaust Python's stack.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|`(?P<quoted>[^`]+)`|(?P<op>[-+*/()])"
                   r"|(?P<name>[^\s\d\-+*/()`][^\s\-+*/()`]*))")
MAX_LENGTH = 1000       # characters
MAX_DEPTH = 50          # brackets and leading minus signs, one inside the other


class ExprError(ValueError):
    """What is wrong with an expression, and where (1-based character position)."""

    def __init__(self, position: int | None, message: str):
        self.position = position
        super().__init__(message if position is None else f"{message} at position {position}")


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Column:
    name: str
    position: int


@dataclass(frozen=True)
class Negate:
    operand: object


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) for each token, then an end marker."""
    out, at = [], 0
    while at < len(text):
        if not text[at:].strip():
            break
        m = TOKEN.match(text, at)
        if m is None:
            start = at + len(text[at:]) - len(text[at:].lstrip())
            raise ExprError(start + 1, f"unexpected {text[start]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind), m.start(kind) + 1 - (kind == "quoted")))
        at = m.end()
    out.append(("end", "", len(text) + 1))
    return out


class _Parser:
    """expr := term (("+"|"-") term)*; term := factor (("*"|"/") factor)*;
    factor := "-" factor | number | column | "(" expr ")"."""

    def __init__(self, text: str):
        self.tokens, self.at, self.depth = _tokens(text), 0, 0

    def peek(self):
        return self.tokens[self.at]

    def take(self):
        self.at += 1
        return self.tokens[self.at - 1]

    def expr(self):
        node = self.term()
        while self.peek()[1] in ("+", "-") and self.peek()[0] == "op":
            node = Binary(self.take()[1], node, self.term())
        return node

    def term(self):
        node = self.factor()
        while self.peek()[1] in ("*", "/") and self.peek()[0] == "op":
            node = Binary(self.take()[1], node, self.factor())
        return node

    def factor(self):
        kind, text, position = self.take()
        if kind == "op" and text in ("-", "("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExprError(position, f"brackets and minus signs nest more than {MAX_DEPTH} deep")
            node = self.inner(text)
            self.depth -= 1
            return node
        if kind == "number":
            return Number(float(text))
        if kind in ("name", "quoted"):
            return Column(text, position)
        raise ExprError(position, "expected a column, a number or (" if kind != "end" else
                        "the expression ends too soon; expected a column, a number or (")

    def inner(self, op: str):
        """What follows a leading minus or an opening bracket."""
        if op == "-":
            return Negate(self.factor())
        node = self.expr()
        if self.peek()[1] != ")":
            raise ExprError(self.peek()[2], "expected )")
        self.take()
        return node


def parse(text: str):
    """The expression's tree; ExprError when it is not one."""
    if not isinstance(text, str):
        raise ExprError(None, f"{text!r} is not text; write the expression in quotes, e.g. expr = \"Sales - Profit\"")
    if not text.strip():
        raise ExprError(1, "an empty expression")
    if len(text) > MAX_LENGTH:
        raise ExprError(None, f"the expression is {len(text):,} characters long; at most {MAX_LENGTH:,}")
    parser = _Parser(text)
    node = parser.expr()
    kind, token, position = parser.peek()
    if kind != "end":
        raise ExprError(position, f"unexpected {token!r}; expected an operator (+ - * /)")
    return node


def shown(text, limit: int = 60) -> str:
    """The expression as an error line quotes it: a long one cut short with an ellipsis."""
    text = str(text)            # whitespace kept: positions count it
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _walk(node):
    """The tree's nodes, each after its operands, left before right (no recursion: a flat sum
    of many terms is a deep left-leaning tree)."""
    stack = [(node, False)]
    while stack:
        here, expanded = stack.pop()
        if expanded or isinstance(here, (Number, Column)):
            yield here
        elif isinstance(here, Negate):
            stack += [(here, True), (here.operand, False)]
        else:
            stack += [(here, True), (here.right, False), (here.left, False)]


def columns(node) -> list[Column]:
    """The columns the expression reads, in order."""
    return [n for n in _walk(node) if isinstance(n, Column)]


def evaluate(node, values: dict[str, np.ndarray]) -> np.ndarray:
    """The expression on whole columns (float arrays; NaN for a blank cell stays NaN, and a
    blank divided by zero is blank; any other division by zero is inf)."""
    results: list = []
    for here in _walk(node):
        if isinstance(here, Number):
            results.append(np.float64(here.value))
        elif isinstance(here, Column):
            results.append(values[here.name])
        elif isinstance(here, Negate):
            results.append(-results.pop())
        else:
            right = results.pop()
            results.append(_apply(here.op, results.pop(), right))
    return results[0]


def _apply(op: str, left, right):
    with np.errstate(divide="ignore", invalid="ignore"):
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        return np.where(right == 0, np.where(np.isnan(left), np.nan, np.inf), left / np.where(right == 0, 1, right))
