"""Operating kam safely: dates at the calendar's ends, upgrades that cannot break a
database, nothing destroyed without asking, outages and secrets in messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.db import head_revision
from core.errors import KamError
from core.when import When
from tests.test_cli import kam

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01", "1900-01-01T00:00", "in 500 years"])
def test_a_moment_far_from_now_is_refused_like_any_bad_date(typed: str) -> None:
    with pytest.raises(KamError, match=r"kam reads dates from 1926 to 2126\. Try one of"):
        When(NOW, "Pacific/Kiritimati").moment(typed)


def test_a_moment_within_a_century_is_read() -> None:
    assert When(NOW).moment("1927-01-01") == datetime(1927, 1, 1, tzinfo=UTC)
    assert When(NOW).moment("2126-06-01T12:00") == datetime(2126, 6, 1, 12, tzinfo=UTC)


def test_kam_due_at_the_calendars_ends_says_which_dates_it_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    url = f"sqlite:///{tmp_path}/kam.db"
    assert kam(capsys, "init", "--db", url)[0] == 0
    for typed in ("9999-12-31", "0001-01-01"):
        code, out, err = kam(capsys, "due", "--at", typed, "--db", url)
        assert code == 1 and out == ""
        assert err.startswith(f"Error: Cannot use '{typed}' as a date: kam reads dates from")
        assert "Traceback" not in err and "OverflowError" not in err


def test_an_upgrade_that_fails_part_way_changes_nothing(empty_db_url: str) -> None:
    """Every migration of one upgrade runs in one transaction: when the last one fails,
    the indexes the first ones built are gone again and the revision is unchanged."""
    from alembic import command
    from sqlalchemy import inspect, text

    from core.db import _alembic_config, current_revision, open_database, upgrade

    engine = open_database(empty_db_url, create=True)
    try:
        command.downgrade(_alembic_config(engine), "0002")
        with engine.begin() as conn:  # 0006 builds an index of this name
            conn.execute(text("CREATE INDEX ix_score_snapshots_account_at_tier ON users (name)"))
        with pytest.raises(Exception, match="ix_score_snapshots_account_at_tier"):
            upgrade(engine)
        assert current_revision(engine) == "0002"
        deal_indexes = {i["name"] for i in inspect(engine).get_indexes("deals")}
        assert "ix_deals_stage_closed" not in deal_indexes  # built by 0003, rolled back
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_score_snapshots_account_at_tier"))
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
