"""Balance refresh: "Update From Xero", "Update all Invoice Balances", the nightly run and the poll.

Plain functions, no Dagster import; assets/balance_refresh.py wraps them. The pieces:

- documents / selection: which CRM invoices and credit notes are refreshed, and why others are
  skipped (not Paid or Cancelled, Sent to Accounts set: B26);
- fetch: how they are read from Xero without one call per document (IDs in batches, or
  If-Modified-Since paging at 1,000 a page, whichever needs fewer calls);
- xero_answer / rules: a strict reading of Xero's answer and the per-document rules (B27, B28,
  credit notes B41, voided or deleted -> Cancelled);
- crm_writes / company_balances: one transaction per batch, xero_log rows in it; company
  balances recomputed only by the update-all job (B25, B30);
- refresh: the run itself; reconciliation: CRM outstanding per company against Xero's;
- poll / requester / settings: the background sensor's decisions, who asked, schedule settings.
"""
