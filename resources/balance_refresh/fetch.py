"""Reading many documents from Xero without one call per document.

Two ways to read N selected documents of one collection in one tenant:

- **by id**: ``GET /Invoices?IDs=a,b,...`` 50 at a time (Xero's URL ceiling is about 52 GUIDs),
  so ceil(N/50) calls. The spec gives CreditNotes no IDs filter, so credit notes are asked for
  with ``where=CreditNoteID==Guid("a") OR ...``, 20 at a time, the most that stays under the
  same URL length once the clauses are URL-encoded;
- **by paging**: ``GET /Invoices?page=p&pageSize=1000`` filtered to sales documents
  (``where=Type=="ACCREC"``, one of Xero's optimised filters) and, when a cursor exists,
  ``If-Modified-Since`` it. With a cursor only what changed comes back; a document of ours
  that does not is unchanged since the cursor, so it needs no read at all. Without one, the
  pages list every sales document, and any of ours not listed is missing from Xero.

Paging costs as many calls as pages, which only Xero knows, so the plan is made in two steps.
If reading by id costs no more than the cheapest paging could (one page, plus the documents
paging cannot vouch for, see below), read by id and never ask. Otherwise fetch page 1 (its
``pagination.pageCount`` gives the cost, and its documents are kept either way), then finish
whichever way needs fewer of the remaining calls.

A document sent to Xero after the cursor (or with no sent date) may hold Xero data older than
the cursor that the CRM has never seen, so If-Modified-Since cannot vouch for it: it is always
read, from the pages if it shows up there, otherwise by id.

Pages are ordered by the document id, not by Xero's default: a document modified while we
page would otherwise move to the end and push an unread one back onto a page already read.
With a fixed order a concurrent change can only make us read a document twice, never skip one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from resources.xero.api import MAX_PAGE_SIZE, XeroApi
from resources.xero.dates import parse_xero_datetime

from .documents import DocKind

ID_BATCH = {DocKind.INVOICE: 50, DocKind.CREDIT_NOTE: 20}
# Asking from a little before the cursor costs a few repeat reads and covers the time between
# Xero reading the documents for its first answer and stamping that answer's DateTimeUTC.
CURSOR_OVERLAP = timedelta(seconds=5)


def page_params(kind: DocKind, page: int, page_size: int = MAX_PAGE_SIZE) -> dict[str, Any]:
    """One page of a collection's sales documents, in a fixed order (see the module docstring)."""
    return {"page": page, "pageSize": page_size, "where": f'Type=="{kind.xero_type}"',
            "order": f"{kind.xero_id_field} ASC"}


@dataclass
class FetchedBatch:
    """One Xero answer's documents that the refresh asked about (already seen ones dropped)."""

    tenant_id: str
    kind: DocKind
    source: str  # "ids", "page 2/7", "modified-since page 1/1"
    documents: list[dict[str, Any]]
    asked: int  # documents requested by id (0 for a page)


@dataclass
class DocumentFetcher:
    """Reads the wanted documents of one kind in one tenant; iterate ``batches()`` once.

    ``wanted``: lower-case Xero ids. ``must_read``: those If-Modified-Since cannot vouch for.
    ``since``: the cursor (None: no cursor, paging lists everything).
    """

    api: XeroApi
    tenant_id: str
    kind: DocKind
    wanted: set[str]
    must_read: set[str]
    since: datetime | None
    page_size: int = MAX_PAGE_SIZE
    id_batch: int = 0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    seen: set[str] = field(default_factory=set, init=False)
    asked_by_id: set[str] = field(default_factory=set, init=False)
    listed_everything: bool = field(default=False, init=False)  # every sales document paged through
    listed_changes: bool = field(default=False, init=False)  # every change since the cursor paged through
    server_time: datetime | None = field(default=None, init=False)
    calls: int = field(default=0, init=False)
    plan: str = field(default="nothing to read", init=False)

    def __post_init__(self) -> None:
        self.id_batch = self.id_batch or ID_BATCH[self.kind]
        self.must_read = set(self.must_read) & self.wanted if self.since else set()

    # -- what the caller learns afterwards --------------------------------------------------
    @property
    def absent(self) -> set[str]:
        """Wanted documents Xero was asked about (by id, or a full listing) and did not return."""
        asked = self.wanted if self.listed_everything else self.asked_by_id
        return asked - self.seen

    @property
    def unchanged(self) -> set[str]:
        """Wanted documents If-Modified-Since vouches for: not modified since the cursor."""
        if not self.listed_changes:
            return set()
        return self.wanted - self.seen - self.asked_by_id

    def id_calls(self, ids: set[str]) -> int:
        return math.ceil(len(ids) / self.id_batch)

    # -- the plan ---------------------------------------------------------------------------
    def batches(self) -> Iterator[FetchedBatch]:
        if not self.wanted:
            return
        by_id_cost = self.id_calls(self.wanted)
        paging_floor = 1 + self.id_calls(self.must_read)
        if by_id_cost <= paging_floor:
            self.plan = f"by id: {by_id_cost} call(s) for {len(self.wanted)} document(s)"
            yield from self._by_id(self.wanted)
            return
        first, page_count = self._page(1)
        yield first
        remaining_paging = (page_count - 1) + self.id_calls(self.must_read - self.seen)
        remaining_by_id = self.id_calls(self.wanted - self.seen)
        mode = "modified-since" if self.since else "all"
        if remaining_paging <= remaining_by_id:
            self.plan = (f"{mode} paging: {page_count} page(s) of {self.page_size}"
                         f" + {self.id_calls(self.must_read - self.seen)} id call(s)"
                         f" (by id alone: {by_id_cost})")
            page = 2
            while page <= page_count:
                batch, page_count = self._page(page)
                yield batch
                page += 1
            if self.since:
                self.listed_changes = True
            else:
                self.listed_everything = True
            yield from self._by_id(self.must_read - self.seen)
        else:
            self.plan = (f"by id after one {mode} page ({page_count} page(s) would be needed):"
                         f" 1 + {remaining_by_id} call(s)")
            yield from self._by_id(self.wanted - self.seen)

    # -- calls ------------------------------------------------------------------------------
    def _get(self, params: dict[str, Any], since: datetime | None) -> dict[str, Any]:
        asked_at = self.clock()
        response = self.api.request("GET", f"/{self.kind.collection}", self.tenant_id, params=params,
                                    if_modified_since=since)
        self.calls += 1
        payload = response.json(parse_float=Decimal)
        if self.server_time is None:
            stamp = payload.get("DateTimeUTC") if isinstance(payload, dict) else None
            # Xero's clock when it answered; ours, taken before asking, if it did not say.
            self.server_time = parse_xero_datetime(stamp) if isinstance(stamp, str) else asked_at
        return payload if isinstance(payload, dict) else {}

    def _keep(self, items: Sequence[Any]) -> list[dict[str, Any]]:
        kept = []
        for item in items:
            if not isinstance(item, dict):
                continue
            raw_id = item.get(self.kind.xero_id_field)
            key = raw_id.strip().lower() if isinstance(raw_id, str) else None
            if key in self.wanted and key not in self.seen:
                self.seen.add(key)
                kept.append(item)
            elif key is None:
                kept.append(item)  # no id: let the strict reader name the problem
        return kept

    def _page(self, page: int) -> tuple[FetchedBatch, int]:
        params = page_params(self.kind, page, self.page_size)
        since = self.since - CURSOR_OVERLAP if self.since else None
        payload = self._get(params, since)
        items = payload.get(self.kind.collection) or []
        page_count = (payload.get("pagination") or {}).get("pageCount")
        if not isinstance(page_count, int):
            # No pagination object: a short page is the last one, a full one promises another.
            page_count = page if len(items) < self.page_size else page + 1
        page_count = max(page_count, 1)
        mode = "modified-since page" if self.since else "page"
        return FetchedBatch(self.tenant_id, self.kind, f"{mode} {page}/{page_count}", self._keep(items), 0), page_count

    def _by_id(self, ids: set[str]) -> Iterator[FetchedBatch]:
        ordered = sorted(ids)
        for start in range(0, len(ordered), self.id_batch):
            chunk = ordered[start:start + self.id_batch]
            self.asked_by_id.update(chunk)
            if self.kind is DocKind.INVOICE:
                params = {"IDs": ",".join(chunk)}
            else:
                params = {"where": " OR ".join(f'CreditNoteID==Guid("{key}")' for key in chunk)}
            payload = self._get(params, None)
            yield FetchedBatch(self.tenant_id, self.kind, "ids", self._keep(payload.get(self.kind.collection) or []),
                               len(chunk))
