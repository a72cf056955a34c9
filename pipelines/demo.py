"""The README's first command: the main job end to end on the embedded defaults.

What it does, each step safe to rerun (the demo starts from scratch every time):
1. migrates a fresh SQLite CRM (data/crm.sqlite) and fills it with demo data;
2. starts the Xero sandbox (data/sandbox.sqlite) on a free loopback port and loads Xero
   contacts that match the demo CRM (the clients a business already had in Xero);
3. connects to it as a custom connection (client_credentials), token set encrypted in the CRM;
4. runs the pipeline through Dagster, in a persistent instance (.dagster_home) so the run
   can be inspected afterwards in the UI (scripts/ui);
5. prints a short summary.
The settings it used are written to data/demo.env for scripts/ui.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
DAGSTER_HOME = REPO / ".dagster_home"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(port: int, state: Path, client_id: str, client_secret: str) -> subprocess.Popen[str]:
    env = {**os.environ, "XERO_SANDBOX_CLIENT_SECRET": client_secret}  # not on the command line
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xero_sandbox",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--state",
            str(state),
            "--client-id",
            client_id,
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sandbox/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox exited early:\n{process.stdout.read() if process.stdout else ''}")
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the sandbox did not start within 30 s")


def prepare_instance(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "dagster.yaml", home / "dagster.yaml")


def write_env(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    path.chmod(0o600)  # it holds the demo's token key and client secret


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--companies", type=int, default=10, help="demo CRM companies (default 10)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)

    DATA.mkdir(exist_ok=True)
    for stale in ("crm.sqlite", "sandbox.sqlite"):
        for suffix in ("", "-wal", "-shm"):
            (DATA / f"{stale}{suffix}").unlink(missing_ok=True)
    port = free_port()
    settings = {
        "CRM_DATABASE_URL": f"sqlite:///{DATA / 'crm.sqlite'}",
        "XERO_CLIENT_ID": "crm-xero-sync-demo",
        "XERO_CLIENT_SECRET": secrets.token_urlsafe(24),
        "XERO_TOKEN_KEY": Fernet.generate_key().decode(),
        "XERO_API_BASE_URL": f"http://127.0.0.1:{port}",
        "XERO_IDENTITY_BASE_URL": f"http://127.0.0.1:{port}",
        "XERO_SANDBOX_PORT": str(port),
        "DAGSTER_HOME": str(DAGSTER_HOME),
    }
    os.environ.update(settings)
    write_env(DATA / "demo.env", settings)

    # Imported after the environment is set: the definitions bind these variables.
    from resources.crm.db import make_engine, session_factory, upgrade_head
    from resources.crm.demo_data import generate
    from resources.crm.demo_xero import xero_contacts_for
    from resources.xero.connect import connect_client_credentials
    from resources.xero.settings import XeroSettings
    from resources.xero.token_store import TokenCipher

    print(f"1/4 CRM: migrating and filling {settings['CRM_DATABASE_URL']}")
    upgrade_head(settings["CRM_DATABASE_URL"])
    engine = make_engine(settings["CRM_DATABASE_URL"])
    with session_factory(engine)() as session:
        demo = generate(session, companies=args.companies, seed=args.seed)
        session.commit()
        xero_contacts = xero_contacts_for(session, seed=args.seed)

    print(f"2/4 Xero sandbox: starting on {settings['XERO_API_BASE_URL']}")
    sandbox = start_sandbox(port, DATA / "sandbox.sqlite", settings["XERO_CLIENT_ID"], settings["XERO_CLIENT_SECRET"])
    try:
        reply = httpx.post(f"{settings['XERO_API_BASE_URL']}/sandbox/fixtures/Contacts", json=xero_contacts, timeout=30)
        reply.raise_for_status()

        print("3/4 Connecting to Xero (custom connection, token set encrypted in the CRM)")
        connection = connect_client_credentials(XeroSettings.from_env(), engine, TokenCipher.from_env())

        print("4/4 Running the pipeline through Dagster")
        from dagster import DagsterInstance

        from pipelines.definitions import defs
        from resources.balance_refresh.demo_payments import record_demo_payments
        from resources.xero.api import XeroApi
        from resources.xero.token_store import DbTokenProvider

        prepare_instance(DAGSTER_HOME)
        tenant_id = connection.tenants[0]["tenantId"]
        with DagsterInstance.get() as instance:

            def run(job: str, op_config: dict[str, dict] | None = None) -> Any:
                result = defs.resolve_job_def(job).execute_in_process(
                    instance=instance,
                    run_config={
                        "ops": {op: {"config": cfg} for op, cfg in (op_config or {}).items()},
                        # The run's full event log is in the UI; the terminal gets warnings and the summary.
                        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
                    },
                    raise_on_error=False,
                )
                runs.append((job, result))
                print(f"    {job}: {'success' if result.success else 'FAILED'} (run {result.run_id})")
                return result

            runs: list[tuple[str, Any]] = []
            extract = run("extract_xero_contacts")
            # The original's order: update-import first (existing companies get their Xero
            # Reference), then the historical import (Xero-only clients become companies).
            update_import = run("client_update_import", {"update_existing_clients": {"requested_by": "admin"}})
            client_import = run("client_import", {"import_new_clients": {"requested_by": "admin"}})
            send = run("send_all_live_invoices", {"send_live_documents": {"requested_by": "finance"}})
            settings_ = XeroSettings.from_env()
            api = XeroApi(settings_, DbTokenProvider(engine, settings_, TokenCipher.from_env()))
            payments = record_demo_payments(api, tenant_id, engine, settings["XERO_API_BASE_URL"])
            api.close()
            print(f"    recorded in Xero, as a person would: {len(payments)} payments")
            refresh = run("update_all_invoice_balances", {"refresh_all_documents": {"requested_by": "finance"}})
            reconcile = run("reconcile_invoice_balances")
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)

    ok = all(result.success for _, result in runs)
    print()
    print("Summary")
    rows = demo.counts
    print(
        f"  CRM                {rows['companies']} companies, {rows['invoices']} invoices, "
        f"{rows['credit_notes']} credit note(s), {rows['users']} users"
    )
    print(f"  Xero connection    {connection.auth_kind}, tenant {connection.tenants[0]['tenantName']}")
    if extract.success:
        meta = {k: v.value for k, v in extract.get_asset_materialization_events()[0].materialization.metadata.items()}
        print(
            f"  xero_contacts      {meta['row_count']} contacts ({meta['mode']} extract, {meta['new']} new), "
            f"{meta['api_calls']} API call(s); checks: "
            + ", ".join(
                f"{c.check_name} {'passed' if c.passed else 'FAILED'}" for c in extract.get_asset_check_evaluations()
            )
        )
    if update_import.success:
        counts = update_import.output_for_node("update_existing_clients")
        print(
            f"  update-import      {counts['updated']} companies got their Xero Reference, "
            f"{counts['unchanged']} unchanged, "
            f"{counts['conflicts']} conflicts, {counts['ambiguous']} ambiguous, {counts['unmatched']} unmatched, "
            f"{counts['repaired_cells']} cells repaired"
        )
    if client_import.success:
        counts = client_import.output_for_node("import_new_clients")
        print(
            f"  client import      {counts['created']} companies created with {counts['people_created']} people, "
            f"{counts['already_in_crm']} already in the CRM"
        )
    if send.success:
        pushed = send.output_for_node("send_live_documents")
        print(
            f"  invoice push       {pushed['sent']} sent ({pushed['created']} created, {pushed['updated']} updated), "
            f"{pushed['skipped']} skipped, {pushed['failed']} failed; {pushed['contacts']} contacts, "
            f"{pushed['items']} items, {pushed['api_calls']} API calls"
        )
        totals = ", ".join(f"{cur} {amount}" for cur, amount in pushed["totals"].items())
        print(f"                     totals sent: {totals}")
    for payment in payments:
        print(f"  payment in Xero    {payment.kind} payment of {payment.amount} on {payment.invoice_number}")
    if refresh.success:
        refreshed = refresh.output_for_node("refresh_all_documents")
        print(
            f"  balance refresh    status changes: {refreshed['status_changes'] or 'none'}; "
            f"money moved: {refreshed['money_moved'] or 'none'}"
        )
        for line in refreshed["changed_documents"] + refreshed["changed_balances"]:
            print(f"                     {line}")
    if reconcile.success:
        checks = reconcile.get_asset_check_evaluations()
        print(
            "  reconciliation     " + ", ".join(f"{c.check_name} {'passed' if c.passed else 'FAILED'}" for c in checks)
        )
        ok = ok and all(c.passed for c in checks)
    print()
    print("See it in the Dagster UI: scripts/ui  (then open http://127.0.0.1:3000)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
