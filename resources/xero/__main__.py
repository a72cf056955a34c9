"""`python -m resources.xero connect|status|new-key`: the "Connect to Xero" button as a command."""

from __future__ import annotations

import argparse
import sys

from cryptography.fernet import Fernet

from resources.crm.db import database_url, make_engine

from .connect import connect_authorization_code, connect_client_credentials
from .errors import XeroError
from .settings import XeroSettings
from .token_store import TokenCipher, read_connection, staleness_warning


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resources.xero", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    connect = sub.add_parser("connect", help="connect to Xero and store the token set in the CRM database")
    connect.add_argument("--client-credentials", action="store_true", help="custom connection (no browser)")
    connect.add_argument("--port", type=int, default=8749, help="local port that catches Xero's redirect")
    connect.add_argument("--no-browser", action="store_true", help="only print the authorise URL")
    sub.add_parser("status", help="show the stored connection (never the tokens)")
    sub.add_parser("new-key", help="print a new XERO_TOKEN_KEY")
    args = parser.parse_args(argv)

    if args.command == "new-key":
        print(Fernet.generate_key().decode())
        return 0
    try:
        engine = make_engine(database_url())
        if args.command == "status":
            info = read_connection(engine)
            if info is None:
                print("Not connected. Run: python -m resources.xero connect")
                return 1
            print(f"Connected ({info.auth_kind}), token version {info.version}, "
                  f"access token expires {info.access_token_expires_at}")
            for tenant in info.tenants:
                print(f"  tenant {tenant['tenantId']}  {tenant['tenantName']}")
            warning = staleness_warning(info)
            if warning:
                print(f"WARNING: {warning}")
            return 0
        settings = XeroSettings.from_env()
        cipher = TokenCipher.from_env()
        if args.client_credentials:
            info = connect_client_credentials(settings, engine, cipher)
        else:
            info = connect_authorization_code(
                settings, engine, cipher, port=args.port, open_browser=not args.no_browser,
                show_url=lambda url: print(f"Open this URL to authorise crm-xero-sync:\n{url}", flush=True),
            )
    except XeroError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Connected to {len(info.tenants)} tenant(s): " + ", ".join(t["tenantName"] for t in info.tenants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
