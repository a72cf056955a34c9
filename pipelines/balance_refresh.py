"""Dagster wiring for the balance refresh flow (filled in by its issue)."""

ASSETS: list = []
ASSET_CHECKS: list = []
JOBS: list = []
SCHEDULES: list = []
SENSORS: list = []
