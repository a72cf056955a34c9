"""Benchmark: Xero contacts transformed and matched against CRM companies, vectorised vs row by row.

    .venv/bin/python -m bench.client_data                      # 1,000,000 x 1,000,000, both measured
    .venv/bin/python -m bench.client_data --rows 100000
    .venv/bin/python -m bench.client_data --baseline-rows 50000 # baseline on 50,000, extrapolated
    .venv/bin/python -m bench.client_data --baseline-only       # only the 50,000 x 50,000 comparison

Measured: wall time of each step of the vectorised path (import_tools: transform, then the steps
of import_tools.lookup: CRM name keys, matching, fuzzy review) on ``--rows`` Xero contacts against ``--crm-rows`` CRM
companies, and the process's peak resident memory while it runs (sampled from /proc every
20 ms; the generated input frames are included, since a real run holds them too).

Then the baseline (bench/client_data_baseline.py, the same rules one row at a time, as dicts
and loops) runs on the same rows, alternating with the vectorised path ``--repeat`` times (2)
with each step's best time kept on both sides, and the two are compared step by step, answers
included (every checked column must agree). It takes minutes at a million rows, but it is
measured, not extrapolated: neither side scales exactly linearly, because the synthetic data, like a real
CRM, has more repeated names and fuller fuzzy blocks the bigger it gets. ``--baseline-rows``
runs the baseline on a smaller, identically generated set instead and extrapolates it linearly
(quicker, and printed as extrapolated); ``--baseline-only`` runs just that small comparison,
each side ``--repeat`` times alternately with the best run kept, as timeit does, since this
machine's speed drifts from minute to minute.

Inputs come from bench/client_data_synthetic.py (numpy, seconds); their generation is not timed.
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bench.client_data_baseline import (
    CRM_COLUMNS_READ,
    EXPORT_COLUMNS_READ,
    match_rows,
    review_rows,
    transform_rows,
)
from bench.client_data_synthetic import crm_companies, xero_contacts
from import_tools.matching import crm_keys, match_summary, matches_and_keys
from import_tools.review import review_suggestions
from import_tools.transform import transform_contacts

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


class PeakMemory:
    """The highest resident set size seen while the block runs (sampled, plus ru_maxrss at the end)."""

    def __init__(self, every: float = 0.02) -> None:
        self.every, self.peak, self._stop = every, 0, threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> PeakMemory:
        self.peak = rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = work()
        self.steps[name] = time.perf_counter() - started
        return result

    def keep_best(self, other: Timings) -> None:
        """Each step's lowest time so far."""
        for name, seconds in other.steps.items():
            self.steps[name] = min(self.steps.get(name, seconds), seconds)

    @property
    def total(self) -> float:
        return sum(self.steps.values())


def vectorised(xero: pd.DataFrame, crm: pd.DataFrame) -> tuple[Timings, dict[str, Any]]:
    timings = Timings()
    result = timings.run("transform (zeros, addresses, phones)", lambda: transform_contacts(xero))
    # The steps of import_tools.lookup.look_up, timed one by one.
    side = timings.run("CRM name keys", lambda: crm_keys(crm))
    matches, keys = timings.run("match (reference, number, name keys, name, postcode)",
                                lambda: matches_and_keys(result.frame, result.contact_numbers, side))
    review = timings.run("fuzzy review (unmatched only)",
                         lambda: review_suggestions(result.frame, matches, keys, side))
    return timings, {"result": result, "matches": matches, "review": review}


def baseline(xero: pd.DataFrame, crm: pd.DataFrame) -> tuple[Timings, dict[str, Any]]:
    timings = Timings()
    # Not timed: a script would read its rows from somewhere; here they are dicts of the columns it uses.
    xero_rows = list(zip(xero.index, xero[EXPORT_COLUMNS_READ].to_dict("records"), strict=True))
    crm_rows = crm[CRM_COLUMNS_READ].to_dict("records")
    done = timings.run("transform", lambda: transform_rows(xero_rows))
    matched = timings.run("match", lambda: match_rows(done.rows, crm_rows))
    suggestions = timings.run("fuzzy review", lambda: review_rows(matched, crm_rows))
    return timings, {"done": done, "matches": matched.results, "suggestions": suggestions}


def disagreements(fast: dict[str, Any], slow: dict[str, Any]) -> dict[str, int]:
    """Cells (or report rows) where the two implementations answer differently (all should be 0)."""
    result, matches, done = fast["result"], fast["matches"], slow["done"]
    frame = result.frame
    rows = pd.DataFrame(done.rows, index=frame.index)
    checked = ["phone", "billing_street", "billing_postcode", "shipping_street", "shipping_postcode",
               "shipping_country"]
    out = {column: int((frame[column] != rows[column]).sum()) for column in checked}
    kinds = pd.Series([m[0] for m in slow["matches"]], index=frame.index)
    ids = pd.Series([m[1] if m[1] is not None else -1 for m in slow["matches"]], index=frame.index)
    out["match"] = int((matches["match"] != kinds).sum())
    out["crm_id"] = int((matches["crm_id"].fillna(-1).astype("int64") != ids).sum())
    for name, report, listed in (("repairs", result.repairs, done.repairs), ("issues", result.issues, done.issues),
                                 ("people", result.people, done.people)):
        mine = Counter(map(tuple, report.itertuples(index=False, name=None)))
        out[name] = sum((mine - Counter(listed)).values()) + sum((Counter(listed) - mine).values())
    out["review suggestions"] = abs(len(fast["review"]) - slow["suggestions"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="Xero contacts (1,000,000)")
    parser.add_argument("--crm-rows", type=int, default=None, help="CRM companies (default: --rows)")
    parser.add_argument("--baseline-rows", type=int, default=None,
                        help="rows each side for the baseline; default: the full size, measured. A smaller "
                             "number runs both on that many and extrapolates the baseline (minutes sooner)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs of each side, alternating, best kept (2 at full size, 3 in a small comparison)")
    parser.add_argument("--baseline-only", action="store_true",
                        help="skip the full-size run: only the --baseline-rows (50,000) comparison")
    args = parser.parse_args()
    if args.baseline_only:
        # Warm both sides up first (imports, regex and lookup caches), as the full-size run does
        # for the comparison in a normal run; untimed.
        warm_crm = crm_companies(2_000, seed=5)
        warm_xero = xero_contacts(warm_crm, 2_000, seed=7)
        vectorised(warm_xero, warm_crm)
        baseline(warm_xero, warm_crm)
        compare(args.baseline_rows or 50_000, args.repeat or 3)
        return
    crm_rows = args.crm_rows or args.rows

    print(f"generating {crm_rows:,} CRM companies and {args.rows:,} Xero contacts ...", flush=True)
    started = time.perf_counter()
    crm = crm_companies(crm_rows)
    xero = xero_contacts(crm, args.rows)
    print(f"  generated in {time.perf_counter() - started:.1f} s (not timed below)", flush=True)

    with PeakMemory() as memory:
        timings, fast = vectorised(xero, crm)
    summary = match_summary(fast["matches"])
    print(f"\nVectorised, {args.rows:,} Xero contacts x {crm_rows:,} CRM companies (measured):")
    print("| step | seconds |\n|---|---:|")
    for step, seconds in timings.steps.items():
        print(f"| {step} | {seconds:.1f} |")
    print(f"| **total** | **{timings.total:.1f}** |")
    print(f"\npeak RSS during the run: {memory.peak / 2**30:.2f} GiB (inputs included); "
          f"ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    print(f"matches: {summary}; repaired cells {len(fast['result'].repairs):,}; "
          f"issues {len(fast['result'].issues):,}; review suggestions {len(fast['review']):,}; "
          f"phones parsed {fast['result'].phones_parsed_share:.1%}", flush=True)

    if args.baseline_rows is None or args.baseline_rows >= args.rows:
        # The same rules row by row on the same rows: both sides measured at full size, because
        # neither scales quite linearly (more repeated names and fuller fuzzy blocks as the data
        # grows, and bigger dicts and frames to walk). The two alternate, ``--repeat`` times each,
        # and each step's best time is kept on both sides (the machine's speed drifts).
        repeat = args.repeat or 2
        print(f"\nrow by row on the same {args.rows:,} x {crm_rows:,}, alternating with the vectorised run, "
              f"best of {repeat} each (measured; minutes) ...", flush=True)
        best_fast, best_slow = Timings(), Timings()
        best_fast.keep_best(timings)
        fast_run, slow = timings, {}
        for run in range(repeat):
            if run:
                slow = {}  # freed before the next vectorised run
                fast_run, fast = vectorised(xero, crm)
                best_fast.keep_best(fast_run)
            slow_run, slow = baseline(xero, crm)
            best_slow.keep_best(slow_run)
            print(f"  run {run + 1}: vectorised {fast_run.total:.1f} s, row by row {slow_run.total:.1f} s", flush=True)
        print_comparison(best_fast, best_slow)
        print(f"\nanswers that differ between the two (should all be 0): {disagreements(fast, slow)}")
        return
    del fast
    slow_timings = compare(args.baseline_rows, args.repeat or 3)
    scale = args.rows / args.baseline_rows
    extrapolated = slow_timings.total * scale
    print(f"\nrow by row at {args.rows:,} (extrapolated linearly, x{scale:g}): {extrapolated:.0f} s; "
          f"vectorised measured {timings.total:.1f} s: {extrapolated / timings.total:.1f}x")


def compare(n: int, repeat: int) -> Timings:
    """Both implementations on n x n rows: each step's best time over ``repeat`` alternating runs
    (the machine's speed drifts; the best run is the least disturbed one, as timeit reports), and
    the answers that differ."""
    print(f"\nbaseline comparison on {n:,} x {n:,} (same generator, smaller; best of {repeat}) ...", flush=True)
    small_crm = crm_companies(n, seed=11)
    small_xero = xero_contacts(small_crm, n, seed=13)
    fast_timings, slow_timings = Timings(), Timings()
    for _ in range(repeat):
        fast_run, fast_small = vectorised(small_xero, small_crm)
        slow_run, slow_small = baseline(small_xero, small_crm)
        fast_timings.keep_best(fast_run)
        slow_timings.keep_best(slow_run)
    print_comparison(fast_timings, slow_timings)
    print(f"\nanswers that differ between the two (should all be 0): {disagreements(fast_small, slow_small)}")
    return slow_timings


def print_comparison(fast: Timings, slow: Timings) -> None:
    print("| step | vectorised, measured | row by row, measured | ratio |\n|---|---:|---:|---:|")
    pairs = [("transform", "transform (zeros, addresses, phones)"),
             ("match", ("CRM name keys", "match (reference, number, name keys, name, postcode)")),
             ("fuzzy review", "fuzzy review (unmatched only)")]
    for slow_step, fast_steps in pairs:
        names = (fast_steps,) if isinstance(fast_steps, str) else fast_steps
        fast_seconds = sum(fast.steps[s] for s in names)
        slow_seconds = slow.steps[slow_step]
        print(f"| {slow_step} | {fast_seconds:.2f} | {slow_seconds:.2f} | {slow_seconds / fast_seconds:.1f}x |")
    print(f"| **total** | **{fast.total:.2f}** | **{slow.total:.2f}** | **{slow.total / fast.total:.1f}x** |",
          flush=True)


if __name__ == "__main__":
    main()
