"""Xero contacts: the extract every client-data flow starts from."""

from assets.xero_contacts import xero_contacts
from pipelines.jobs import extract_xero_contacts

ASSETS = [xero_contacts]
ASSET_CHECKS: list = []
JOBS = [extract_xero_contacts]
SCHEDULES: list = []
SENSORS: list = []
