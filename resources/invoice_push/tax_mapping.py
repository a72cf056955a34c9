"""Every tax rate on a line must map to a Xero TaxType the organisation has (B5).

An unmapped or unusable rate stops the whole send, naming the rate and the documents that use
it: it is a settings problem, and sending the other documents would only hide it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .documents import DocumentSnapshot
from .xero_books import XeroBooks

SHOWN_NUMBERS = 5


def tax_rate_problems(documents: Iterable[DocumentSnapshot], books: XeroBooks) -> list[str]:
    """One line per unusable CRM tax rate, with the documents that use it."""
    users: dict[str, list[str]] = defaultdict(list)
    mapping: dict[str, str | None] = {}
    for document in documents:
        for line in document.lines:
            mapping[line.tax_rate_name] = line.xero_tax_type
            if document.number not in users[line.tax_rate_name]:
                users[line.tax_rate_name].append(document.number)
    problems = []
    for name in sorted(mapping):
        tax_type = mapping[name]
        if not tax_type:
            why = f"tax rate '{name}' is not mapped to a Xero tax type (map it in the CRM's tax settings)"
        else:
            problem = books.tax_type_problem(tax_type)
            if problem is None:
                continue
            why = f"tax rate '{name}' maps to {tax_type}, but {problem}"
        numbers = users[name]
        shown = ", ".join(numbers[:SHOWN_NUMBERS]) + (
            f" and {len(numbers) - SHOWN_NUMBERS} more" if len(numbers) > SHOWN_NUMBERS else ""
        )
        problems.append(f"{why}; used on {shown}")
    return problems
