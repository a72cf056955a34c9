"""End-to-end tests: real processes (`dagster dev`, the sandbox server) driven over HTTP."""
