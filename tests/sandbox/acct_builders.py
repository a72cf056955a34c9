"""Small builders for the accounting tests: create a contact, item or document in one call
and return the element Xero sent back (asserting the call succeeded)."""

from __future__ import annotations

from typing import Any

from tests.sandbox.acct_client import AccountingClient


def make_contact(acct: AccountingClient, name: str, **fields: Any) -> dict[str, Any]:
    reply = acct.put("/Contacts", {"Contacts": [{"Name": name, **fields}]})
    assert reply.status == 200, reply.body
    return reply.body["Contacts"][0]


def make_item(acct: AccountingClient, code: str, **fields: Any) -> dict[str, Any]:
    reply = acct.put("/Items", {"Items": [{"Code": code, **fields}]})
    assert reply.status == 200, reply.body
    return reply.body["Items"][0]


def line(description: str = "Consulting", quantity: Any = 1, unit: Any = 100,
         **fields: Any) -> dict[str, Any]:
    return {"Description": description, "Quantity": quantity, "UnitAmount": unit,
            "AccountCode": "200", "TaxType": "OUTPUT2", **fields}


def make_invoice(acct: AccountingClient, contact_id: str, lines: list[dict[str, Any]] | None = None,
                 query: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    body = {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Date": "2024-03-01",
            "DueDate": "2024-03-31", "LineItems": lines or [line()], **fields}
    reply = acct.put("/Invoices", {"Invoices": [body]}, query=query)
    assert reply.status == 200, reply.body
    return reply.body["Invoices"][0]


def make_credit_note(acct: AccountingClient, contact_id: str,
                     lines: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    body = {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact_id}, "Date": "2024-03-05",
            "LineItems": lines or [line(unit=50)], **fields}
    reply = acct.put("/CreditNotes", {"CreditNotes": [body]})
    assert reply.status == 200, reply.body
    return reply.body["CreditNotes"][0]


def pay(acct: AccountingClient, invoice_id: str, amount: Any, date: str = "2024-03-10",
        account: str = "090") -> Any:
    return acct.put("/Payments", {"Payments": [{"Invoice": {"InvoiceID": invoice_id},
                                                "Account": {"Code": account}, "Amount": amount,
                                                "Date": date}]})


def messages(reply: Any) -> list[str]:
    """Every ValidationErrors message in a 400 ValidationException or a 200 element list."""
    body = reply.body
    elements = body.get("Elements")
    if elements is None:
        elements = next((v for k, v in body.items() if isinstance(v, list)), [])
    return [m["Message"] for e in elements for m in e.get("ValidationErrors", [])]
