"""Requests or jobs run at the same moment, each in a thread of its own, for the tests of races."""

from __future__ import annotations

import threading


def start_and_join(threads: list[threading.Thread], *, timeout_s: float) -> list[threading.Thread]:
    """Start every thread, then wait up to ``timeout_s`` for each to end; the threads still running after that."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout_s)
    return [thread for thread in threads if thread.is_alive()]
