"""Derived columns of an import mapping: ``cost = { expr = "Sales - Profit" }``.

Arithmetic on source columns and numbers: + - * / and parentheses, a leading minus. A column
is named as it is headed (``Sales``, ``people.Bonus``, Chinese names), or between backticks when
its name has spaces or operators (`` `Unit Price` * Quantity ``). The text is parsed by a small
recursive-descent parser (never ``eval``) and computed on whole columns at once (numpy). A
mistake is told with its position in the expression (1 = the first character).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d*)?|\.\d+)|`(?P<quoted>[^`]+)`|(?P<op>[-+*/()])"
                   r"|(?P<name>[^\s\d\-+*/()`][^\s\-+*/()`]*))")


class ExprError(ValueError):
    """What is wrong with an expression, and where (1-based character position)."""

    def __init__(self, position: int, message: str):
        self.position = position
        super().__init__(f"{message} at position {position}")


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
        self.tokens, self.at = _tokens(text), 0

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
        if kind == "op" and text == "-":
            return Negate(self.factor())
        if kind == "op" and text == "(":
            node = self.expr()
            if self.peek()[1] != ")":
                raise ExprError(self.peek()[2], "expected )")
            self.take()
            return node
        if kind == "number":
            return Number(float(text))
        if kind in ("name", "quoted"):
            return Column(text, position)
        raise ExprError(position, "expected a column, a number or (" if kind != "end" else
                        "the expression ends too soon; expected a column, a number or (")


def parse(text: str):
    """The expression's tree; ExprError when it is not one."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError(1, "an empty expression")
    parser = _Parser(text)
    node = parser.expr()
    kind, token, position = parser.peek()
    if kind != "end":
        raise ExprError(position, f"unexpected {token!r}; expected an operator (+ - * /)")
    return node


def columns(node) -> list[Column]:
    """The columns the expression reads, in order."""
    if isinstance(node, Column):
        return [node]
    if isinstance(node, Negate):
        return columns(node.operand)
    if isinstance(node, Binary):
        return columns(node.left) + columns(node.right)
    return []


def evaluate(node, values: dict[str, np.ndarray]) -> np.ndarray:
    """The expression on whole columns (float arrays; NaN for a blank cell stays NaN)."""
    if isinstance(node, Number):
        return np.float64(node.value)
    if isinstance(node, Column):
        return values[node.name]
    if isinstance(node, Negate):
        return -evaluate(node.operand, values)
    left, right = evaluate(node.left, values), evaluate(node.right, values)
    with np.errstate(divide="ignore", invalid="ignore"):
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        return np.where(right == 0, np.inf, left / np.where(right == 0, 1, right))
