"""A small parser for Xero's ``where`` query parameter.

Xero evaluates C#-like (Dynamic LINQ) expressions. The sandbox supports the subset a sync
job uses, and answers 400 with a plain message for anything else rather than guessing:

    Name == "Acme"            ContactStatus != "ARCHIVED"     AmountDue > 0
    Contact.ContactID == Guid("...")      Date >= DateTime(2024, 01, 31)
    Name.StartsWith("Ac")  Name.EndsWith("me")  Name.Contains("cm")
    IsSold == true      EmailAddress == null      (a || b) && !c      AND / OR / NOT

String comparisons (==, !=, StartsWith, EndsWith, Contains) ignore case, as Xero's SQL-backed
filters do; ``null`` matches a missing or empty field. Each collection names the fields it
allows and their types; an unknown field is a 400 in Dynamic LINQ's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import bad_request
from .common import doc_date, field_value

Predicate = Callable[[dict[str, Any]], bool]

STRING, GUID, BOOL, NUMBER, DATE = "String", "Guid", "Boolean", "Decimal", "DateTime"

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op>==|!=|>=|<=|&&|\|\||[<>!()=,.])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)

_METHODS = {"startswith", "endswith", "contains"}


@dataclass
class _Tok:
    kind: str  # string, number, op, ident, end
    text: str
    pos: int


def _tokenise(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise bad_request(f"Syntax error in where clause at position {pos}: "
                              f"unexpected '{text[pos]}'")
        kind = match.lastgroup or ""
        if kind != "ws":
            value = match.group()
            if kind == "op" and value == "=":
                value = "=="  # Dynamic LINQ accepts a single '=' as equality
            tokens.append(_Tok(kind, value, pos))
        pos = match.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


def _unquote(token: str) -> str:
    body = token[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


@dataclass
class _Literal:
    type: str  # String, Decimal, Boolean, Null, Guid, DateTime
    value: Any


class _Parser:
    def __init__(self, text: str, fields: dict[str, str], type_name: str) -> None:
        self.text = text
        self.tokens = _tokenise(text)
        self.i = 0
        self.fields = {k.lower(): (k, v) for k, v in fields.items()}
        self.type_name = type_name

    # -- token helpers --
    def peek(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: _Tok | None = None) -> Exception:
        tok = tok or self.peek()
        return bad_request(f"Syntax error in where clause at position {tok.pos}: {message}")

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise self.error(f"expected '{text}' but found '{tok.text or 'end of text'}'", tok)

    def is_word(self, tok: _Tok, *words: str) -> bool:
        return tok.kind == "ident" and tok.text.upper() in words

    # -- grammar --
    def parse(self) -> Predicate:
        if self.peek().kind == "end":
            raise self.error("the where clause is empty")
        pred = self.parse_or()
        if self.peek().kind != "end":
            raise self.error(f"unexpected '{self.peek().text}'")
        return pred

    def parse_or(self) -> Predicate:
        parts = [self.parse_and()]
        while self.peek().text == "||" or self.is_word(self.peek(), "OR"):
            self.take()
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        return lambda doc: any(p(doc) for p in parts)

    def parse_and(self) -> Predicate:
        parts = [self.parse_not()]
        while self.peek().text == "&&" or self.is_word(self.peek(), "AND"):
            self.take()
            parts.append(self.parse_not())
        if len(parts) == 1:
            return parts[0]
        return lambda doc: all(p(doc) for p in parts)

    def parse_not(self) -> Predicate:
        if self.peek().text == "!" or self.is_word(self.peek(), "NOT"):
            self.take()
            inner = self.parse_not()
            return lambda doc: not inner(doc)
        return self.parse_primary()

    def parse_primary(self) -> Predicate:
        tok = self.peek()
        if tok.text == "(":
            self.take()
            inner = self.parse_or()
            self.expect(")")
            return inner
        if tok.kind != "ident":
            raise self.error(f"expected a field name but found '{tok.text or 'end of text'}'")
        return self.parse_field_expression()

    def parse_field_expression(self) -> Predicate:
        start = self.peek()
        parts = [self.take().text]
        method: str | None = None
        while self.peek().text == ".":
            self.take()
            name_tok = self.take()
            if name_tok.kind != "ident":
                raise self.error("expected a name after '.'", name_tok)
            if self.peek().text == "(" and name_tok.text.lower() in _METHODS:
                method = name_tok.text.lower()
                break
            if self.peek().text == "(":
                raise bad_request(f"Method '{name_tok.text}' is not supported in the where clause; "
                                  "use StartsWith, EndsWith or Contains")
            parts.append(name_tok.text)
        path = ".".join(parts)
        field, ftype = self.resolve(path, start)
        if method is not None:
            self.expect("(")
            arg = self.parse_literal()
            self.expect(")")
            if ftype not in (STRING, GUID) or arg.type != STRING:
                raise bad_request(f"Methods StartsWith/EndsWith/Contains need a string field and "
                                  f"a string argument ('{path}')")
            needle = str(arg.value).casefold()

            def method_pred(doc: dict[str, Any], m: str = method) -> bool:
                value = field_value(doc, field)
                if not isinstance(value, str):
                    return False
                hay = value.casefold()
                if m == "startswith":
                    return hay.startswith(needle)
                if m == "endswith":
                    return hay.endswith(needle)
                return needle in hay

            if self.peek().text in ("==", "!="):
                # Name.StartsWith("A") == false
                op = self.take().text
                rhs = self.parse_literal()
                if rhs.type != BOOL:
                    raise bad_request("A method result can only be compared with true or false")
                want = bool(rhs.value) if op == "==" else not rhs.value
                return lambda doc: method_pred(doc) == want
            return method_pred
        if self.peek().text in ("==", "!=", ">", ">=", "<", "<="):
            op = self.take().text
            literal = self.parse_literal()
            return _comparison(field, ftype, op, literal)
        if ftype == BOOL:
            return lambda doc: _as_bool(field_value(doc, field)) is True
        raise self.error(f"expected a comparison after '{path}'")

    def resolve(self, path: str, tok: _Tok) -> tuple[str, str]:
        found = self.fields.get(path.lower())
        if found is None:
            raise bad_request(f"No property or field '{path}' exists in type '{self.type_name}' "
                              f"(the sandbox's where filter supports: "
                              f"{', '.join(sorted(v[0] for v in self.fields.values()))})")
        return found

    def parse_literal(self) -> _Literal:
        tok = self.take()
        if tok.kind == "string":
            return _Literal(STRING, _unquote(tok.text))
        if tok.kind == "number":
            return _Literal(NUMBER, Decimal(tok.text))
        if tok.kind == "ident":
            word = tok.text.lower()
            if word in ("true", "false"):
                return _Literal(BOOL, word == "true")
            if word == "null":
                return _Literal("Null", None)
            if word == "guid":
                self.expect("(")
                inner = self.take()
                if inner.kind != "string":
                    raise self.error("Guid(...) needs a quoted value", inner)
                self.expect(")")
                return _Literal(GUID, _unquote(inner.text))
            if word == "datetime":
                self.expect("(")
                numbers: list[int] = []
                while True:
                    num = self.take()
                    if num.kind != "number":
                        raise self.error("DateTime(...) needs numbers, e.g. DateTime(2024, 01, 31)",
                                         num)
                    numbers.append(int(Decimal(num.text)))
                    if self.peek().text == ",":
                        self.take()
                        continue
                    break
                self.expect(")")
                if len(numbers) not in (3, 6):
                    raise self.error(
                        "DateTime(...) takes year, month, day [, hour, minute, second]")
                try:
                    return _Literal(DATE, datetime(*numbers).date())
                except ValueError as exc:
                    raise self.error(f"invalid DateTime: {exc}", tok) from None
        raise self.error(f"expected a value but found '{tok.text or 'end of text'}'", tok)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if left is None or right is None:
        return False
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "<":
        return bool(left < right)
    return bool(left <= right)


def _comparison(field: str, ftype: str, op: str, lit: _Literal) -> Predicate:
    if lit.type == "Null":
        if op not in ("==", "!="):
            raise bad_request(f"Operator '{op}' cannot be used with null")
        want_null = op == "=="
        return lambda doc: (field_value(doc, field) in (None, "")) == want_null
    compatible = {
        STRING: {STRING},
        GUID: {GUID, STRING},
        BOOL: {BOOL},
        NUMBER: {NUMBER},
        DATE: {DATE},
    }[ftype]
    if lit.type not in compatible:
        raise bad_request(f"Operator '{op}' incompatible with operand types '{ftype}' and "
                          f"'{lit.type}' (field {field})")
    if ftype in (STRING, GUID):
        if op not in ("==", "!="):
            raise bad_request(f"Operator '{op}' cannot be used with {ftype} field {field}")
        folded = str(lit.value).casefold()
        return lambda doc: _compare(_fold(field_value(doc, field)), op, folded)
    if ftype == BOOL:
        if op not in ("==", "!="):
            raise bad_request(f"Operator '{op}' cannot be used with Boolean field {field}")
        return lambda doc: _compare(_as_bool(field_value(doc, field)), op, lit.value)
    if ftype == NUMBER:
        return lambda doc: _compare(_as_decimal(field_value(doc, field)), op, lit.value)

    def date_pred(doc: dict[str, Any]) -> bool:
        value: date | None = doc_date(field_value(doc, field))
        return _compare(value, op, lit.value)

    return date_pred


def _fold(value: Any) -> str | None:
    if value is None:
        return None
    return str(value).casefold()


def compile_where(text: str | None, fields: dict[str, str], type_name: str) -> Predicate | None:
    """Compile a ``where`` parameter against a collection's field table; None when absent."""
    if text is None or not text.strip():
        return None
    return _Parser(text, fields, type_name).parse()
