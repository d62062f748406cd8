"""``kam score`` and ``kam portfolio`` as people and scripts use them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.clock import utcnow
from core.db import open_database, session_scope
from core.scoring import load_config
from core.views import load_rows
from tests.test_cli import kam


def test_score_rescores_everything_and_the_account_list_shows_tiers(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    code, out, _ = kam(capsys, "score", "--json", "--db", demo_db)
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 85 and rows[0]["account"] == "Kan-code"
    assert rows[0]["tier"] == "strategic" and "breakdown" not in rows[0]
    assert [r["attractiveness"] for r in rows] == sorted(
        (r["attractiveness"] for r in rows), reverse=True
    )
    _, out, _ = kam(capsys, "accounts", "--tier", "strategic", "--json", "--db", demo_db)
    assert "Kan-code" in {a["name"] for a in json.loads(out)}
    code, out, _ = kam(capsys, "score", "--limit", "5", "--db", demo_db)
    assert code == 0 and "Kan-code" in out and "80 more" in out


def test_score_one_account_explains_every_point(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    code, out, _ = kam(capsys, "score", "kan code", "--explain", "--json", "--db", demo_db)
    assert code == 0
    result = json.loads(out)
    assert result["account"] == "Kan-code" and result["tier"] == "strategic"
    for name in ("attractiveness", "relationship", "health"):
        part = result["breakdown"][name]
        assert sum(Decimal(str(r["points"])) for r in part["criteria"]) == Decimal(
            str(result[name])
        )
    code, out, _ = kam(capsys, "score", "Kan-code", "--explain", "--db", demo_db)
    assert code == 0
    assert "Revenue from us, 12 months" in out and "no data: neutral" in out
    assert "rank 1 of 85" in out


def test_score_an_unknown_account_is_one_line_with_suggestions(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    code, out, err = kam(capsys, "score", "kan-cdoe", "--db", demo_db)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "Did you mean: Kan-code" in err


def test_a_broken_config_file_is_named_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str], demo_db: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "kam.toml"
    bad.write_text("[scoring.health]\nrecency = 90\n", encoding="utf-8")
    _, out, _ = kam(capsys, "show", "Kan-code", "--json", "--db", demo_db)
    scored_by_the_demo = json.loads(out)["scores"]
    assert scored_by_the_demo is not None
    code, _, err = kam(capsys, "score", "--config", str(bad), "--db", demo_db)
    assert code == 1 and "health weights add up to 160" in err and "Traceback" not in err
    _, out, _ = kam(capsys, "show", "Kan-code", "--json", "--db", demo_db)
    assert json.loads(out)["scores"] == scored_by_the_demo


def test_portfolio_prints_concentration_tiers_and_forecast(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    code, out, _ = kam(capsys, "portfolio", "--json", "--db", demo_db)
    assert code == 0
    figures = json.loads(out)
    assert figures["accounts"] == 85
    assert sum(figures["tiers"].values()) == sum(figures["quadrants"].values()) == 85
    assert figures["concentration"]["hhi_band"] == "diversified"
    assert figures["forecast"]["available"]
    code, out, _ = kam(capsys, "portfolio", "--db", demo_db)
    assert code == 0
    assert "CR5" in out and "HHI" in out and "Forecast" in out and "Kan-code" in out


def test_revenue_over_the_last_12_months_is_one_figure_on_every_screen(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    """The portfolio, its forecast line, the scores, the account list, the card and the TUI's
    rows count the same deals (they once disagreed: 10,005,534 against 8,917,553)."""
    _, out, _ = kam(capsys, "portfolio", "--json", "--db", demo_db)
    figures = json.loads(out)
    total = figures["concentration"]["revenue_12m"]
    assert total == pytest.approx(figures["forecast"]["last_12_months_actual"])
    _, out, _ = kam(capsys, "score", "--json", "--db", demo_db)
    scores = {row["account"]: row["revenue_12m"] for row in json.loads(out)}
    assert sum(scores.values()) == pytest.approx(total)
    _, out, _ = kam(capsys, "accounts", "--json", "--db", demo_db)
    listed = {row["name"]: row["revenue_12m"] for row in json.loads(out)}
    assert listed == pytest.approx(scores)
    _, out, _ = kam(capsys, "show", "Kan-code", "--json", "--db", demo_db)
    assert json.loads(out)["revenue_12m"] == pytest.approx(scores["Kan-code"])
    engine = open_database(demo_db)
    with session_scope(engine) as session:
        rows = load_rows(session=session, now=utcnow(), config=load_config())
    engine.dispose()
    assert {r.name: r.revenue_12m for r in rows} == pytest.approx(scores)
    _, out, _ = kam(capsys, "portfolio", "--db", demo_db)
    assert f"last 12 months {total:,.0f}" in " ".join(out.split())


def test_the_demo_forecast_fits_its_complete_months_and_says_so(
    capsys: pytest.CaptureFixture[str], demo_db: str
) -> None:
    _, out, _ = kam(capsys, "portfolio", "--json", "--db", demo_db)
    forecast = json.loads(out)["forecast"]
    assert forecast["months_of_history"] == len(forecast["history"]) == 10
    assert "t-based" in forecast["method"]
    _, out, _ = kam(capsys, "portfolio", "--db", demo_db)
    assert "fitted to 10 complete months" in " ".join(out.split())
