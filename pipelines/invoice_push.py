"""Dagster wiring for the invoice push flow: the two admin-launched send jobs."""

from dagster import job

from assets.invoice_push import send_chosen_documents, send_live_documents


@job(
    description=(
        "Send to Xero: the invoices and credit notes you name (numbers) or filter (company, status, date), "
        "with their products and companies. Sent only while the amount outstanding equals the total. "
        "Finance and admin users only; dry_run shows what would happen and writes nothing."
    ),
    tags={"flow": "invoice_push"},
)
def send_invoices():
    send_chosen_documents()


@job(
    description=(
        "Send All Live Invoices: every invoice and credit note whose amount outstanding equals its total and "
        "whose status is neither Paid nor Pending, with their products and companies. "
        "Finance and admin users only; dry_run shows what would happen and writes nothing."
    ),
    tags={"flow": "invoice_push"},
)
def send_all_live_invoices():
    send_live_documents()


ASSETS: list = []
ASSET_CHECKS: list = []
JOBS = [send_invoices, send_all_live_invoices]
SCHEDULES: list = []
SENSORS: list = []
