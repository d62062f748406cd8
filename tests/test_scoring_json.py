"""The JSON that ``kam score`` and ``kam portfolio`` print, pinned key by key and value by value.

Scripts read these outputs (the README documents every key), so a renamed key, a
reordered one or a figure rounded differently is a change people notice. A small
generated portfolio, scored at a fixed moment with a snapshot 20 days earlier (so
health has a trend), is printed and compared with the files in ``tests/golden``.
After a deliberate change, ``KAM_UPDATE_GOLDEN=1 pytest tests/test_scoring_json.py``
rewrites them; the diff is what reviewers read.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.db import open_database, session_scope
from core.demo.synthetic import load_synthetic
from core.models import Goal, GoalScope
from core.scoring import rescore
from tests.test_cli import kam

NOW = datetime(2026, 5, 15, 12, 0, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "golden"
ODD_GOALS = (  # besides the generated ones: every status a goal can end in
    ("revenue", 100_000.0, "team", None, "2026"),  # on track
    ("revenue", 100_000.0, "team", None, "2025"),  # missed
    ("revenue", 1_000.0, "team", None, "2027-Q1"),
    ("share_of_wallet", 40.0, "team", "all", "12m"),
    ("accounts", 5.0, "team", None, "2026"),
    ("happiness", 9.0, "team", None, "2026"),
    ("csat", 4.0, "tier", "platinum", "2026"),
    ("nps", 30.0, "team", None, "next spring"),
)
TIGHT = """\
[scoring.capacity]
team_min = 1
team_max = 1
team_critical = 2
manager_max = 1
"""


@pytest.fixture
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A 12-account generated portfolio, scored 20 days ago, with the CLI's clock at NOW."""
    url = f"sqlite:///{tmp_path}/pinned.db"
    engine = open_database(url, create=True)
    with session_scope(engine) as session:
        load_synthetic(session=session, accounts=12, seed=3, now=NOW)
        for metric, target, scope, ref, period in ODD_GOALS:
            session.add(
                Goal(
                    metric=metric,
                    target=target,
                    scope=GoalScope(scope),
                    scope_ref=ref,
                    period=period,
                )
            )
    with session_scope(engine) as session:
        rescore(session=session, now=NOW - timedelta(days=20))
    engine.dispose()
    (tmp_path / "defaults.toml").write_text("", encoding="utf-8")
    (tmp_path / "tight.toml").write_text(TIGHT, encoding="utf-8")
    monkeypatch.setattr("kam.cli.scoring.utcnow", lambda: NOW)
    return url


def assert_golden(name: str, out: str) -> None:
    path = GOLDEN / name
    if os.environ.get("KAM_UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")


def test_kam_score_json_lists_every_account_as_before(
    capsys: pytest.CaptureFixture[str], pinned: str, tmp_path: Path
) -> None:
    code, out, _ = kam(
        capsys, "score", "--json", "--config", str(tmp_path / "defaults.toml"), "--db", pinned
    )
    assert code == 0
    assert_golden("kam_score.json", out)


def test_kam_score_explain_json_explains_every_point_as_before(
    capsys: pytest.CaptureFixture[str], pinned: str, tmp_path: Path
) -> None:
    config = str(tmp_path / "defaults.toml")
    for golden, account in (
        ("kam_score_explain.json", "Bribridge Group"),  # tier set by hand, over-served, up
        ("kam_score_explain_trend.json", "Esdale & Davis plc"),  # health down since the snapshot
    ):
        code, out, _ = kam(
            capsys, "score", account, "--explain", "--json", "--config", config, "--db", pinned
        )
        assert code == 0
        assert_golden(golden, out)


def test_kam_portfolio_json_has_every_figure_as_before(
    capsys: pytest.CaptureFixture[str], pinned: str, tmp_path: Path
) -> None:
    config = str(tmp_path / "tight.toml")  # so that capacity warnings are listed too
    code, out, _ = kam(capsys, "portfolio", "--json", "--config", config, "--db", pinned)
    assert code == 0
    assert_golden("kam_portfolio.json", out)


def test_kam_portfolio_json_of_an_empty_portfolio(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    open_database(url, create=True).dispose()
    (tmp_path / "defaults.toml").write_text("", encoding="utf-8")
    monkeypatch.setattr("kam.cli.scoring.utcnow", lambda: NOW)
    code, out, _ = kam(
        capsys, "portfolio", "--json", "--config", str(tmp_path / "defaults.toml"), "--db", url
    )
    assert code == 0
    assert_golden("kam_portfolio_empty.json", out)
