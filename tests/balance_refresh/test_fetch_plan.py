"""How the fetcher reads documents from the sandbox: by id, by paging, or a page then by id,
whichever needs fewer calls, and never one call per document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from resources.balance_refresh.documents import DocKind
from resources.balance_refresh.fetch import DocumentFetcher
from resources.xero.api import XeroApi
from tests.balance_refresh.conftest import fixed_id, make_api
from tests.conftest import CrmXero


@pytest.fixture
def api(crm_xero: CrmXero) -> Iterator[XeroApi]:
    client = make_api(crm_xero)
    yield client
    client.close()


def load(env: CrmXero, kind: DocKind, first: int, count: int) -> set[str]:
    number_key = "InvoiceNumber" if kind is DocKind.INVOICE else "CreditNoteNumber"
    amounts = {"AmountDue": "10.00", "AmountPaid": "0.00"} if kind is DocKind.INVOICE else {"RemainingCredit": "10.00"}
    docs = [{kind.xero_id_field: fixed_id(n), "Type": kind.xero_type, number_key: f"D-{n}", "Status": "AUTHORISED",
             "Contact": {"ContactID": fixed_id(900000), "Name": "Someone"}, "Total": "10.00", "SubTotal": "10.00",
             "TotalTax": "0.00", "CurrencyCode": "GBP", "LineAmountTypes": "Exclusive", "LineItems": [], **amounts}
            for n in range(first, first + count)]
    env.sandbox.load_fixture(kind.collection, docs)
    return {fixed_id(n) for n in range(first, first + count)}


def read(api: XeroApi, env: CrmXero, kind: DocKind, wanted: set[str], **options) -> DocumentFetcher:
    fetcher = DocumentFetcher(api, env.sandbox.tenant_id, kind, wanted, set(), None, **options)
    for _ in fetcher.batches():
        pass
    return fetcher


def test_a_few_documents_are_read_by_id_in_one_call(api, crm_xero):
    wanted = load(crm_xero, DocKind.INVOICE, 1, 50)
    load(crm_xero, DocKind.INVOICE, 1000, 300)  # other invoices Xero holds
    fetcher = read(api, crm_xero, DocKind.INVOICE, wanted)
    assert (fetcher.calls, fetcher.seen) == (1, wanted)
    assert fetcher.plan.startswith("by id: 1 call")


def test_most_of_xero_is_paged_through_instead_of_asked_for_by_id(api, crm_xero):
    wanted = load(crm_xero, DocKind.INVOICE, 1, 120)
    load(crm_xero, DocKind.INVOICE, 1000, 20)
    fetcher = read(api, crm_xero, DocKind.INVOICE, wanted, page_size=100)
    assert fetcher.calls == 2  # two pages of 100, instead of ceil(120/50) = 3 calls by id
    assert fetcher.seen == wanted and fetcher.listed_everything


def test_a_first_page_then_by_id_when_xero_holds_far_more(api, crm_xero):
    load(crm_xero, DocKind.INVOICE, 1, 600)  # sorted first, so page 1 holds none of ours
    wanted = load(crm_xero, DocKind.INVOICE, 5000, 120)
    fetcher = read(api, crm_xero, DocKind.INVOICE, wanted, page_size=100)
    assert fetcher.calls == 1 + 3  # page 1 says 8 pages; 3 calls by id are cheaper than 7 more pages
    assert fetcher.seen == wanted
    assert "by id after one all page (8 page(s) would be needed)" in fetcher.plan


def test_credit_notes_are_read_by_id_through_where_20_at_a_time(api, crm_xero):
    """The spec gives CreditNotes no IDs filter: where=CreditNoteID==Guid(..) OR ..., 20 a call."""
    load(crm_xero, DocKind.CREDIT_NOTE, 1, 600)
    wanted = load(crm_xero, DocKind.CREDIT_NOTE, 5000, 30)
    fetcher = read(api, crm_xero, DocKind.CREDIT_NOTE, wanted, page_size=100)
    assert fetcher.seen == wanted
    assert fetcher.calls == 1 + 2


def test_documents_xero_does_not_have_are_reported_absent(api, crm_xero):
    wanted = load(crm_xero, DocKind.INVOICE, 1, 3)
    ghost = fixed_id(777)
    fetcher = read(api, crm_xero, DocKind.INVOICE, wanted | {ghost})
    assert fetcher.absent == {ghost}
