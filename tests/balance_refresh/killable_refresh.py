"""update_all_invoice_balances in a process of its own, pausing after each batch, so a test can
kill it (SIGKILL, no cleanup) between two batches. Settings come from the environment."""

from __future__ import annotations

import os
import sys
import time

from resources.balance_refresh.refresh import update_all_invoice_balances
from resources.crm.db import make_engine
from resources.xero.api import XeroApi
from resources.xero.settings import XeroSettings
from resources.xero.token_store import DbTokenProvider, TokenCipher


def main() -> int:
    env = os.environ
    engine = make_engine(env["KILL_CRM_URL"])
    settings = XeroSettings(client_id=env["KILL_CLIENT_ID"], client_secret=env["KILL_CLIENT_SECRET"],
                            api_base_url=env["KILL_BASE_URL"], identity_base_url=env["KILL_BASE_URL"])
    api = XeroApi(settings, DbTokenProvider(engine, settings, TokenCipher(env["KILL_TOKEN_KEY"])), minute_seconds=0.1)

    def progress(message: str) -> None:
        print(message, flush=True)
        time.sleep(float(env.get("KILL_PAUSE", "2")))  # the batch is committed: a kill now is "between batches"

    update_all_invoice_balances(api, engine, [env["KILL_TENANT"]], actor="finance", run_id="killed",
                                page_size=3, id_batch=3, progress=progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
