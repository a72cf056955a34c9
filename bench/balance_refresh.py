"""Xero calls and wall time of the balance refresh: 10,000 sent invoices, 5% changed in Xero.

    .venv/bin/python -m bench.balance_refresh [--invoices 10000] [--changed-share 0.05]
                                              [--clock-scale 60] [--baseline-sample 300]

One in-process sandbox holds N sales invoices that already existed in Xero (recorded a day
ago), and a fresh migrated SQLite CRM holds the same N invoices, Live, sent to accounts, linked
by Xero id, over N/10 companies. Then:
1. the first update_all_invoice_balances (no cursor yet): it must read every invoice;
2. 5% of the invoices get a part payment in Xero (re-recorded with AmountDue halved, so their
   UpdatedDateUTC moves past the cursor), and update_all_invoice_balances runs again;
3. a third run with nothing changed;
4. the reconciliation (every linked invoice read fresh);
5. the baselines in bench/balance_refresh_baseline.py: 50 ids a call over all N (run in full),
   and one call per invoice (run on a sample, then extrapolated to N: the calls exactly, the
   time in proportion, and said so in the table).

The sandbox enforces Xero's limits (5 in flight, 60 calls a minute, 5,000 a day per tenant) on a
clock CLOCK_SCALE times faster than wall time, and the client's throttle uses the same shortened
minute. Wall time is measured on that clock; "Xero minutes of quota" is what the rate limit alone
would cost against Xero (60 calls a minute), whatever the machine. Calls are the answered GETs
the sandbox counted, which is what Xero counts (a 429 refusal is not a call).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from cryptography.fernet import Fernet
from sqlalchemy import Engine, insert

from bench.balance_refresh_baseline import by_id_batches, one_call_per_invoice
from resources.balance_refresh.reconciliation import reconcile_balances
from resources.balance_refresh.refresh import RefreshReport, update_all_invoice_balances
from resources.crm.db import make_engine, upgrade_head
from resources.crm.models import Company, Invoice, InvoiceStatus, User, UserRole
from resources.xero.api import MAX_BATCH, MAX_PAGE_SIZE, XeroApi
from resources.xero.connect import connect_client_credentials
from resources.xero.settings import XeroSettings
from resources.xero.token_store import DbTokenProvider, TokenCipher
from xero_sandbox.config import SandboxConfig
from xero_sandbox.testing import SandboxHandle, run_sandbox

LOAD_CHUNK = 1000  # invoices per fixture request
T = TypeVar("T")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Row:
    run: str
    needed: int  # invoices the run had to bring over
    calls: int
    seconds: float
    note: str = ""

    @property
    def lower_bound(self) -> int:
        return math.ceil(self.needed / MAX_PAGE_SIZE)


def ms(moment: datetime) -> str:
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def xero_invoice(invoice_id: str, number: str, company: int, total: Decimal, *, paid: Decimal = Decimal("0.00"),
                 updated: datetime | None) -> dict[str, object]:
    doc: dict[str, object] = {
        "InvoiceID": invoice_id, "Type": "ACCREC", "InvoiceNumber": number, "Status": "AUTHORISED",
        "Contact": {"ContactID": str(uuid.UUID(int=company)), "Name": f"Bench Company {company:05d}"},
        "Date": "/Date(1735689600000+0000)/", "LineAmountTypes": "Exclusive", "CurrencyCode": "GBP",
        "SubTotal": str(total), "TotalTax": "0.00", "Total": str(total), "AmountDue": str(total - paid),
        "AmountPaid": str(paid), "AmountCredited": "0.00", "Payments": [], "CreditNotes": [], "LineItems": [],
    }
    if updated is not None:
        doc["UpdatedDateUTC"] = ms(updated)
    return doc


@dataclass
class World:
    handle: SandboxHandle
    engine: Engine
    api: XeroApi
    invoices: list[tuple[str, str, int, Decimal]]  # (xero id, number, company, total)

    def gets(self) -> int:
        # Answered calls only: Xero does not count a call it refused with 429, and neither do we.
        return sum(self.handle.request_count(route, "GET", 200) for route in ("/Invoices", "/Invoices/{InvoiceID}"))

    def counted(self, work: Callable[[], T]) -> tuple[T, int, float]:
        before = self.gets()
        started = time.perf_counter()
        result = work()
        return result, self.gets() - before, time.perf_counter() - started


def build_world(handle: SandboxHandle, workdir: Path, n: int, rng: random.Random) -> World:
    companies = max(1, n // 10)
    invoices = [(str(uuid.uuid4()), f"INV-{i:06d}", 1 + i % companies,
                 Decimal(rng.randint(1_000, 500_000)) / 100) for i in range(1, n + 1)]
    a_day_ago = handle.clock.now() - timedelta(days=1)
    for start in range(0, n, LOAD_CHUNK):
        handle.load_fixture("Invoices", [xero_invoice(i, num, c, t, updated=a_day_ago)
                                         for i, num, c, t in invoices[start:start + LOAD_CHUNK]])
    url = f"sqlite:///{workdir / 'crm.sqlite'}"
    upgrade_head(url)
    engine = make_engine(url)
    sent = datetime.now(UTC) - timedelta(days=2)
    owed: dict[int, Decimal] = {}
    for _, _, company, total in invoices:
        owed[company] = owed.get(company, Decimal("0.00")) + total
    with engine.begin() as db:
        db.execute(insert(User), [{"login": "finance", "full_name": "Finance", "role": UserRole.FINANCE}])
        db.execute(insert(Company), [{"crm_id": c, "account_name": f"Bench Company {c:05d}", "balance": owed[c]}
                                     for c in range(1, companies + 1)])
        db.execute(insert(Invoice), [{
            "number": number, "company_id": company, "status": InvoiceStatus.LIVE, "issue_date": date(2025, 1, 1),
            "currency": "GBP", "total": total, "amount_outstanding": total, "sent_to_accounts": True,
            "sent_to_accounts_date": sent, "xero_invoice_id": xero_id,
        } for xero_id, number, company, total in invoices])
    settings = XeroSettings(client_id=handle.config.client_id, client_secret=handle.config.client_secret,
                            api_base_url=handle.base_url, identity_base_url=handle.base_url)
    cipher = TokenCipher(Fernet.generate_key())
    connect_client_credentials(settings, engine, cipher)
    api = XeroApi(settings, DbTokenProvider(engine, settings, cipher), minute_seconds=60 / handle.config.clock_scale)
    return World(handle, engine, api, invoices)


def refresh(world: World) -> RefreshReport:
    return update_all_invoice_balances(world.api, world.engine, [world.handle.tenant_id], actor="finance")


def measure(n: int, share: float, clock_scale: float, sample: int, seed: int) -> tuple[list[Row], dict[str, str]]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="bench-balance-") as tmp, \
            run_sandbox(SandboxConfig(clock_scale=clock_scale)) as handle:
        started = time.perf_counter()
        world = build_world(handle, Path(tmp), n, rng)
        log(f"loaded {n:,} invoices into the sandbox and the CRM in {time.perf_counter() - started:.1f} s")
        tenant = handle.tenant_id
        rows: list[Row] = []
        facts: dict[str, str] = {}
        try:
            first, calls, seconds = world.counted(lambda: refresh(world))
            rows.append(Row("first update-all (no cursor)", n, calls, seconds, first.plans[0].split(": ", 1)[1]))
            log(f"first run: {calls} calls, {seconds:.2f} s, {first.summary()['fetch_plan']}")

            handle.advance(120)  # the payments come after the run, as they would the next day
            changed = rng.sample(world.invoices, int(n * share))
            for start in range(0, len(changed), LOAD_CHUNK):
                handle.load_fixture("Invoices", [xero_invoice(i, num, c, t, paid=(t / 2).quantize(Decimal("0.01")),
                                                              updated=None)
                                                 for i, num, c, t in changed[start:start + LOAD_CHUNK]])
            second, calls, seconds = world.counted(lambda: refresh(world))
            assert len(second.changed) == len(changed), (len(second.changed), len(changed))
            rows.append(Row(f"update-all, {len(changed):,} changed ({share:.0%})", len(changed), calls, seconds,
                            second.plans[0].split(": ", 1)[1]))
            facts["status_changes"] = str(second.status_changes)
            facts["money_moved"] = str(second.money_moved)
            facts["company_balances_changed"] = str(len(second.balances))
            log(f"incremental run: {calls} calls, {seconds:.2f} s, {second.status_changes}")

            third, calls, seconds = world.counted(lambda: refresh(world))
            rows.append(Row("update-all, nothing changed", 0, calls, seconds, third.plans[0].split(": ", 1)[1]))

            report, calls, seconds = world.counted(
                lambda: reconcile_balances(world.api, world.engine, [tenant]))
            assert not report.differing
            rows.append(Row("reconciliation (reads all)", n, calls, seconds, report.plans[0].split(": ", 1)[1]))

            ids = [i for i, _, _, _ in world.invoices]
            found, calls, seconds = world.counted(lambda: by_id_batches(world.api, tenant, ids))
            assert found == n
            rows.append(Row(f"baseline: {MAX_BATCH} ids a call", n, calls, seconds, "run in full"))

            picked = rng.sample(ids, min(sample, n))
            found, calls, seconds = world.counted(lambda: one_call_per_invoice(world.api, tenant, picked))
            assert found == len(picked)
            rows.append(Row("baseline: one call per invoice", n, round(calls * n / len(picked)),
                            seconds * n / len(picked),
                            f"run on {len(picked)} invoices ({calls} calls, {seconds:.1f} s), extrapolated to {n:,}"))
        finally:
            world.api.close()
            world.engine.dispose()
        return rows, facts


def table(rows: list[Row], clock_scale: float) -> str:
    lines = [
        f"| run | invoices needed | API calls | lower bound ⌈n/1000⌉ | calls / lower bound "
        f"| wall s (sandbox, clock ×{clock_scale:g}) | Xero minutes of quota (calls ÷ 60) | share of 5,000/day | how |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        ratio = f"{row.calls / row.lower_bound:.2f}" if row.lower_bound else "-"
        lines.append(f"| {row.run} | {row.needed:,} | {row.calls:,} | {row.lower_bound:,} | {ratio} | "
                     f"{row.seconds:.2f} | {row.calls / 60:.2f} | {row.calls / 5000:.2%} | {row.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--changed-share", type=float, default=0.05)
    parser.add_argument("--clock-scale", type=float, default=60.0,
                        help="sandbox clock speed-up: 60 makes a rate-limit minute last one second")
    parser.add_argument("--baseline-sample", type=int, default=300,
                        help="invoices the one-call-per-invoice baseline really fetches before extrapolating")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rows, facts = measure(args.invoices, args.changed_share, args.clock_scale, args.baseline_sample, args.seed)
    print(table(rows, args.clock_scale))
    print()
    for key, value in facts.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
