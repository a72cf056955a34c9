"""Reasons a whole push stops before any document is sent."""

from __future__ import annotations

from typing import Any


class SendStopped(Exception):
    """Nothing was sent: a problem that affects the whole send (B5, B32).

    ``problems`` lists every problem found, one line each, so one run shows them all rather
    than one per attempt.
    """

    def __init__(self, summary: str, problems: list[str]) -> None:
        self.summary = summary
        self.problems = problems
        self.report: Any = None  # the PushReport so far, attached on the way out
        super().__init__(summary + ":\n" + "\n".join(f"- {p}" for p in problems))
