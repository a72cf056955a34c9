"""Dagster wiring for the invoice push flow (filled in by its issue)."""

ASSETS: list = []
ASSET_CHECKS: list = []
JOBS: list = []
SCHEDULES: list = []
SENSORS: list = []
