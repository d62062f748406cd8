"""A sweep's reading on PostgreSQL hashes in memory (``SWEEP_WORK_MEM``) for its own
transactions only: the connections it gives back to the pool plan as before."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from core.checkins import derive
from core.checkins.config import CheckinConfig
from core.checkins.kind import Context, Derived, Kind
from core.checkins.triage import Reading
from core.clock import utcnow


def test_the_sweep_reads_with_more_memory_and_gives_none_of_it_back(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("work_mem is PostgreSQL's")
    with engine.connect() as conn:
        default = conn.exec_driver_sql("SHOW work_mem").scalar()
    assert default != derive.SWEEP_WORK_MEM
    seen: list[str] = []

    def probe(_context: Context, reading: Reading) -> list[Derived]:
        seen.append(reading.session.connection().exec_driver_sql("SHOW work_mem").scalar())
        return []

    kinds = [Kind(f"probe_{i}", "Probe", probe, resolved_by="nothing") for i in range(4)]
    monkeypatch.setattr(derive, "KINDS", kinds)
    found, tally = derive.derive_new(engine, now=utcnow(), config=CheckinConfig())
    assert (found, tally.due) == ([], 0)
    assert seen == [derive.SWEEP_WORK_MEM] * 4
    for _ in range(derive.READERS + 1):  # every pooled connection, taken back
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW work_mem").scalar() == default
