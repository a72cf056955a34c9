"""Loading recorded Xero documents into a tenant, keeping their ids and every field.

Used to start the sandbox from real replies (e.g. the 49 Demo Company contacts in
samples/minimul-xero-api/get_contacts_response_body.json). Documents are stored exactly as
recorded, so GET returns the recorded values; only a missing id or UpdatedDateUTC is filled
in. Recorded amounts stay JSON numbers; the handlers read either numbers or decimal strings.
"""

from __future__ import annotations

import copy
from typing import Any

from ..clock import Clock
from ..state import SandboxState
from .common import new_id, put_doc, stamp
from .organisation import ensure_seeded

# kind -> (id key, natural-key field, name field, status field)
KINDS: dict[str, tuple[str, str | None, str | None, str | None]] = {
    "Contacts": ("ContactID", "ContactNumber", "Name", "ContactStatus"),
    "Items": ("ItemID", "Code", "Name", None),
    "TaxRates": ("TaxType", "TaxType", "Name", "Status"),
    "Accounts": ("AccountID", "Code", "Name", "Status"),
    "Invoices": ("InvoiceID", "InvoiceNumber", None, "Status"),
    "CreditNotes": ("CreditNoteID", "CreditNoteNumber", None, "Status"),
    "Payments": ("PaymentID", None, None, "Status"),
}


def load_fixture(state: SandboxState, tenant_id: str, clock: Clock, kind: str,
                 docs: Any) -> int:
    """Store recorded documents of one kind; returns how many were loaded.

    ``docs`` is a list of documents or a whole recorded reply (``{"Contacts": [...]}``).
    A document whose id already exists replaces it."""
    canonical = next((k for k in KINDS if k.lower() == kind.lower()), None)
    if canonical is None:
        raise ValueError(f"Unknown fixture kind '{kind}'; use one of {', '.join(KINDS)}")
    if isinstance(docs, dict):
        docs = next((v for k, v in docs.items() if k.lower() == canonical.lower()), [docs])
    if not isinstance(docs, list):
        raise ValueError(f"Fixture documents for {canonical} must be a list")
    id_key, key_field, name_field, status_field = KINDS[canonical]
    ensure_seeded(state, tenant_id, clock)
    count = 0
    with state.transaction():
        for raw in docs:
            if not isinstance(raw, dict):
                raise ValueError(f"Each {canonical} fixture document must be an object")
            doc = copy.deepcopy(raw)
            doc_id = str(doc.get(id_key) or new_id())
            doc.setdefault(id_key, doc_id)
            if not isinstance(doc.get("UpdatedDateUTC"), str) and canonical != "TaxRates":
                stamp(doc, clock)
            object_id = doc_id if canonical == "TaxRates" else doc_id.lower()
            natural = doc.get(key_field) if key_field else None
            put_doc(state, tenant_id, canonical, object_id, doc, clock,
                    natural_key=str(natural) if natural not in (None, "") else None,
                    name=doc.get(name_field) if name_field else None,
                    status=doc.get(status_field) if status_field else None)
            count += 1
    return count
