"""How many Xero calls the invoice push makes, and how well it uses Xero's 60-a-minute limit.

    .venv/bin/python -m bench.invoice_push [--invoices 1000 --companies 200 --products 50] [--scale 20]

Each scenario gets a fresh migrated SQLite CRM (bench/invoice_push_data.py: N live invoices,
GBP, UK VAT) and a fresh in-process sandbox enforcing Xero's limits (5 in flight, 60 a minute,
5,000 a day per tenant) on a clock running ``scale`` times faster than the wall, with the
client's throttle minute matched to it. Calls are counted by the sandbox, as Xero would count
them, and checked against the client's own count.

1. Calls: the push (send_all_live_invoices, batches of 50) against the lower bound
   ceil(N/50) + ceil(C/50) + ceil(P/50) and against the one-call-per-record baseline
   (bench/invoice_push_baseline.py), both on a fast clock (scale 600) where the limit is slack.
2. The limit: the same runs on the ``--scale`` clock. Work that needs more than a minute's
   allowance is throttled; its share of the limit is the achieved calls per sandbox minute over
   60. (Xero's window is rolling, so a client may spend a minute's 60 calls at once and then 60 a
   minute: over a short run a perfect client can show a little over 100 %; "fastest" gives the
   soonest any client could finish.) The push at batch 50 needs fewer calls than one minute
   allows, so the limit never binds; to see it held at the limit it also runs with batches of 5.
Every run is checked afterwards: each invoice in Xero exactly once (none lost, none doubled),
and for the push, every CRM invoice holding its Xero id.

Why a moderate scale (20): the client paces itself on a sliding window measured when it sends,
the sandbox on one measured when the call arrives, so a call released the instant the oldest
one leaves the client's window can still arrive a hair early and get a 429. The client then
waits Retry-After, which the sandbox gives in whole real seconds: one second is 1/60 of a real
Xero minute but a third of a minute at scale 20 and half of one at scale 30, so a faster clock
overstates what those rare 429s cost. (A small safety margin in the client's throttle would
avoid them; see the report.)
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bench.invoice_push_baseline import push_one_by_one
from bench.invoice_push_data import fill
from resources.crm.db import make_engine, upgrade_head
from resources.crm.models import Invoice
from resources.invoice_push import PushOptions, send_all_live_invoices
from resources.xero.api import MAX_BATCH, XeroApi
from resources.xero.connect import connect_client_credentials
from resources.xero.settings import XeroSettings
from resources.xero.token_store import DbTokenProvider, TokenCipher
from xero_sandbox.config import SandboxConfig
from xero_sandbox.testing import SandboxHandle, run_sandbox

FAST_SCALE = 600.0
PER_MINUTE = 60


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Run:
    scenario: str
    scale: float
    calls: int
    client_calls: int
    seconds: float
    invoices_in_xero: int
    duplicated: int
    lost: int
    crm_linked: int | None
    rate_limited: int  # 429s the sandbox answered

    @property
    def minutes(self) -> float:
        """Elapsed time on the sandbox's clock."""
        return self.seconds * self.scale / 60

    @property
    def per_minute(self) -> float:
        return self.calls / self.minutes if self.minutes else float("inf")

    @property
    def share(self) -> float:
        return self.per_minute / PER_MINUTE

    @property
    def fastest_minutes(self) -> int:
        """The soonest any client can finish: a rolling window lets 60 go at once, then 60 a minute."""
        return (self.calls - 1) // PER_MINUTE


def accounting_calls(sandbox: SandboxHandle) -> tuple[int, int]:
    rows = [r for r in sandbox.counters() if not r["endpoint"].startswith(("/connect", "/connections"))]
    return sum(r["count"] for r in rows if r["status"] != 429), sum(r["count"] for r in rows if r["status"] == 429)


def scenario(name: str, scale: float, invoices: int, companies: int, products: int,
             work: Callable[[Engine, XeroApi, str], None], *, check_crm: bool, margin: float = 0.0) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'crm.sqlite'}"
        upgrade_head(url)
        engine = make_engine(url)
        fill(engine, invoices=invoices, companies=companies, products=products)
        # In-memory sandbox state: a state file's write latency would bound a one-call-at-a-time
        # client below the limit on a fast clock, which is not what this measures.
        with run_sandbox(SandboxConfig(clock_scale=scale)) as sandbox:
            settings = XeroSettings(client_id=sandbox.config.client_id, client_secret=sandbox.config.client_secret,
                                    api_base_url=sandbox.base_url, identity_base_url=sandbox.base_url,
                                    timeout_seconds=30)
            cipher = TokenCipher(Fernet.generate_key())
            connect_client_credentials(settings, engine, cipher)
            api = XeroApi(settings, DbTokenProvider(engine, settings, cipher), minute_seconds=60 / scale * (1 + margin))
            try:
                started = time.perf_counter()
                work(engine, api, sandbox.tenant_id)
                seconds = time.perf_counter() - started
            finally:
                api.close()
            calls, limited = accounting_calls(sandbox)
            numbers = [d.get("InvoiceNumber") for d in sandbox.state.list_objects(sandbox.tenant_id, "Invoices")]
        linked = None
        if check_crm:
            with engine.connect() as db:
                linked = db.execute(select(func.count()).where(Invoice.xero_invoice_id.is_not(None))).scalar_one()
        engine.dispose()
    run = Run(name, scale, calls, api.stats.calls, seconds, len(set(numbers)), len(numbers) - len(set(numbers)),
              invoices - len(set(numbers)), linked, limited)
    log(f"  {name} (scale {scale:g}): {run.calls} calls in {run.seconds:.1f} s = {run.minutes:.2f} sandbox min; "
        f"{run.invoices_in_xero} invoices in Xero, {run.duplicated} duplicated, {run.lost} lost")
    return run


def ours(batch_size: int) -> Callable[[Engine, XeroApi, str], None]:
    def work(engine: Engine, api: XeroApi, tenant_id: str) -> None:
        report = send_all_live_invoices(engine, api, tenant_id,
                                        PushOptions("finance", run_id="bench", batch_size=batch_size))
        if report.counts()["failed"]:
            raise SystemExit(f"the push failed documents: {report.counts()}")
    return work


def baseline(engine: Engine, api: XeroApi, tenant_id: str) -> None:
    push_one_by_one(engine, api, tenant_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--scale", type=float, default=20.0, help="sandbox clock speed for the limited runs")
    parser.add_argument("--margin", type=float, default=0.0,
                        help="lengthen the client's minute by this share on the limited runs (0: matched)")
    args = parser.parse_args(argv)
    n, c, p = args.invoices, args.companies, args.products
    bound = math.ceil(n / MAX_BATCH) + math.ceil(c / MAX_BATCH) + math.ceil(p / MAX_BATCH)

    log("calls (fast clock):")
    fast_ours = scenario("push, batches of 50", FAST_SCALE, n, c, p, ours(50), check_crm=True)
    fast_base = scenario("one call per record", FAST_SCALE, n, c, p, baseline, check_crm=False)
    log(f"limit (60 a minute on a clock {args.scale:g}x faster):")
    slow = [
        scenario("push, batches of 50", args.scale, n, c, p, ours(50), check_crm=True, margin=args.margin),
        scenario("push, batches of 5", args.scale, n, c, p, ours(5), check_crm=True, margin=args.margin),
        scenario("one call per record", args.scale, n, c, p, baseline, check_crm=False, margin=args.margin),
    ]

    print(f"\nInvoice push: {n:,} invoices, {c:,} companies, {p:,} products\n")
    print("| run | API calls | vs lower bound | vs one call per record | lost | duplicated |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| lower bound ceil({n}/50)+ceil({c}/50)+ceil({p}/50) | {bound} | 1.00x | | | |")
    for run in (fast_ours, fast_base):
        print(f"| {run.scenario} | {run.calls} | {run.calls / bound:.2f}x | {run.calls / fast_base.calls:.3f}x "
              f"| {run.lost} | {run.duplicated} |")
    print(f"\nUnder Xero's 60 calls a minute (sandbox clock {args.scale:g}x, client minute "
          f"{60 / args.scale * (1 + args.margin):g} s):\n")
    print("| run | API calls | sandbox minutes (fastest) | calls/minute | share of the limit | 429s | lost "
          "| duplicated |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for run in slow:
        share = f"{run.share:.0%}" if run.calls > PER_MINUTE else "(within one minute's allowance)"
        print(f"| {run.scenario} | {run.calls} | {run.minutes:.2f} ({run.fastest_minutes}) | {run.per_minute:.1f} "
              f"| {share} | {run.rate_limited} | {run.lost} | {run.duplicated} |")
    problems = [r for r in (fast_ours, fast_base, *slow) if r.lost or r.duplicated
                or (r.crm_linked is not None and r.crm_linked != n) or r.calls + r.rate_limited != r.client_calls]
    for run in problems:
        print(f"PROBLEM in {run.scenario} (scale {run.scale:g}): {run}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
