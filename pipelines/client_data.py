"""Dagster wiring for the client data flow (filled in by its issue)."""

ASSETS: list = []
ASSET_CHECKS: list = []
JOBS: list = []
SCHEDULES: list = []
SENSORS: list = []
