"""``python -m xero_sandbox serve ...``: run the sandbox as a server process.

Binds 127.0.0.1 by default. ``--port 0`` picks a free port; either way, once the server
accepts connections it prints one line, ``xero-sandbox listening on http://HOST:PORT``, and
flushes it, so a parent process can wait for that line. The state is a SQLite file, so
documents, tokens and idempotency replies survive a restart. The client secret may come
from XERO_SANDBOX_CLIENT_SECRET instead of the command line (which other users can see).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from .app import build_app
from .clock import Clock
from .config import RateLimitConfig, SandboxConfig, tenant_from_name
from .faults import FailNext, FaultConfig
from .state import SandboxState
from .testing import bind_socket, make_server


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m xero_sandbox",
                                     description="A local Xero-compatible API server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    add = serve.add_argument
    add("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    add("--port", type=int, default=8700, help="port (default 8700; 0 picks a free one)")
    add("--state", default=".xero_sandbox/state.sqlite", help="SQLite state file")
    add("--client-id", default=os.environ.get("XERO_SANDBOX_CLIENT_ID", "sandbox-client"))
    add("--client-secret", default=os.environ.get("XERO_SANDBOX_CLIENT_SECRET", "sandbox-secret"))
    add("--public-client", action="append", default=[], metavar="ID",
        help="a PKCE-only client without a secret (repeatable)")
    add("--redirect-uri", action="append", default=[], metavar="URI",
        help="allowed redirect URI for --client-id (repeatable; default: any loopback or https)")
    add("--tenant-name", action="append", default=[], metavar="NAME",
        help="an organisation (repeatable; default 'Demo Company (UK)'); ids derive from names")
    add("--token-lifetime", type=int, default=1800, help="access token lifetime, seconds")
    add("--refresh-token-lifetime", type=int, default=60 * 24 * 3600)
    add("--refresh-grace", type=int, default=1800, help="old refresh token grace, seconds")
    add("--clock-scale", type=float, default=1.0, help="60 makes a rate-limit minute last 1 s")
    add("--rate-concurrent", type=int, default=5)
    add("--rate-minute", type=int, default=60)
    add("--rate-day", type=int, default=5000)
    add("--rate-app-minute", type=int, default=10000)
    add("--fault-seed", type=int, default=0)
    add("--fault-rate-429", type=float, default=0.0)
    add("--fault-rate-500", type=float, default=0.0)
    add("--fault-rate-503", type=float, default=0.0)
    add("--fault-slow-rate", type=float, default=0.0)
    add("--fault-slow-seconds", type=float, default=0.0)
    add("--fault-drop-rate", type=float, default=0.0, help="share of writes dropped after commit")
    add("--fault-drop-next", type=int, default=0, help="drop the next N writes after commit")
    add("--fault-fail-next", type=int, default=0, help="fail the next N accounting requests")
    add("--fault-fail-status", type=int, default=503, help="status for --fault-fail-next")
    add("--allow-remote-admin", action="store_true",
        help="answer /sandbox/ admin calls from non-loopback addresses too")
    add("--log-level", default="info")
    return parser


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    faults = FaultConfig(
        seed=args.fault_seed, rate_429=args.fault_rate_429, rate_500=args.fault_rate_500,
        rate_503=args.fault_rate_503, slow_rate=args.fault_slow_rate,
        slow_seconds=args.fault_slow_seconds, drop_after_commit_rate=args.fault_drop_rate,
        drop_after_commit_next=args.fault_drop_next,
        fail_next=([FailNext(args.fault_fail_next, args.fault_fail_status)]
                   if args.fault_fail_next else []),
    )
    extra: dict = {}
    if args.tenant_name:
        extra["tenants"] = [tenant_from_name(name) for name in args.tenant_name]
    if args.redirect_uri:
        extra["redirect_uris"] = {args.client_id: list(args.redirect_uri)}
    return SandboxConfig(
        client_id=args.client_id, client_secret=args.client_secret,
        public_clients=tuple(args.public_client), access_token_lifetime=args.token_lifetime,
        refresh_token_lifetime=args.refresh_token_lifetime, refresh_grace=args.refresh_grace,
        clock_scale=args.clock_scale,
        rate_limits=RateLimitConfig(args.rate_concurrent, args.rate_minute, args.rate_day,
                                    args.rate_app_minute),
        faults=faults, host=args.host, port=args.port,
        admin_from_anywhere=args.allow_remote_admin, **extra,
    )


async def _serve(config: SandboxConfig, state_path: str, log_level: str) -> None:
    state = SandboxState(state_path)
    try:
        app = build_app(config, state, Clock(scale=config.clock_scale))
        sock = bind_socket(config.host, config.port)
        host, port = sock.getsockname()[:2]
        from uvicorn.config import LOGGING_CONFIG

        server = make_server(app, log_level=log_level, log_config=LOGGING_CONFIG)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            shown = f"[{host}]" if ":" in host else host
            print(f"xero-sandbox listening on http://{shown}:{port}", flush=True)
        await task
    finally:
        state.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"xero-sandbox: {exc}", file=sys.stderr)
        return 2
    if config.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"xero-sandbox: warning: listening on {config.host}; the admin API stays "
              "loopback-only unless --allow-remote-admin", file=sys.stderr)
    asyncio.run(_serve(config, args.state, args.log_level))
    return 0


if __name__ == "__main__":
    sys.exit(main())
