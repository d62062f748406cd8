"""The first run shows the product: the demo ends scored, the TUI opens on tiers and can
rescore, every screen reads the same stored scores, long commands show progress only to a
person at a terminal, and a synthetic portfolio has a stated largest size."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from textual.widgets import Label, ProgressBar, Static

from core.db import open_database, session_scope
from core.demo import maven, synthetic
from core.errors import KamError
from core.progress import Progress
from core.scoring import rescore
from core.scoring.config import TIERS
from core.transfer.export import export_all
from tests.test_cli import kam
from tests.test_tui import settle, shown, table
from tui.app import KamApp
from tui.messages import OpenAccount
from tui.screens.account import AccountScreen
from tui.screens.portfolio import PortfolioScreen
from tui.screens.rescore import RescoreScreen
from tui.service import PortfolioService

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday morning
ROOT = Path(__file__).resolve().parent.parent


# --- kam demo ends scored, and the TUI opens on tiers ---------------------------------


async def test_after_kam_demo_the_tui_opens_on_tiers_quadrants_and_health(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/kam.db"
    code, out, err = kam(capsys, "demo", "--db", url)
    assert code == 0, err
    assert "Scored 85 accounts:" in out and "strategic" in out
    engine = open_database(url)
    app = KamApp(PortfolioService(engine))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            index = app.accounts.index
            assert index is not None and len(index.rows) == 85
            tiers = Counter(r.tier for r in index.rows)
            assert set(tiers) - {"standard"}, tiers  # tiers other than standard
            assert all(r.quadrant and r.health is not None for r in index.rows)
            await pilot.press("t")  # the tier filter finds the strategic accounts
            await settle(app, pilot)
            assert table(app).row_count == tiers["strategic"] > 0
            await pilot.press("p")
            await settle(app, pilot)
            overview = app.screen
            assert isinstance(overview, PortfolioScreen) and overview.overview is not None
            counts = shown(overview, "#tiers", width=120)
            assert "not scored" not in counts.casefold()
            assert overview.overview.counts.tiers == {t: tiers[t] for t in TIERS}
    finally:
        engine.dispose()


def test_kam_demo_synthetic_ends_scored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/kam.db"
    code, out, err = kam(capsys, "demo", "--synthetic", "--accounts", "120", "--db", url)
    assert code == 0, err
    assert "Scored 120 accounts:" in out
    code, out, _ = kam(capsys, "accounts", "--json", "--db", url)
    listed = json.loads(out)
    assert len(listed) == 120 and all(row["tier"] is not None for row in listed)
    assert {row["tier"] for row in listed} - {"standard"}


def test_kam_demo_scores_a_demo_an_older_kam_loaded_unscored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/kam.db"
    engine = open_database(url, create=True)
    with session_scope(engine) as session:
        maven.load_maven(session=session, now=NOW)  # what kam demo did before it scored
    engine.dispose()
    code, out, err = kam(capsys, "demo", "--db", url)
    assert code == 0, err
    assert "already loaded (85 accounts)" in out and "Scored 85 accounts:" in out
    code, out, err = kam(capsys, "demo", "--db", url)
    assert code == 0 and "already loaded" in out and "Scored" not in out  # once


# --- the TUI rescores, and every screen reads the new scores ---------------------------


@pytest.fixture
def unscored_demo(tmp_path: Path) -> Iterator[Engine]:
    """The real demo loaded through core, as an import would leave it: never scored."""
    engine = open_database(f"sqlite:///{tmp_path}/kam.db", create=True)
    with session_scope(engine) as session:
        maven.load_maven(session=session, now=NOW)
    yield engine
    engine.dispose()


async def test_rescore_in_the_tui_updates_the_table_the_overview_and_the_account(
    unscored_demo: Engine,
) -> None:
    app = KamApp(PortfolioService(unscored_demo, clock=lambda: NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.accounts.index is not None
        assert {r.tier for r in app.accounts.index.rows} == {"standard"}
        assert all(r.health is None for r in app.accounts.index.rows)
        assert "Not scored yet: press R" in str(app.accounts.query_one("#status", Static).content)
        await pilot.press("p")
        await settle(app, pilot)
        overview = app.screen
        assert isinstance(overview, PortfolioScreen)
        before = shown(overview, "#tiers", width=120)
        assert "none of the 85 accounts is scored yet" in before
        assert "tier strategic" not in before  # no tier counts beside "not scored"
        kan_code = next(r.id for r in app.accounts.index.rows if r.name == "Kan-code")
        app.post_message(OpenAccount(kan_code))
        await settle(app, pilot)
        account = app.screen
        assert isinstance(account, AccountScreen)
        assert "Not scored yet" in shown(account, "#summary", width=120)
        assert "Tier standard" not in shown(account, "#summary", width=120)

        await pilot.press("R")
        await settle(app, pilot)
        await settle(app, pilot)

        assert app.screen is account  # the dialog closed where it was opened
        assert any("Scored 85 accounts" in str(n.message) for n in app._notifications)
        rows = app.accounts.index.rows
        assert all(r.health is not None and r.quadrant for r in rows)
        assert "Not scored" not in str(app.accounts.query_one("#status", Static).content)
        tiers = Counter(r.tier for r in rows)
        assert set(tiers) - {"standard"}
        # the account's header and its breakdown name the same stored tier and quadrant
        assert account.card is not None and account.card.scores is not None
        assert account.scores is not None and account.scores.scored_at == NOW
        breakdown = account.scores.breakdown
        kan = next(r for r in rows if r.id == kan_code)
        assert account.card.tier == breakdown.tier.tier == kan.tier
        assert account.card.scores.quadrant == breakdown.quadrant == kan.quadrant
        summary = shown(account, "#summary", width=120)
        assert f"Tier {kan.tier}" in summary and "Not scored" not in summary
        assert f"tier {kan.tier}, rank" in shown(account, "#scores", width=120)
        # the overview underneath counts the same rows the table shows
        assert overview.overview is not None
        assert overview.overview.counts.scored == 85
        assert overview.overview.counts.tiers["strategic"] == tiers["strategic"]
        after = shown(overview, "#tiers", width=120)
        assert "not scored" not in after.casefold() and "tier strategic" in after


class HeldRescore(PortfolioService):
    """A service whose rescore, after its first step, waits until the test lets it go on."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, clock=lambda: NOW)
        self.go_on = threading.Event()

    def rescore(self, progress: Progress | None = None) -> str:
        assert progress is not None
        progress("Scoring 85 accounts", 1, 3)
        assert self.go_on.wait(timeout=60)
        return super().rescore(progress)


async def test_the_rescore_dialog_shows_progress_while_it_works(unscored_demo: Engine) -> None:
    service = HeldRescore(unscored_demo)
    app = KamApp(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        dialog = app.screen
        assert isinstance(dialog, RescoreScreen)
        bar = dialog.query_one(ProgressBar)
        for _ in range(200):  # until the worker's first step has been drawn
            if bar.total == 3:
                break
            await pilot.pause()
        assert bar.total == 3 and bar.progress == 1
        assert "Scoring 85 accounts" in str(dialog.query_one("#rescore-step", Label).content)
        await pilot.press("q")  # nothing else happens while the scores are written
        assert app.screen is dialog and app.is_running
        service.go_on.set()
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.screen is app.accounts
        assert app.accounts.index is not None
        assert all(r.health is not None for r in app.accounts.index.rows)


async def test_rescore_is_in_the_command_palette(unscored_demo: Engine) -> None:
    app = KamApp(PortfolioService(unscored_demo, clock=lambda: NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"rescore")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.accounts.index is not None
        assert all(r.health is not None for r in app.accounts.index.rows)


# --- core tells its progress -----------------------------------------------------------


def test_rescore_tells_its_steps_in_order_and_ends_done(session: Session) -> None:
    synthetic.load_synthetic(session=session, accounts=40, seed=2, now=NOW)
    heard: list[tuple[str, int, int]] = []
    scored = rescore(
        session=session,
        now=NOW,
        progress=lambda what, done, total: heard.append((what, done, total)),
    )
    assert [done for _, done, _ in heard] == [0, 1, 2, 3]
    assert {total for _, _, total in heard} == {3}
    assert heard[-1] == ("Scored 40 accounts", 3, 3) and len(scored) == 40


def test_synthetic_generation_and_export_tell_their_steps(session: Session, tmp_path: Path) -> None:
    heard: list[tuple[str, int, int]] = []

    def hear(what: str, done: int, total: int) -> None:
        heard.append((what, done, total))

    synthetic.load_synthetic(session=session, accounts=30, seed=2, now=NOW, progress=hear)
    dones = [done for _, done, _ in heard]
    assert dones == sorted(dones) and heard[-1][1] == heard[-1][2] == len(synthetic.STEPS) + 1
    assert "Generating interactions" in [what for what, _, _ in heard]
    heard.clear()
    export_all(tmp_path / "out", session=session, progress=hear)
    assert heard[0][1] == 0 and heard[-1][1] == heard[-1][2]
    assert [done for _, done, _ in heard] == sorted(done for _, done, _ in heard)


# --- the command line: progress for a person at a terminal only -------------------------


def _kam_on_a_terminal(*args: str) -> str:
    """Run ``kam`` with stdout and stderr on a pseudo-terminal; return what it wrote."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kam", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when kam exits
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=120) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")


@pytest.fixture
def demo_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path}/demo.db"
    code, _, err = kam(capsys, "demo", "--synthetic", "--accounts", "150", "--db", url)
    assert code == 0, err
    return url


def test_kam_score_shows_progress_on_a_terminal(demo_url: str) -> None:
    seen = _kam_on_a_terminal("score", "--limit", "1", "--db", demo_url)
    assert "Reading the portfolio" in seen and "0/3" in seen  # the bar's first step
    assert "150 accounts scored and snapshotted" in seen


def test_kam_score_json_on_a_terminal_prints_json_only(demo_url: str) -> None:
    seen = _kam_on_a_terminal("score", "--json", "--db", demo_url)
    assert "Reading the portfolio" not in seen and "/3" not in seen
    assert len(json.loads(seen)) == 150


def test_long_commands_are_quiet_without_a_terminal(demo_url: str, tmp_path: Path) -> None:
    for args in (
        ("score", "--limit", "1"),
        ("export", str(tmp_path / "out")),
        ("demo", "--synthetic", "--accounts", "60", "--reset", "--yes"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "kam", *args, "--db", demo_url],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        said = done.stderr.replace("Generating 60 accounts (seed 1)…\n", "")
        assert said == "", said  # no bar, no step names
        assert "Reading the portfolio" not in done.stdout


def test_demo_on_a_terminal_shows_generation_then_scoring(tmp_path: Path) -> None:
    seen = _kam_on_a_terminal(
        "demo", "--synthetic", "--accounts", "300", "--db", f"sqlite:///{tmp_path}/t.db"
    )
    assert "Generating people" in seen and "/12" in seen  # the bar, step by step
    assert "Reading the portfolio" in seen  # then scoring's
    assert "Scored 300 accounts:" in seen


# --- the largest synthetic portfolio ------------------------------------------------------


def test_accounts_above_the_limit_are_refused_in_one_line_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "never.db"
    too_many = str(synthetic.MAX_ACCOUNTS + 1)
    code, out, err = kam(
        capsys, "demo", "--synthetic", "--accounts", too_many, "--db", f"sqlite:///{database}"
    )
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "1,000,000 at most" in err
    assert not database.exists()
    code, _, err = kam(
        capsys, "demo", "--synthetic", "--accounts", "0", "--db", f"sqlite:///{database}"
    )
    assert code == 1 and err.count("\n") == 1 and "at least one account" in err
    assert not database.exists()


def test_the_limit_is_in_the_help_and_in_core(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = kam(capsys, "demo", "--help")
    assert code == 0 and "1,000,000" in out
    with pytest.raises(KamError, match="1,000,000 at most"):
        synthetic.check_size(synthetic.MAX_ACCOUNTS + 1)
    synthetic.check_size(synthetic.MAX_ACCOUNTS)  # the limit itself is allowed
