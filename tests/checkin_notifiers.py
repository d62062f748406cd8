"""Notifiers that record what they deliver, for the delivery tests."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import date, time
from pathlib import Path
from time import monotonic
from typing import Any

from core.checkins import Delivery, DueItem, TransientDeliveryError
from core.checkins.config import CheckinConfig
from core.models import User

ANY_HOUR: dict[str, Any] = {"work_start": time(0), "work_end": time(23, 59), "work_days": "1234567"}
"""Working hours that never hold a delivery back, for tests of the delivery machinery."""
EACH_ON_ITS_OWN = CheckinConfig(fold_routine=False, urgent_per_day=1_000_000)
"""Every due item as a message of its own: the machinery tests count messages per key."""


class Recorder:
    """Keeps every delivery in memory (thread-safe)."""

    def __init__(self, transient_failures: int = 0, retry_after: float | None = 0.01) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[str, str]] = []
        self.digests: list[tuple[str, date, list[str]]] = []
        self.transient_failures = transient_failures
        self.retry_after = retry_after
        self.calls = 0
        self.called_at: list[float] = []
        """The monotonic clock at each delivery tried, refused ones included."""

    def deliver(self, item: DueItem, user: User) -> Delivery:
        with self.lock:
            self.calls += 1
            self.called_at.append(monotonic())
            if self.transient_failures:
                self.transient_failures -= 1
                raise TransientDeliveryError("ratelimited", retry_after=self.retry_after)
            self.items.append((item.key, user.email))
            return Delivery(channel=f"D{user.id}", ts=f"{len(self.items)}.000100")

    def deliver_digest(self, user: User, items: list[DueItem], day: date) -> Delivery:
        with self.lock:
            self.digests.append((user.email, day, [i.key for i in items]))
            return Delivery(channel=f"D{user.id}", ts=f"{len(self.digests)}.000200")

    def counts(self) -> Counter[str]:
        return Counter(key for key, _ in self.items)


class BlindFileRecorder:
    """Appends each delivered key to a file (and cannot look deliveries up)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _write(self, key: str) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(key + "\n")
            out.flush()
            os.fsync(out.fileno())

    def deliver(self, item: DueItem, user: User) -> Delivery:
        self._write(item.key)
        return Delivery(channel=f"D{user.id}", ts="1.1")

    def deliver_digest(self, user: User, items: list[DueItem], day: date) -> Delivery:
        self._write(f"digest:{user.id}:{day}")
        return Delivery(channel=f"D{user.id}", ts="1.2")

    def delivered(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").split() if self.path.exists() else []


class FileRecorder(BlindFileRecorder):
    """Also finds its own deliveries by key, as the Slack notifier does by message metadata."""

    def find_delivery(self, key: str, user: User) -> Delivery | None:
        return Delivery(channel=f"D{user.id}", ts="1.1") if key in self.delivered() else None
