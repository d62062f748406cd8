"""A capture source run on the bot's schedule: under its lease, what it read committed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from core.capture.config import CaptureConfig
from core.capture.lease import give_back, take_lease
from core.capture.store import CaptureReport
from core.clock import utcnow
from core.db import session_scope

log = logging.getLogger(__name__)


def run_leased(
    source: str,
    capture: Callable[..., CaptureReport],
    account: object,
    config: CaptureConfig,
    *,
    engine: Engine,
    holder: str,
    now: datetime | None = None,
) -> CaptureReport | None:
    """Run ``capture`` if this replica gets ``source``'s lease; None if another has it
    or it rests after failures. What the run read is committed even when it failed."""
    now = now or utcnow()
    with session_scope(engine) as session:
        if not take_lease(source, holder, session=session, now=now):
            return None
    try:
        with session_scope(engine) as session:
            report = capture(account, config, session=session, now=now)
    except Exception:
        with session_scope(engine) as session:
            give_back(source, holder, failed=True, session=session, now=utcnow())
        raise
    with session_scope(engine) as session:
        rest = give_back(
            source, holder, failed=report.failure is not None, session=session, now=utcnow()
        )
    if report.failure:
        log.warning("%s capture failed, next try in %s: %s", source, rest, report.failure)
    else:
        log.info("%s", report.line())
    return report
