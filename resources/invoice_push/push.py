"""The send itself: "Send to Xero" and "Send All Live Invoices", for invoices and credit notes.

Order of work (the original's, with its weak spots fixed):
1. the requesting user must be finance or admin, checked before anything is read (B38);
2. the documents are chosen (B21, B22, B29); chosen ones that may not be sent are skipped;
3. every product and tax rate they use is checked against Xero's own books (B5, B32); one
   problem stops the whole send, and the error lists every problem;
4. each document is priced as Xero will price it; one that would drift from its CRM total by
   even a cent is not sent (B39, B40);
5. documents Xero holds and has locked (paid, voided, with payments) are skipped (B23);
6. Items are upserted by Code, then Contacts by ContactNumber (B7, B8, B36, B37);
7. documents go in batches of at most 50 with summarizeErrors=false; each success stores its
   Xero id and Sent to Accounts with the date, each failure keeps Xero's message (B33).
Every document attempted gets a xero_log row, whatever happens (B34), written batch by batch,
and so do the Items and Contacts written on its behalf.

A dry run does steps 1 to 5 and reads from Xero (tax rates, accounts, and the documents Xero
already holds, by id and by number) but writes nothing anywhere: no Xero writes, no CRM
changes, no xero_log rows. It does not try the contacts, so a company Xero would refuse (a
name another contact holds) only shows up in the real send.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Engine

from resources.crm.permissions import require_finance_or_admin
from resources.crm.xero_log import LogEntry, write_log
from resources.xero.api import MAX_BATCH, ElementOutcome, XeroApi
from resources.xero.errors import XeroHttpError

from .contacts import ContactOutcome, sync_contacts
from .crm_writes import mark_sent, store_references
from .documents import CompanySnapshot, DocumentKind, DocumentSnapshot
from .errors import SendStopped
from .payloads import XeroStatus, document_payload, status_to_send
from .pricing import DocumentPlan, plan_document
from .products import item_payload, products_used, validate_products
from .report import Action, DocumentResult, Outcome, PushReport, RecordResult
from .selection import Chosen, Selection, choose_documents, choose_live_documents
from .tax_mapping import tax_rate_problems
from .xero_books import XeroBooks, read_books
from .xero_documents import XeroDocumentState, is_locked_message, read_document_states

DEFAULT_FREE_TEXT_ACCOUNT = "200"  # Xero's default Sales account, for lines without a product
UNIT_PARAMS = {"unitdp": 4}  # CRM prices have 4 places; without this Xero rounds them to 2


@dataclass(frozen=True)
class PushOptions:
    requested_by: str
    dry_run: bool = False
    xero_status: XeroStatus = XeroStatus.DRAFT
    free_text_account_code: str = DEFAULT_FREE_TEXT_ACCOUNT
    batch_size: int = MAX_BATCH
    run_id: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}, got {self.batch_size}")


class PushInterrupted(Exception):
    """The send stopped midway (Xero unreachable, the day's quota spent, ...). Everything Xero
    confirmed before that is recorded in the CRM and xero_log; a rerun carries on safely."""

    def __init__(self, message: str, report: PushReport) -> None:
        super().__init__(message)
        self.report = report


AfterBatch = Callable[[DocumentKind, int], None]


def send_invoices(engine: Engine, api: XeroApi, tenant_id: str, selection: Selection,
                  options: PushOptions, *, after_batch: AfterBatch | None = None) -> PushReport:
    """"Send to Xero": the named or filtered invoices and credit notes whose outstanding equals
    their total (status ignored, B22); the rest are skipped with the reason logged."""
    require_finance_or_admin(engine, options.requested_by, "send_invoices")
    return _push(engine, api, tenant_id, choose_documents(engine, selection), options, after_batch)


def send_all_live_invoices(engine: Engine, api: XeroApi, tenant_id: str, options: PushOptions, *,
                           after_batch: AfterBatch | None = None) -> PushReport:
    """"Send All Live Invoices": every invoice and credit note whose outstanding equals its
    total and whose status is neither Paid nor Pending (B29)."""
    require_finance_or_admin(engine, options.requested_by, "send_all_live_invoices")
    return _push(engine, api, tenant_id, choose_live_documents(engine), options, after_batch)


class _Recorder:
    """Collects results into the report and writes their xero_log rows in small flushes."""

    def __init__(self, engine: Engine, report: PushReport, chosen: Chosen, *, write: bool) -> None:
        self.engine = engine
        self.report = report
        self.companies = chosen.snapshot.companies
        self.write = write
        self.pending: list[LogEntry] = []
        self.done: set[tuple[str, int]] = set()

    def document(self, document: DocumentSnapshot, action: Action, outcome: Outcome, *,
                 plan: DocumentPlan | None = None, xero_id: str | None = None, message: str = "") -> None:
        company = self.companies.get(document.company_id)
        result = DocumentResult(
            kind=document.kind, number=document.number,
            company=f"{company.name} ({company.crm_id})" if company else str(document.company_id),
            action=action, outcome=outcome,
            currency=document.currency, crm_total=document.total,
            xero_total=plan.total if plan is not None else None, xero_id=xero_id, message=message,
        )
        self.report.documents.append(result)
        self.pending.append(result.log_entry())
        self.done.add(document.key)

    def unknown(self, number: str) -> None:
        result = DocumentResult(kind=DocumentKind.INVOICE, number=number, company="", action=Action.SKIP,
                                outcome=Outcome.ERROR,
                                message="no invoice or credit note in the CRM has this number")
        self.report.documents.append(result)
        self.pending.append(result.log_entry())

    def record(self, result: RecordResult) -> None:
        self.report.records.append(result)
        self.pending.append(result.log_entry())

    def flush(self) -> None:
        if self.write and self.pending:
            self.report.log_rows += write_log(self.engine, self.report.run_id, self.pending)
        self.pending = []


def _preflight(chosen: Chosen, documents: Sequence[DocumentSnapshot], books: XeroBooks,
               options: PushOptions) -> list[str]:
    problems = [p.describe() for p in validate_products(products_used(documents, chosen.snapshot.products), books)]
    problems += tax_rate_problems(documents, books)
    free_text = [d.number for d in documents if any(line.product_id is None for line in d.lines)]
    if free_text and options.free_text_account_code not in books.account_codes:
        problems.append(
            f"lines without a product go to account {options.free_text_account_code}, which is not an active "
            f"account in Xero (used on {', '.join(free_text[:5])})"
        )
    return problems


def _push(engine: Engine, api: XeroApi, tenant_id: str, chosen: Chosen, options: PushOptions,
          after_batch: AfterBatch | None) -> PushReport:
    report = PushReport(run_id=options.run_id, dry_run=options.dry_run, xero_status=options.xero_status.value)
    recorder = _Recorder(engine, report, chosen, write=not options.dry_run)
    calls_before = api.stats.calls
    try:
        for number in chosen.unknown_numbers:
            recorder.unknown(number)
        for skip in chosen.skipped:
            recorder.document(skip.document, Action.SKIP, Outcome.SKIPPED,
                              xero_id=skip.document.xero_id, message=skip.reason)
        documents = chosen.to_send
        if documents:
            _send(engine, api, tenant_id, chosen, documents, options, recorder, after_batch)
    except SendStopped as stop:
        report.stopped = stop.summary
        stop.report = report
        for document in chosen.to_send:
            if document.key not in recorder.done:
                recorder.document(document, Action.SKIP, Outcome.ERROR,
                                  message=f"not sent: {stop.summary} (see the run's error for the list)")
        raise
    except Exception as exc:
        report.stopped = f"the send stopped midway: {exc}"
        for document in chosen.to_send:
            if document.key not in recorder.done:
                recorder.document(document, Action.SKIP, Outcome.ERROR,
                                  message=f"not sent: the run stopped before reaching it ({exc})")
        raise PushInterrupted(report.stopped, report) from exc
    finally:
        report.api_calls = api.stats.calls - calls_before
        recorder.flush()
    return report


def _send(engine: Engine, api: XeroApi, tenant_id: str, chosen: Chosen, documents: list[DocumentSnapshot],
          options: PushOptions, recorder: _Recorder, after_batch: AfterBatch | None) -> None:
    # Products and tax mappings first: one problem stops everything (B5, B32).
    books = read_books(api, tenant_id)
    problems = _preflight(chosen, documents, books, options)
    if problems:
        raise SendStopped("nothing was sent: fix these products and tax rates first", problems)

    # The exact-total pre-check (B39, B40).
    rates = {code: tax.rate for code, tax in books.tax_types.items()}
    plans: dict[tuple[str, int], DocumentPlan] = {}
    priced: list[DocumentSnapshot] = []
    for document in documents:
        plan = plan_document(document, rates)
        drift = plan.drift_message()
        if drift:
            recorder.document(document, Action.SKIP, Outcome.ERROR, plan=plan,
                              xero_id=document.xero_id, message=drift)
        else:
            plans[document.key] = plan
            priced.append(document)

    # What Xero already holds: update in place, or skip when Xero has locked it (B23).
    states = read_document_states(api, tenant_id, priced, by_number=options.dry_run)
    sendable: list[DocumentSnapshot] = []
    for document in priced:
        state = states.get(document.key)
        locked = state.lock_reason() if state is not None else None
        if locked and state is not None:
            recorder.document(document, Action.SKIP, Outcome.SKIPPED, plan=plans[document.key],
                              xero_id=state.xero_id, message=f"skipped: {locked}")
        else:
            sendable.append(document)

    if options.dry_run:
        for document in sendable:
            state = states.get(document.key)
            action = Action.UPDATE if state is not None else Action.CREATE
            recorder.document(document, action, Outcome.DRY_RUN, plan=plans[document.key],
                              xero_id=state.xero_id if state else None,
                              message=f"would {action.value} as {_status_text(options.xero_status, state)}")
        return
    recorder.flush()
    if not sendable:
        return

    _upsert_items(api, tenant_id, chosen, sendable, recorder)
    contacts = _upsert_contacts(engine, api, tenant_id, chosen, sendable, recorder)

    ready: list[DocumentSnapshot] = []
    for document in sendable:
        outcome = contacts.get(document.company_id)
        if outcome is None or not outcome.ok:
            why = outcome.message if outcome is not None else "the company was not sent"
            recorder.document(document, Action.SKIP, Outcome.ERROR, plan=plans[document.key],
                              xero_id=document.xero_id,
                              message=f"not sent: the company's Xero contact could not be saved: {why}")
        else:
            ready.append(document)
    recorder.flush()

    for kind in DocumentKind:  # invoices before credit notes
        of_kind = [d for d in ready if d.kind is kind]
        for number, start in enumerate(range(0, len(of_kind), options.batch_size), start=1):
            chunk = of_kind[start:start + options.batch_size]
            _send_batch(engine, api, tenant_id, chunk, plans, states, contacts, options, recorder)
            recorder.flush()
            if after_batch is not None:
                after_batch(kind, number)


def _status_text(requested: XeroStatus, state: XeroDocumentState | None) -> str:
    status = status_to_send(requested, state.status if state else None)
    return status if status else f"{state.status} (kept)" if state else requested.value


def _upsert_items(api: XeroApi, tenant_id: str, chosen: Chosen, documents: Sequence[DocumentSnapshot],
                  recorder: _Recorder) -> None:
    products = products_used(documents, chosen.snapshot.products)
    refused: list[str] = []
    for replies in api.write_batches("Items", tenant_id, [item_payload(p) for p in products], params=UNIT_PARAMS):
        for reply in replies:
            product = products[reply.index]
            if reply.ok:
                recorder.record(RecordResult("upsert_item", "product", product.code, Outcome.SUCCESS, reply.xero_id,
                                             "item upserted by code"))
            else:
                message = "; ".join(reply.messages) or "Xero refused the item"
                refused.append(f"product {product.code}: Xero refused it: {message}")
                recorder.record(RecordResult("upsert_item", "product", product.code, Outcome.ERROR, None, message))
    recorder.flush()
    if refused:
        raise SendStopped("nothing was sent: Xero refused these products", refused)


def _upsert_contacts(engine: Engine, api: XeroApi, tenant_id: str, chosen: Chosen,
                     documents: Sequence[DocumentSnapshot], recorder: _Recorder) -> dict[int, ContactOutcome]:
    company_ids = sorted({d.company_id for d in documents})
    companies: list[CompanySnapshot] = [chosen.snapshot.companies[i] for i in company_ids]

    def record(batch: list[ContactOutcome]) -> None:
        links = [(o.company.crm_id, o.contact_id) for o in batch
                 if o.contact_id and (o.company.xero_reference or "").lower() != o.contact_id.lower()]
        for crm_id, why in store_references(engine, links).items():  # type: ignore[arg-type]
            for outcome in batch:
                if outcome.company.crm_id == crm_id:
                    outcome.contact_id, outcome.message = None, why
        for outcome in batch:
            recorder.record(RecordResult(
                "upsert_contact", "company", str(outcome.company.crm_id),
                Outcome.SUCCESS if outcome.ok else Outcome.ERROR, outcome.contact_id, outcome.message,
            ))
        recorder.flush()

    return sync_contacts(engine, api, tenant_id, companies, documents, record)


def _send_batch(engine: Engine, api: XeroApi, tenant_id: str, chunk: list[DocumentSnapshot],
                plans: dict[tuple[str, int], DocumentPlan], states: dict[tuple[str, int], XeroDocumentState],
                contacts: dict[int, ContactOutcome], options: PushOptions, recorder: _Recorder) -> None:
    kind = chunk[0].kind
    payloads = []
    for document in chunk:
        state = states.get(document.key)
        payloads.append(document_payload(
            plans[document.key],
            contact_id=str(contacts[document.company_id].contact_id),
            status=status_to_send(options.xero_status, state.status if state else None),
            xero_id=state.xero_id if state else None,
            free_text_account=options.free_text_account_code,
        ))
    try:
        replies = next(iter(api.write_batches(kind.collection, tenant_id, payloads, params=UNIT_PARAMS)))
    except XeroHttpError as exc:
        if exc.status == 0:  # retries ran out: Xero is unreachable, so stop here
            raise
        # Xero refused the request as a whole (not one element): these documents fail, the rest go on.
        for document in chunk:
            recorder.document(document, Action.SKIP, Outcome.ERROR, plan=plans[document.key],
                              xero_id=document.xero_id, message=f"not sent: {exc}")
        return

    answered: dict[int, ElementOutcome] = {reply.index: reply for reply in replies}
    sent: list[tuple[int, str]] = []
    results: list[tuple[DocumentSnapshot, Action, Outcome, str | None, str]] = []
    for index, document in enumerate(chunk):
        plan = plans[document.key]
        state = states.get(document.key)
        action = Action.UPDATE if (state is not None or document.xero_id) else Action.CREATE
        reply = answered.get(index)
        if reply is None:
            results.append((document, action, Outcome.ERROR, document.xero_id,
                            "not sent: Xero's reply did not include this document"))
        elif reply.ok and reply.xero_id:
            sent.append((document.id, reply.xero_id))
            results.append((document, action, Outcome.SUCCESS, reply.xero_id,
                            _success_message(reply.element, plan, action)))
        else:
            message = "; ".join(reply.messages) or "Xero refused it without a message"
            if is_locked_message(message):
                results.append((document, Action.SKIP, Outcome.SKIPPED, document.xero_id,
                                f"skipped: locked in Xero ({message})"))
            else:
                results.append((document, action, Outcome.ERROR, document.xero_id, message))
    # The CRM first, then the log: a log row saying "success" always has its CRM write behind it.
    mark_sent(engine, kind, sent, datetime.now(UTC))
    for document, action, outcome, xero_id, message in results:
        recorder.document(document, action, outcome, plan=plans[document.key], xero_id=xero_id,
                          message=message)


def _success_message(element: dict[str, Any], plan: DocumentPlan, action: Action) -> str:
    verb = "updated" if action is Action.UPDATE else "sent"
    message = f"{verb}; Xero status {element.get('Status', '?')}"
    total = element.get("Total")
    if total is not None and Decimal(str(total)) != plan.total:
        message += f"; WARNING: Xero's total {total} differs from the pre-check's {plan.total}"
    warnings = [w.get("Message", "") for w in element.get("Warnings") or [] if isinstance(w, dict)]
    if warnings:
        message += "; Xero warned: " + "; ".join(w for w in warnings if w)
    return message
