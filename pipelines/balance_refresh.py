"""Dagster wiring for the balance refresh flow: jobs, reconciliation asset, schedule and sensors.

The background poll requests the invoice push's ``send_all_live_invoices`` job by name; it is
looked up in that flow's wiring, and while it is not there the poll only refreshes.
"""

from assets.balance_refresh import (
    SEND_ALL_LIVE_INVOICES,
    build_balance_poll_sensor,
    build_nightly_schedule,
    invoice_balance_reconciliation,
    reconcile_after_balance_refresh,
    reconcile_invoice_balances,
    update_all_invoice_balances_job,
    update_selected_invoices_job,
)
from pipelines import invoice_push
from resources.balance_refresh.settings import schedule_from_env

_settings = schedule_from_env()
_send_job = next((j for j in invoice_push.JOBS if getattr(j, "name", None) == SEND_ALL_LIVE_INVOICES), None)

ASSETS: list = [invoice_balance_reconciliation]
ASSET_CHECKS: list = []  # the reconciliation's check is declared on the asset (check_specs)
JOBS: list = [update_selected_invoices_job, update_all_invoice_balances_job, reconcile_invoice_balances]
SCHEDULES: list = [build_nightly_schedule(_settings)]
SENSORS: list = [build_balance_poll_sensor(_settings, _send_job), reconcile_after_balance_refresh]
