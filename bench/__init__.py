"""Benchmarks that print tables of counts, ratios and timings (run as modules, not under pytest)."""
