"""Fixtures shared by the whole suite. Area-specific fixtures live in each folder's conftest."""

pytest_plugins = ["xero_sandbox.pytest_plugin"]
