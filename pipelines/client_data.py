"""Dagster wiring for the client data flow: the contacts export, the checked CRM import frame,
and the two client import jobs."""

from assets.client_data.crm_frame import crm_import_frame
from assets.client_data.export import xero_contacts_export
from assets.client_data.jobs import client_import, client_update_import

ASSETS = [xero_contacts_export, crm_import_frame]
ASSET_CHECKS: list = []  # crm_import_frame declares its checks with the asset (check_specs)
JOBS = [client_import, client_update_import]
SCHEDULES: list = []
SENSORS: list = []
