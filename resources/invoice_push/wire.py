"""Decimals as JSON numbers, exactly.

Xero's JSON carries amounts as numbers (and the sandbox echoes a refused element back as it was
sent, so strings would come back where the spec says numbers). The standard library can only
write a number from an int or a float, so each Decimal is turned into the float whose shortest
representation is that very Decimal, and refused if no float is: every amount the push sends
(at most 4 places, well under 15 significant digits) round-trips, so nothing is rounded here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def json_number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError(f"{value} cannot be sent as a JSON number without rounding")
    return number


def json_ready(value: Any) -> Any:
    """A payload with every Decimal replaced by its exact JSON number."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    return value
