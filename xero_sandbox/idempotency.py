"""Idempotency-Key replay for accounting writes, kept in the state file so it survives restarts.

Rules (Xero's idempotency guide as relayed in reference/xero-api.md section 5):

- Keys are at most 128 characters (longer: 400). Only writes (PUT/POST/DELETE routes marked
  ``writes``) use them; an empty header means "no key".
- A key is scoped to the client app and the tenant: two apps, or one app on two tenants,
  may use the same key independently.
- The same key with the same request (method, path, query and body; the JSON body compared
  after parsing, so whitespace does not matter) within ``ttl`` seconds (6 minutes, on the
  wall clock including ``Clock.advance``) returns the first reply: status, body bytes and
  the handler's headers, without running the handler again. Rate-limit headers are fresh.
- The same key with a different request: 400 "... is used with a different request".
- Every reply the handler produced is stored, errors included (Xero caches internal errors
  too). An unexpected crash of a handler is not stored: it is a sandbox bug, and a retry
  should run the handler again.
- A concurrent repeat waits for the first request (one asyncio lock per key; the server
  runs one event loop) and then replays it.
- The reply is saved in the same transaction as the handler's write (when it succeeds), so
  a write whose reply was lost in transit (drop-after-commit) is always replayable.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from .clock import Clock
from .errors import bad_request
from .state import SandboxState

SCOPE = "idempotency"
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class StoredReply:
    status: int
    body: str  # serialised exactly as first sent, so a replay is byte-identical
    headers: dict[str, str]


def validate_key(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        raise bad_request(
            f"The Idempotency-Key header must be at most {MAX_KEY_LENGTH} characters "
            f"(got {len(key)})")


def fingerprint(method: str, path: str, query: Iterable[tuple[str, str]], body: bytes) -> str:
    """Hash of what makes two requests "the same" for replay purposes."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        body_part = canonical.encode()
    except (ValueError, UnicodeDecodeError):
        body_part = body
    digest = hashlib.sha256()
    for part in (method.upper(), path, json.dumps(sorted(query))):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body_part)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(self, state: SandboxState, clock: Clock, ttl_seconds: float = 360) -> None:
        self.state = state
        self.clock = clock
        self.ttl = ttl_seconds
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @staticmethod
    def storage_key(app: str, tenant: str, key: str) -> str:
        return hashlib.sha256(f"{app}\0{tenant}\0{key}".encode()).hexdigest()

    @asynccontextmanager
    async def lock(self, storage_key: str) -> AsyncIterator[None]:
        """Serialise requests that share a key; the lock is dropped when nobody holds it."""
        lock, users = self._locks.get(storage_key, (asyncio.Lock(), 0))
        self._locks[storage_key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[storage_key]
            if users <= 1:
                del self._locks[storage_key]
            else:
                self._locks[storage_key] = (lock, users - 1)

    def lookup(self, storage_key: str, request_fingerprint: str,
               key: str) -> StoredReply | None:
        """The stored reply for a repeat; None for a new (or expired) key; 400 on a mismatch."""
        record = self.state.kv_get(SCOPE, storage_key)
        if record is None or record["expires_at"] <= self.clock.now().timestamp():
            return None
        if record["fingerprint"] != request_fingerprint:
            raise bad_request(
                f"Idempotency-Key '{key}' is used with a different request. Use a new key "
                "for a new request.")
        return StoredReply(record["status"], record["body"], dict(record["headers"]))

    def save(self, storage_key: str, request_fingerprint: str, reply: StoredReply) -> None:
        now = self.clock.now().timestamp()
        self.state.kv_put(SCOPE, storage_key, {
            "fingerprint": request_fingerprint, "status": reply.status, "body": reply.body,
            "headers": reply.headers, "expires_at": now + self.ttl,
        })

    def purge_expired(self) -> int:
        """Forget replies past their lifetime; returns how many were dropped."""
        now = self.clock.now().timestamp()
        expired = [k for k, v in self.state.kv_scope(SCOPE) if v["expires_at"] <= now]
        for storage_key in expired:
            self.state.kv_delete(SCOPE, storage_key)
        return len(expired)

