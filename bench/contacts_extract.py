"""How many Xero calls, how long and how much memory the contacts extract takes at 10k and 100k contacts.

    .venv/bin/python -m bench.contacts_extract [--sizes 10000 100000]

For each size N a fresh in-process sandbox is loaded with N contacts (recorded in the past, as
contacts that already existed in Xero would be), then:
1. ours: extract_contacts into a fresh migrated SQLite CRM, 1,000 a page, timed;
2. the same again into a second fresh CRM under tracemalloc, for the peak heap (tracing makes
   Python code several times slower, so it never shares a run with the timing);
3. a baseline that pages at Xero's default of 100 with XeroApi.get_pages and stores nothing,
   to count the calls such a client makes;
4. 1% of the contacts changed through the API (POST /Contacts, 50 a request), then the
   incremental extract (If-Modified-Since) timed, traced on the second CRM, and its page-100
   baseline from the same If-Modified-Since.

The sandbox enforces Xero's limits (5 in flight, 60 a minute, 5,000 a day per tenant) on a clock
running CLOCK_SCALE times faster than wall time, and the client's throttle uses the same
shortened minute, so the rate limit is respected without making the benchmark wait real minutes.
Calls are counted by the sandbox (what Xero would count) and checked against the client's count.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from cryptography.fernet import Fernet
from sqlalchemy import Engine

from resources.crm.db import make_engine, upgrade_head
from resources.xero.api import MAX_BATCH, MAX_PAGE_SIZE, XeroApi
from resources.xero.connect import connect_client_credentials
from resources.xero.contacts_extract import CURSOR_OVERLAP, ExtractReport, extract_contacts, read_cursor
from resources.xero.settings import XeroSettings
from resources.xero.token_store import DbTokenProvider, TokenCipher
from xero_sandbox.config import SandboxConfig
from xero_sandbox.testing import SandboxHandle, run_sandbox

CLOCK_SCALE = 600.0  # one sandbox rate-limit minute lasts 0.1 s
DEFAULT_PAGE = 100  # what Xero returns when a client sends no pageSize
LOAD_CHUNK = 5000  # contacts per fixture request: keeps each admin request well under a few MB
CHANGED_SHARE = 0.01
# 2023-11-14: fixture contacts are spaced a minute apart from here, so all of them are older than
# any change made during the benchmark, and the extract's 1 s cursor overlap re-reads at most one.
FIXTURE_EPOCH_MS = 1_700_000_000_000

T = TypeVar("T")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Row:
    n: int
    run: str
    fetched: int  # contacts our extract received
    needed: int  # contacts the run had to bring over: all of them, or only the changed ones
    calls: int
    baseline_calls: int
    seconds: float
    peak_mb: float

    @property
    def lower_bound(self) -> int:
        return math.ceil(self.needed / MAX_PAGE_SIZE)

    @property
    def page100_expected(self) -> int:
        return math.ceil(self.needed / DEFAULT_PAGE)


class Bench:
    """One sandbox loaded with N contacts, and the CRMs and clients the runs use."""

    def __init__(self, handle: SandboxHandle, workdir: Path) -> None:
        self.handle = handle
        self.workdir = workdir
        self.settings = XeroSettings(
            client_id=handle.config.client_id, client_secret=handle.config.client_secret,
            api_base_url=handle.base_url, identity_base_url=handle.base_url,
        )
        self.cipher = TokenCipher(Fernet.generate_key())
        self.clients: list[XeroApi] = []

    def connected_crm(self, name: str) -> tuple[Engine, XeroApi]:
        """A fresh migrated SQLite CRM holding a custom connection, and a client that uses it."""
        url = f"sqlite:///{self.workdir / f'{name}.sqlite'}"
        upgrade_head(url)
        engine = make_engine(url)
        connect_client_credentials(self.settings, engine, self.cipher)
        api = XeroApi(self.settings, DbTokenProvider(engine, self.settings, self.cipher),
                      minute_seconds=60 / self.handle.config.clock_scale)
        self.clients.append(api)
        return engine, api

    def close(self) -> None:
        for api in self.clients:
            api.close()

    def contacts_gets(self) -> int:
        return self.handle.request_count("/Contacts", "GET")

    def counted(self, api: XeroApi, work: Callable[[], T]) -> tuple[T, int, float]:
        """Run ``work``; return its result, the GET /Contacts the sandbox saw, and the wall time."""
        before_sandbox, before_client = self.contacts_gets(), api.stats.calls
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
        calls = self.contacts_gets() - before_sandbox
        if calls != api.stats.calls - before_client:
            log(f"  note: sandbox counted {calls} GET /Contacts, the client {api.stats.calls - before_client}")
        return result, calls, seconds

    def baseline_calls(self, api: XeroApi, since: datetime | None) -> int:
        """A client paging at Xero's default of 100 that stores nothing: only its calls count."""
        def page_through() -> int:
            return sum(len(page) for page in api.get_pages(
                "Contacts", self.handle.tenant_id, params={"includeArchived": "true"},
                if_modified_since=since, page_size=DEFAULT_PAGE,
            ))

        _, calls, _ = self.counted(api, page_through)
        return calls


def peak_of(work: Callable[[], Any]) -> float:
    """Run ``work`` under tracemalloc; return the peak of traced Python allocations in MB."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def load_contacts(handle: SandboxHandle, n: int) -> list[str]:
    """Load N contacts in chunks; return their ContactIDs."""
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for start in range(0, n, LOAD_CHUNK):
        handle.load_fixture("Contacts", [
            {"ContactID": ids[i], "Name": f"Bench Client {i:06d}",
             "UpdatedDateUTC": f"/Date({FIXTURE_EPOCH_MS + i * 60_000}+0000)/"}
            for i in range(start, min(n, start + LOAD_CHUNK))
        ])
    return ids


def change_contacts(handle: SandboxHandle, ids: list[str]) -> None:
    """Update each contact's email through the accounting API, 50 a request as Xero recommends."""
    with handle.api_client() as client:
        for start in range(0, len(ids), MAX_BATCH):
            batch = ids[start:start + MAX_BATCH]
            reply = client.post("/Contacts", json={"Contacts": [
                {"ContactID": contact_id, "EmailAddress": f"changed-{contact_id[:8]}@example.com"}
                for contact_id in batch
            ]})
            reply.raise_for_status()


def measure(n: int, clock_scale: float, seed: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-contacts-") as tmp, \
            run_sandbox(SandboxConfig(clock_scale=clock_scale)) as handle:
        bench = Bench(handle, Path(tmp))
        try:
            return _measure(bench, n, seed)
        finally:
            bench.close()


def _measure(bench: Bench, n: int, seed: int) -> list[Row]:
    tenant = bench.handle.tenant_id
    started = time.perf_counter()
    ids = load_contacts(bench.handle, n)
    log(f"N={n:,}: loaded in {time.perf_counter() - started:.1f} s")

    timed_crm, timed_api = bench.connected_crm("timed")
    traced_crm, traced_api = bench.connected_crm("traced")

    full: ExtractReport
    full, calls, seconds = bench.counted(timed_api, lambda: extract_contacts(timed_api, timed_crm, tenant))
    assert full.total == n, f"the extract holds {full.total} contacts, the sandbox {n}"
    log(f"N={n:,}: full extract {calls} calls, {seconds:.1f} s")
    peak = peak_of(lambda: extract_contacts(traced_api, traced_crm, tenant))
    log(f"N={n:,}: traced full extract, peak {peak:.1f} MB")
    baseline = bench.baseline_calls(timed_api, None)
    rows = [Row(n, "full", full.fetched, n, calls, baseline, seconds, peak)]

    changed = random.Random(seed).sample(ids, max(1, round(n * CHANGED_SHARE)))
    change_contacts(bench.handle, changed)
    cursor = read_cursor(timed_crm, tenant)
    incremental: ExtractReport
    incremental, calls, seconds = bench.counted(
        timed_api, lambda: extract_contacts(timed_api, timed_crm, tenant))
    assert incremental.mode == "incremental" and incremental.changed >= len(changed)
    log(f"N={n:,}: incremental extract {calls} calls, {incremental.fetched} fetched, {seconds:.2f} s")
    peak = peak_of(lambda: extract_contacts(traced_api, traced_crm, tenant))
    # The baseline asks from the same moment ours did, so both fetch the same contacts.
    baseline = bench.baseline_calls(timed_api, cursor - CURSOR_OVERLAP if cursor else None)
    rows.append(Row(n, f"incremental ({len(changed):,} changed)", incremental.fetched, len(changed),
                    calls, baseline, seconds, peak))
    return rows


def render(rows: list[Row]) -> str:
    header = [
        "N", "run", "contacts fetched", "API calls (ours)", "lower bound ⌈n/1000⌉", "page-100 ⌈n/100⌉",
        "page-100 measured", "ours / lower bound", "page-100 / ours", "wall s (ours)",
        "Python-heap peak MB (tracemalloc)",
    ]
    body = [[
        f"{r.n:,}", r.run, f"{r.fetched:,}", f"{r.calls:,}", f"{r.lower_bound:,}", f"{r.page100_expected:,}",
        f"{r.baseline_calls:,}", f"{r.calls / r.lower_bound:.2f}", f"{r.baseline_calls / r.calls:.1f}",
        f"{r.seconds:.2f}", f"{r.peak_mb:.1f}",
    ] for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    # Text columns left, numbers right, as a markdown table that also reads well in a terminal.
    left = {0, 1}

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if i in left else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i not in left else ("-" * (w + 2))
                          for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *(line(cells) for cells in body)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000],
                        help="contact counts to extract (default: 10000 100000)")
    parser.add_argument("--clock-scale", type=float, default=CLOCK_SCALE,
                        help=f"sandbox rate-limit clock speed-up, matched by the client (default {CLOCK_SCALE:g})")
    parser.add_argument("--seed", type=int, default=7, help="which contacts get changed")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.sizes):
        parser.error("--sizes must be positive")

    started = time.perf_counter()
    rows = [row for n in args.sizes for row in measure(n, args.clock_scale, args.seed)]
    print(render(rows), flush=True)
    print("\nn = contacts the run had to bring over: all N for a full run, the changed ones for an incremental "
          "run (which also re-reads the newest unchanged contact: the extract's 1 s cursor overlap).")
    print(f"sandbox clock x{args.clock_scale:g} (Xero limits enforced on it, client minute = "
          f"{60 / args.clock_scale:g} s); wall and heap include the in-process sandbox serving the pages; "
          f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
