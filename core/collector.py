"""Pausing Python's cycle collector while a large result is built.

Building a million small objects (result rows, table rows) makes the collector
walk every one already built, over and over: a third of the time of building
them. Those objects hold no reference cycles, so reference counting frees them
and nothing is lost by pausing the collector until they are made.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cycle collector for the block, then put it back as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
