"""Invoices (ACCREC sales invoices, ACCPAY bills): GET list/one, PUT create, POST upsert.

Upsert key: InvoiceID, else the InvoiceNumber of an ACCREC invoice (unique, generated as
INV-0001... when absent). ACCPAY numbers are the supplier's and may repeat, so a POST of a bill
without its InvoiceID creates a new bill. A PUT reusing an ACCREC number is refused with
"Invoice # must be unique." (spec example).

GET /Invoices without ``page`` returns every matching invoice without LineItems (Xero sends
lines only when paging or fetching one invoice); with ``page`` the lines are included and the
reply has a ``pagination`` object. Filters: IDs, InvoiceNumbers, ContactIDs, Statuses (csv),
where, searchTerm (InvoiceNumber, Reference), order, If-Modified-Since, summaryOnly.
"""

from __future__ import annotations

from ..api import ApiRequest, ApiResponse
from .documents import (
    INVOICES,
    get_document,
    get_documents,
    post_document,
    post_documents,
    put_documents,
)


def get_invoices(req: ApiRequest) -> ApiResponse:
    return get_documents(req, INVOICES)


def get_invoice(req: ApiRequest) -> ApiResponse:
    return get_document(req, INVOICES, "InvoiceID")


def put_invoices(req: ApiRequest) -> ApiResponse:
    return put_documents(req, INVOICES)


def post_invoices(req: ApiRequest) -> ApiResponse:
    return post_documents(req, INVOICES)


def post_invoice(req: ApiRequest) -> ApiResponse:
    return post_document(req, INVOICES, "InvoiceID")
