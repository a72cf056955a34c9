"""Invoice push: CRM invoices and credit notes to Xero ("Send to Xero", "Send All Live Invoices").

Plain functions taking an Engine and a XeroApi; the Dagster ops in assets/invoice_push.py only
call them. See push.py for the order of work and the rules.
"""

from .documents import DocumentKind
from .errors import SendStopped
from .payloads import XeroStatus
from .push import PushInterrupted, PushOptions, send_all_live_invoices, send_invoices
from .report import Action, Outcome, PushReport
from .selection import Selection, SelectionError, parse_statuses

__all__ = [
    "Action",
    "DocumentKind",
    "Outcome",
    "PushInterrupted",
    "PushOptions",
    "PushReport",
    "Selection",
    "SelectionError",
    "SendStopped",
    "XeroStatus",
    "parse_statuses",
    "send_all_live_invoices",
    "send_invoices",
]
