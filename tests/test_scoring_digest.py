"""What a rescore stores, pinned: a digest of every snapshot and current tier of a small
generated portfolio scored twice.

The scores are computed in arrays whose types are chosen for a million accounts (points
in small integers, counts in narrow types); a change of type that moved a single stored
figure, a breakdown's text or a tier's run would change the digest. A change meant to
move the scores updates the digests here, knowingly.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from core.clock import as_utc
from core.demo.synthetic import load_synthetic
from core.scoring import load_config, rescore
from core.types import UTCDateTime

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
CONFIG = load_config()

# The databases compute days between moments each in their own arithmetic, so each
# backend has its own digest.
DIGESTS = {
    "sqlite": "a02f670f7d18533ff4011975dce9aefa7d7d831166b0dac6b967d7f7883d5328",
    "postgresql": "c8926ca8f3a45f952e628b4674d9a8a22edc86ce2805a305259b7c360abdd156",
}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, str) and value.startswith("{"):
        return json.loads(value)  # SQLite gives the breakdown as its text
    return value


def stored_digest(session: Session) -> str:
    """A digest of every snapshot and current tier, in a fixed order, floats exactly
    (accounts by their place in the portfolio, whatever ids the database gave)."""
    first = session.execute(text("SELECT MIN(id) FROM accounts")).scalar_one()
    rows = [
        *session.execute(
            text(
                "SELECT account_id, at, attractiveness, relationship, health, tier, quadrant, "
                "tier_since, breakdown FROM score_snapshots ORDER BY account_id, at"
            )
        ).all(),
        *session.execute(
            text(
                "SELECT account_id, tier, at, health, tier_since FROM current_tiers "
                "ORDER BY account_id"
            )
        ).all(),
    ]
    encoded = json.dumps(
        [[row[0] - first, *(_value(v) for v in row[1:])] for row in rows], sort_keys=True
    )
    return hashlib.sha256(encoded.encode()).hexdigest()


def test_a_rescore_stores_the_same_figures_as_before(session: Session) -> None:
    load_synthetic(session=session, accounts=400, seed=7, now=NOW - timedelta(days=1))
    rescore(session=session, now=NOW - timedelta(days=1), config=CONFIG)
    scores = rescore(session=session, now=NOW, config=CONFIG)
    session.commit()
    assert len(scores) == 400
    dialect = session.get_bind().dialect.name
    assert stored_digest(session) == DIGESTS[dialect]
    # what current_tiers keeps beside (0014) is the pinned snapshots' own figures
    kept = session.execute(
        text(
            "SELECT c.attractiveness, c.relationship, c.quadrant, c.previous_health, "
            "n.attractiveness, n.relationship, n.quadrant, p.health FROM current_tiers c "
            "JOIN score_snapshots n ON n.account_id = c.account_id AND n.at = :now "
            "JOIN score_snapshots p ON p.account_id = c.account_id AND p.at = :before"
        ).bindparams(
            bindparam("now", NOW, type_=UTCDateTime),
            bindparam("before", NOW - timedelta(days=1), type_=UTCDateTime),
        )
    ).all()
    assert len(kept) == 400 and all(tuple(r[:4]) == tuple(r[4:]) for r in kept)
