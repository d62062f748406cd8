"""The check-in engine on a frozen clock: every reminder kind, the actions, the due list."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.actors import Actor
from core.checkins import DueItem, due_items
from core.checkins.config import load_checkin_config
from core.checkins.kind import Context, Scope
from core.checkins.kinds import thank_you
from core.checkins.sql import rows
from core.db import session_scope
from core.errors import Forbidden, KamError, NotFound
from core.models import (
    Account,
    Commitment,
    CommitmentCreate,
    ContactCreate,
    DealCreate,
    Interaction,
    InteractionCreate,
    Notice,
    NoticeCreate,
    OrderCreate,
    PlanObjectiveCreate,
    Reminder,
    ReviewCreate,
    Role,
    ScoreSnapshot,
    User,
)
from core.services.commitments import add_commitment, complete_commitment
from core.services.contacts import add_contact
from core.services.deals import add_deal
from core.services.interactions import log_interaction
from core.services.notices import add_notice, mark_notice_told
from core.services.orders import record_order, set_order_status
from core.services.plans import add_objective
from core.services.reminders import dismiss, mark_done, snooze
from core.services.reviews import record_review
from tests import factories

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SYSTEM = factories.SYSTEM


@dataclass
class World:
    session: Session
    maja: User
    anna: User
    acme: Account

    def at(self, moment: datetime) -> list[DueItem]:
        return due_items(session=self.session, now=moment)

    def keys(self, moment: datetime, **kw: int) -> list[str]:
        return [i.key for i in due_items(session=self.session, now=moment, **kw)]

    def item(self, moment: datetime, prefix: str) -> DueItem:
        [found] = [i for i in self.at(moment) if i.key.startswith(prefix)]
        return found


@pytest.fixture
def world(session: Session) -> Iterator[World]:
    """A manager, her account manager, and one customer first tracked at T0."""
    with time_machine.travel(T0, tick=False):
        maja = factories.user(
            session, "maja@example.com", role=Role.MANAGER, timezone="Europe/Stockholm"
        )
        anna = factories.user(
            session, "anna@example.com", manager_id=maja.id, timezone="America/New_York"
        )
        acme = factories.account(session, "Acme", owner_id=anna.id)
        erik = ContactCreate(
            name="Erik Lund",
            title="CFO",
            decision_maker=True,
            favourite_team="Djurgården",
            hometown="Umeå",
            birthday=date(1980, 1, 15),
        )
        add_contact(acme, erik, session=session, actor=SYSTEM)
        session.commit()
        yield World(session, maja, anna, acme)


def log(world: World, when: datetime, kind: str = "call") -> Interaction:
    with time_machine.travel(when, tick=False):
        talked = InteractionCreate(summary="Talked", kind=kind)
        done = log_interaction(world.acme, talked, session=world.session, actor=SYSTEM, now=when)
        world.session.commit()
    return done


def promise(world: World, account: Account, what: str, due_on: date) -> Commitment:
    made = CommitmentCreate(what=what, due_on=due_on)
    return add_commitment(account, made, session=world.session, actor=SYSTEM)


def snapshot(world: World, when: datetime, tier: str, account: Account | None = None) -> None:
    account = account or world.acme
    world.session.add(
        ScoreSnapshot(
            account_id=account.id,  # type: ignore[arg-type]
            at=when,
            attractiveness=80,
            relationship=60,
            health=70,
            tier=tier,
            quadrant="strategic",
        )
    )
    world.session.commit()


# check_in_due ---------------------------------------------------------------------------------


def test_check_in_is_due_at_the_standard_interval_and_red_at_one_and_a_half(world: World) -> None:
    log(world, T0)
    assert not [k for k in world.keys(T0 + timedelta(days=89)) if k.startswith("check_in")]
    yellow = world.item(T0 + timedelta(days=99), "check_in")
    assert yellow.key == "check_in_due:1:2026-01-05" and yellow.severity == "yellow"
    assert yellow.priority == pytest.approx(9 / 90)
    assert yellow.user_id == world.anna.id and "90 days" in yellow.detail
    red = world.item(T0 + timedelta(days=136), "check_in")
    assert red.key == "check_in_due:1:2026-01-05#red" and red.severity == "red"
    assert red.priority == pytest.approx(46 / 90)


def test_tier_sets_the_cadence_and_weights_the_priority(world: World) -> None:
    log(world, T0)
    snapshot(world, T0, "strategic")
    item = world.item(T0 + timedelta(days=16), "check_in")
    assert item.priority == pytest.approx(2 / 14 * 4)
    world.acme.tier_override, world.acme.tier_override_reason = "growth", "test"
    world.session.add(world.acme)
    world.session.commit()
    assert not [k for k in world.keys(T0 + timedelta(days=16)) if k.startswith("check_in")]
    world.acme.checkin_cadence_days = 7
    world.session.add(world.acme)
    world.session.commit()
    assert world.item(T0 + timedelta(days=8), "check_in").severity == "yellow"


def test_the_cadence_comes_from_the_teams_scoring_rules(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log(world, T0)
    rules = tmp_path / "kam.toml"
    rules.write_text("[scoring.cadence]\nstandard = 30\nred_after = 2\n", encoding="utf-8")
    monkeypatch.setenv("KAM_CONFIG", str(rules))
    yellow = world.item(T0 + timedelta(days=31), "check_in")
    assert yellow.severity == "yellow" and "every 30 days" in yellow.detail
    assert world.item(T0 + timedelta(days=59), "check_in").severity == "yellow"
    assert world.item(T0 + timedelta(days=60), "check_in").key == "check_in_due:1:2026-01-05#red"


def test_any_interaction_resets_the_cadence_and_closes_the_delivered_check_in(
    world: World,
) -> None:
    log(world, T0)
    due = T0 + timedelta(days=95)
    world.item(due, "check_in")
    world.session.add(
        Reminder(
            key="check_in_due:1:2026-01-05",
            kind="check_in_due",
            account_id=1,
            user_id=2,
            due_at=due,
            state="sent",
        )
    )
    world.session.commit()
    log(world, due, kind="email")
    assert not [k for k in world.keys(due) if k.startswith("check_in")]
    row = world.session.exec(select(Reminder)).one()
    assert row.state == "done"
    # a back-dated call from before the cycle began resolves nothing
    again = due + timedelta(days=95)
    log(world, T0 - timedelta(days=3))
    assert world.item(again, "check_in").key == f"check_in_due:1:{due.date()}"


# commitment_due -------------------------------------------------------------------------------


def test_commitment_shows_two_days_ahead_turns_red_when_overdue_until_kept(world: World) -> None:
    log(world, T0)
    made = promise(world, world.acme, "Send the price list", date(2026, 1, 10))
    world.session.commit()
    assert not [k for k in world.keys(T0 + timedelta(days=2)) if k.startswith("commitment")]
    soon = world.item(datetime(2026, 1, 8, 12, tzinfo=UTC), "commitment")
    assert (soon.severity, soon.subject_id) == ("info", made.id)
    assert world.item(datetime(2026, 1, 10, 12, tzinfo=UTC), "commitment").severity == "yellow"
    late = world.item(datetime(2026, 1, 13, 12, tzinfo=UTC), "commitment")
    assert late.key.endswith("#overdue") and late.severity == "red" and late.priority > 1
    complete_commitment(made, session=world.session, actor=SYSTEM, now=T0)
    world.session.commit()
    assert not [k for k in world.keys(datetime(2026, 1, 13, tzinfo=UTC)) if "commitment" in k]


# notice_untold --------------------------------------------------------------------------------


def test_notice_grows_urgent_then_escalates_to_the_manager(world: World) -> None:
    log(world, T0)
    with time_machine.travel(T0, tick=False):
        news = NoticeCreate(
            what="Prices rise 8% in March", must_tell_by=date(2026, 1, 15), kind="price_change"
        )
        notice = add_notice(world.acme, news, session=world.session, actor=SYSTEM)
        world.session.commit()
    early = world.item(T0 + timedelta(days=1), "notice")
    late_ish = world.item(datetime(2026, 1, 13, 9, tzinfo=UTC), "notice")
    assert early.severity == "info" and late_ish.severity == "yellow"
    assert late_ish.priority > early.priority
    assert world.keys(T0, user_id=world.maja.id) == []
    after = datetime(2026, 1, 17, 9, tzinfo=UTC)
    owner = world.item(after, "notice_untold:1:1#late")
    assert owner.severity == "red" and owner.user_id == world.anna.id
    [boss] = [i for i in due_items(session=world.session, now=after, user_id=world.maja.id)]
    assert boss.key == "notice_untold:1:1#manager" and "Anna" in boss.title
    mark_notice_told(notice, session=world.session, actor=SYSTEM, now=after)
    world.session.commit()
    assert not [k for k in world.keys(after) if k.startswith("notice")]


# thank_you ------------------------------------------------------------------------------------


def test_won_deal_prompts_a_thank_you_with_a_personal_draft(world: World) -> None:
    log(world, T0)
    won = DealCreate(stage="won", closed_on=date(2026, 1, 5), product="GTX Pro")
    add_deal(world.acme, won, session=world.session, actor=SYSTEM)
    world.session.commit()
    item = world.item(T0, "thank_you")
    assert item.severity == "info" and "choosing GTX Pro" in item.title
    assert item.draft is not None
    assert "Hi Erik," in item.draft and "Djurgården" in item.draft
    assert "birthday" in item.draft  # the 15th of January is within two weeks
    later = T0 + timedelta(days=3)
    waiting = world.item(later, "thank_you")
    # A courtesy that waits does not turn into an emergency; it leaves with its window.
    assert (waiting.key, waiting.severity, waiting.priority) == (item.key, "info", 1.0)
    assert "open through Mon 12 Jan" in waiting.why and waiting.why.startswith("Routine: ")
    assert not [k for k in world.keys(T0 + timedelta(days=8)) if k.startswith("thank_you")]
    log(world, later, kind="thank_you")
    assert not [k for k in world.keys(later) if k.startswith("thank_you")]


def test_renewal_order_and_anniversary_prompt_thank_yous(world: World) -> None:
    log(world, T0)
    for closed in (date(2025, 1, 10), date(2026, 1, 4)):
        won = DealCreate(stage="won", closed_on=closed, product="Support")
        add_deal(world.acme, won, session=world.session, actor=SYSTEM)
    world.acme.customer_since = date(2021, 1, 3)
    world.session.add(world.acme)
    with time_machine.travel(T0, tick=False):
        placed = OrderCreate(what="200 licences")
        record_order(world.acme, placed, session=world.session, actor=SYSTEM)
    world.session.commit()
    # One item for the account, keyed by its earliest occasion (the anniversary, 3 January).
    [item] = [i for i in world.at(T0 + timedelta(hours=2)) if i.kind == "thank_you"]
    assert item.key == "thank_you:1:2026-01-03"
    # A sweep names each account's item in SQL before it reads the occasions: the same key.
    context = Context(now=T0 + timedelta(hours=2), config=load_checkin_config(), scope=Scope())
    assert [row.key for row in rows(world.session, *thank_you.earliest(context))] == [item.key]
    assert item.title == "Thank Acme for a renewal, an order and 5 years as a customer this week"
    assert item.draft is not None and (
        "Thank you for renewing Support, your order (200 licences), "
        "and 5 years of working together." in item.draft
    )


def test_a_repeat_purchase_is_not_a_renewal(world: World) -> None:
    log(world, T0)
    # Bought twice within weeks: a repeat order. A year after an earlier win: a renewal.
    for closed, product in (
        (date(2025, 12, 20), "Support"),
        (date(2026, 1, 4), "Support"),
        (date(2025, 1, 2), "Hosting"),
        (date(2025, 12, 1), "Hosting"),
        (date(2026, 1, 5), "Hosting"),
    ):
        won = DealCreate(stage="won", closed_on=closed, product=product)
        add_deal(world.acme, won, session=world.session, actor=SYSTEM)
    world.session.commit()
    [item] = [i for i in world.at(T0) if i.kind == "thank_you"]
    assert item.title == "Thank Acme for 2 won deals this week"
    assert item.draft is not None and "choosing Support and Hosting" in item.draft
    assert "renew" not in item.draft + item.title
    second = DealCreate(stage="won", closed_on=date(2026, 1, 5), product="Licences")
    add_deal(world.acme, second, session=world.session, actor=SYSTEM)
    old = DealCreate(stage="won", closed_on=date(2024, 12, 20), product="Licences")
    add_deal(world.acme, old, session=world.session, actor=SYSTEM)
    world.session.commit()
    [item] = [i for i in world.at(T0) if i.kind == "thank_you"]
    assert item.title == "Thank Acme for a renewal and 2 won deals this week"
    assert item.key == "thank_you:1:2026-01-04"  # the same item, the new deal joined it


def test_a_deal_its_order_covers_is_thanked_for_once_for_everyone_and_for_its_owner(
    world: World,
) -> None:
    # Everyone's list sorts the window's deals against the window's orders; one person's
    # looks each of their deals up by deal: the same answer, for the owner and nobody else.
    log(world, T0)
    deals = []
    for closed in (date(2026, 1, 4), date(2026, 1, 5)):
        won = DealCreate(stage="won", closed_on=closed, product="Support")
        deals.append(add_deal(world.acme, won, session=world.session, actor=SYSTEM))
    with time_machine.travel(T0 - timedelta(days=30), tick=False):  # before the window
        early = OrderCreate(what="old licences", deal_id=deals[0].id)
        record_order(world.acme, early, session=world.session, actor=SYSTEM)
    with time_machine.travel(T0, tick=False):
        placed = OrderCreate(what="200 licences", deal_id=deals[1].id)
        record_order(world.acme, placed, session=world.session, actor=SYSTEM)
    world.session.commit()
    moment = T0 + timedelta(hours=2)
    titles = {
        who: [
            i.title
            for i in due_items(session=world.session, now=moment, user_id=who)
            if i.kind == "thank_you"
        ]
        for who in (None, world.anna.id, world.maja.id)
    }
    # The 4 January deal's only order is older than the window: thanked for as a deal;
    # the 5 January deal is covered by the order placed this week: thanked for as it.
    assert (
        titles[None]
        == titles[world.anna.id]
        == ["Thank Acme for a won deal and an order this week"]
    )
    assert titles[world.maja.id] == []


# personal_connect -----------------------------------------------------------------------------


def test_completed_or_troubled_order_prompts_a_personal_call(world: World) -> None:
    log(world, T0)
    with time_machine.travel(T0, tick=False):
        order, other = (
            record_order(world.acme, OrderCreate(what=what), session=world.session, actor=SYSTEM)
            for what in ("Pallets", "Crates")
        )
        world.session.commit()
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        set_order_status(
            order, "problem", session=world.session, actor=SYSTEM, problem="Arrived damaged"
        )
        set_order_status(other, "completed", session=world.session, actor=SYSTEM)
        world.session.commit()
    calls = {i.key: i for i in world.at(T0 + timedelta(days=2)) if i.kind == "personal_connect"}
    trouble = calls["personal_connect:1:order-1-problem"]
    assert trouble.severity == "red" and "Arrived damaged" in trouble.detail
    assert calls["personal_connect:1:order-2-completed"].severity == "info"
    log(world, T0 + timedelta(days=2), kind="visit")
    assert not [k for k in world.keys(T0 + timedelta(days=2)) if k.startswith("personal")]


# account_review and onboarding ----------------------------------------------------------------


def test_key_accounts_get_a_quarterly_review(world: World) -> None:
    log(world, T0)
    snapshot(world, T0, "key")
    assert not [k for k in world.keys(datetime(2026, 2, 1, tzinfo=UTC)) if "review" in k]
    review = world.item(datetime(2026, 3, 1, tzinfo=UTC), "account_review")
    assert review.key == "account_review:1:2026Q1" and review.severity == "info"
    assert world.item(datetime(2026, 3, 25, tzinfo=UTC), "account_review").severity == "yellow"
    log(world, datetime(2026, 3, 25, tzinfo=UTC), kind="review")
    assert not [k for k in world.keys(datetime(2026, 3, 26, tzinfo=UTC)) if "review" in k]


def test_reviews_follow_overrides_for_everyone_and_for_one_person(world: World) -> None:
    # Everyone's key accounts are found through the tier indexes (kept by scoring, or set
    # by hand), one person's through their accounts: the same accounts, overrides first.
    snapshot(world, T0, "key")  # Acme: key as scored
    raised = factories.account(world.session, "Raised Co", owner_id=world.anna.id)
    lowered = factories.account(world.session, "Lowered Co", owner_id=world.anna.id)
    snapshot(world, T0, "standard", raised)
    snapshot(world, T0, "strategic", lowered)
    raised.tier_override, raised.tier_override_reason = "strategic", "board decision"
    lowered.tier_override, lowered.tier_override_reason = "growth", "winding down"
    world.session.add_all([raised, lowered])
    world.session.commit()
    when = datetime(2026, 3, 20, tzinfo=UTC)
    reviewed = {
        who: sorted(
            i.account_name
            for i in due_items(session=world.session, now=when, user_id=who)
            if i.kind == "account_review"
        )
        for who in (None, world.anna.id)
    }
    assert reviewed[None] == reviewed[world.anna.id] == ["Acme", "Raised Co"]


def test_recording_a_review_clears_the_review_reminder(world: World) -> None:
    snapshot(world, T0, "key")
    when = datetime(2026, 3, 20, tzinfo=UTC)
    assert world.item(when, "account_review")
    with time_machine.travel(when, tick=False):
        held = ReviewCreate(participants="Anna; Erik Lund (CFO)", progress="Two of three done")
        record_review(world.acme, held, session=world.session, actor=SYSTEM)
        world.session.commit()
    assert not [k for k in world.keys(when + timedelta(days=1)) if "review" in k]
    [logged] = world.session.exec(select(Interaction).where(Interaction.kind == "review")).all()
    assert logged.summary.startswith("Account review with Anna")


def test_newly_key_account_gets_an_onboarding_checklist(world: World) -> None:
    log(world, T0)
    snapshot(world, T0 - timedelta(days=200), "standard")
    assert not [k for k in world.keys(T0) if "onboarding" in k]
    snapshot(world, T0, "key")
    item = world.item(T0 + timedelta(days=1), "onboarding")
    assert "[x] owner confirmed" in item.detail
    assert "[x] decision maker among contacts" in item.detail
    assert "[ ] plan with an objective" in item.detail
    with time_machine.travel(T0, tick=False):
        aim = PlanObjectiveCreate(metric="csat", target=4.5, due_on=date(2026, 6, 30))
        add_objective(world.acme, aim, session=world.session, actor=SYSTEM)
        world.session.commit()
    assert not [k for k in world.keys(T0 + timedelta(days=1)) if "onboarding" in k]
    other = factories.account(world.session, "Old Key Co", owner_id=world.anna.id)
    snapshot(world, T0 - timedelta(days=200), "key", other)
    snapshot(world, T0, "key", other)
    assert not [k for k in world.keys(T0 + timedelta(days=1)) if "onboarding" in k]
    # An account new since the first scoring, classified key on its first, is onboarded.
    newcomer = factories.account(world.session, "New Co", owner_id=world.anna.id)
    snapshot(world, T0, "key", newcomer)
    [item] = [i for i in world.at(T0 + timedelta(days=1)) if i.kind == "onboarding"]
    assert item.account_name == "New Co" and item.tier == "key"


def test_an_account_put_in_the_key_tier_by_override_is_onboarded(world: World) -> None:
    log(world, T0)
    other = factories.account(world.session, "Other Co", owner_id=world.anna.id)
    snapshot(world, T0, "growth", other)  # one scoring only: just the override is news
    world.acme.tier_override, world.acme.tier_override_reason = "key", "board decision"
    world.session.add(world.acme)
    world.session.commit()
    [item] = [i for i in world.at(T0 + timedelta(days=1)) if i.kind == "onboarding"]
    assert (item.account_name, item.tier) == ("Acme", "key")


def test_the_first_scoring_onboards_nobody(world: World) -> None:
    log(world, T0)
    other = factories.account(world.session, "Other Co", owner_id=world.anna.id)
    snapshot(world, T0, "strategic")
    snapshot(world, T0, "key", other)
    assert not [k for k in world.keys(T0 + timedelta(days=1)) if "onboarding" in k]
    snapshot(world, T0 + timedelta(days=1), "strategic")  # the second run: still no news
    snapshot(world, T0 + timedelta(days=1), "key", other)
    assert not [k for k in world.keys(T0 + timedelta(days=2)) if "onboarding" in k]


# health_drop ----------------------------------------------------------------------------------


def health(world: World, when: datetime, points: dict[str, float], tier: str = "key") -> None:
    world.session.add(
        ScoreSnapshot(
            account_id=world.acme.id,  # type: ignore[arg-type]
            at=when,
            attractiveness=80,
            relationship=60,
            health=sum(points.values()),
            tier=tier,
            quadrant="strategic",
            breakdown={"health": points, "earned_tier": tier},
        )
    )
    world.session.commit()


def test_a_drop_into_red_names_the_factors_that_moved(world: World) -> None:
    log(world, T0 - timedelta(days=3))
    health(world, T0 - timedelta(days=7), {"usage": 30.0, "payment": 25.0, "support": 20.0})
    health(world, T0 - timedelta(days=1), {"usage": 28.0, "payment": 24.0, "support": 19.0})
    assert not [k for k in world.keys(T0) if k.startswith("health_drop")]  # 71: not red
    health(world, T0, {"usage": 4.5, "payment": 24.0, "support": 21.0})
    item = world.item(T0 + timedelta(hours=1), "health_drop")
    assert item.key == "health_drop:1:2026-01-05" and item.severity == "red"
    assert item.title == "Health of Acme fell into red: 71.0 → 49.5"
    assert "What moved: usage -23.5; support +2.0." in item.detail and "payment" not in item.detail
    assert item.why.startswith("Red: health fell into red")
    # A rescore that stays red keeps the same drop; a call about it resolves it.
    health(world, T0 + timedelta(days=1), {"usage": 3.0, "payment": 24.0, "support": 21.0})
    assert world.item(T0 + timedelta(days=1, hours=1), "health_drop").key == item.key
    log(world, T0 + timedelta(days=2))
    assert not [k for k in world.keys(T0 + timedelta(days=2)) if k.startswith("health_drop")]


def test_an_account_red_from_its_first_scoring_or_long_ago_is_no_drop(world: World) -> None:
    log(world, T0 - timedelta(days=3))
    health(world, T0 - timedelta(days=1), {"usage": 10.0, "payment": 20.0})
    assert not [k for k in world.keys(T0) if k.startswith("health_drop")]
    health(world, T0 - timedelta(days=60), {"usage": 40.0, "payment": 40.0})
    assert [k for k in world.keys(T0) if k.startswith("health_drop")]
    assert not [k for k in world.keys(T0 + timedelta(days=20)) if k.startswith("health_drop")]


# know them, ordering, scopes ------------------------------------------------------------------


def test_every_item_carries_personal_notes(world: World) -> None:
    promise(world, world.acme, "Call back", date(2026, 1, 5))
    bare = factories.account(world.session, "Bare Ltd", owner_id=world.anna.id)
    promise(world, bare, "Quote", date(2026, 1, 5))
    world.session.commit()
    items = world.at(T0 + timedelta(days=200))
    assert {i.kind for i in items} >= {"check_in_due", "commitment_due"}
    for item in items:
        assert item.personal_notes
    acme = next(i for i in items if i.account_name == "Acme")
    assert acme.personal_notes == [
        "Erik Lund (CFO): supports Djurgården; from Umeå; birthday 15 January"
    ]
    assert (
        "Nothing personal is noted"
        in next(i for i in items if i.account_name == "Bare Ltd").personal_notes[0]
    )


def test_due_list_is_ordered_by_priority_and_scoped_to_a_person_or_team(world: World) -> None:
    other_am = factories.user(world.session, "olle@example.com", manager_id=world.maja.id)
    outsider = factories.user(world.session, "zed@example.com")
    for name, owner, since in (
        ("Bolt", other_am, 200),
        ("Crux", outsider, 100),
    ):
        acc = factories.account(world.session, name, owner_id=owner.id)
        hi = InteractionCreate(summary="hi", occurred_at=T0 - timedelta(days=since))
        log_interaction(acc, hi, session=world.session, actor=SYSTEM, now=T0)
    world.session.commit()
    log(world, T0 - timedelta(days=300))
    items = world.at(T0)
    assert [i.account_name for i in items if i.kind == "check_in_due"] == ["Acme", "Bolt", "Crux"]
    assert [i.priority for i in items] == sorted((i.priority for i in items), reverse=True)
    assert {
        i.account_name for i in due_items(session=world.session, now=T0, user_id=other_am.id)
    } == {"Bolt"}
    team = due_items(session=world.session, now=T0, team_of=world.maja.id)
    assert {i.account_name for i in team} == {"Acme", "Bolt"}


# actions --------------------------------------------------------------------------------------


def test_snooze_hides_until_then_and_an_escalation_breaks_through(world: World) -> None:
    log(world, T0)
    due = T0 + timedelta(days=100)
    key = world.item(due, "check_in").key
    snooze(key, due + timedelta(days=3), session=world.session, actor=SYSTEM, now=due)
    world.session.commit()
    assert key not in world.keys(due + timedelta(days=1))
    assert key in world.keys(due + timedelta(days=3, minutes=1))
    snooze(key, due + timedelta(days=60), session=world.session, actor=SYSTEM, now=due)
    world.session.commit()
    assert world.item(due + timedelta(days=40), "check_in").key == key + "#red"
    with pytest.raises(KamError, match="future"):
        snooze(key, due - timedelta(days=1), session=world.session, actor=SYSTEM, now=due)


def test_dismiss_hides_the_whole_situation_and_keeps_the_reason(world: World) -> None:
    log(world, T0)
    due = T0 + timedelta(days=100)
    key = world.item(due, "check_in").key
    row = dismiss(
        key, "Customer asked for a quiet quarter", session=world.session, actor=SYSTEM, now=due
    )
    world.session.commit()
    assert row.payload["dismissed_reason"] == "Customer asked for a quiet quarter"
    assert not [k for k in world.keys(due + timedelta(days=40)) if k.startswith("check_in")]
    with pytest.raises(KamError, match="reason"):
        dismiss("commitment_due:1:99", "  ", session=world.session, actor=SYSTEM, now=due)


def test_done_resolves_the_situation_in_the_data(world: World) -> None:
    log(world, T0)
    demo = promise(world, world.acme, "Demo", date(2026, 1, 6))
    world.session.commit()
    now = T0 + timedelta(days=100)
    anna = Actor.of(world.anna, "test")
    mark_done(f"commitment_due:1:{demo.id}#overdue", session=world.session, actor=anna, now=now)
    mark_done(world.item(now, "check_in").key, session=world.session, actor=anna, now=now)
    world.session.commit()
    assert world.session.get(Commitment, demo.id).done_at == now  # type: ignore[union-attr]
    assert world.keys(now) == []
    assert world.session.exec(select(Interaction).where(Interaction.source == "reminder")).one()


def test_actions_check_the_key_and_the_persons_rights(world: World) -> None:
    log(world, T0)
    now = T0 + timedelta(days=100)
    with pytest.raises(NotFound, match="kam due"):
        mark_done("check_in_due:1:1999-01-01", session=world.session, actor=SYSTEM, now=now)
    stranger = factories.user(world.session, "zed@example.com")
    with pytest.raises(Forbidden):
        snooze(
            world.item(now, "check_in").key,
            now + timedelta(days=1),
            session=world.session,
            actor=Actor.of(stranger, "test"),
            now=now,
        )
    world.session.rollback()
    assert world.session.exec(select(Reminder)).all() == []
    assert world.session.exec(select(Notice)).all() == []


def test_done_clicked_twice_at_once_records_the_check_in_once(world: World, engine: Engine) -> None:
    """Two devices (or a double click) mark one unclaimed check-in done concurrently."""
    log(world, T0)
    world.session.commit()
    now = T0 + timedelta(days=100)
    key = world.item(now, "check_in").key
    anna = Actor.of(world.anna, "test")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def click() -> None:
        try:
            start.wait()
            with session_scope(engine) as session:
                mark_done(key, session=session, actor=anna, now=now)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    world.session.expire_all()
    from_reminder = select(Interaction).where(Interaction.source == "reminder")
    assert len(world.session.exec(from_reminder).all()) == 1
    mark_done(key, session=world.session, actor=anna, now=now + timedelta(minutes=1))
    world.session.commit()
    assert len(world.session.exec(from_reminder).all()) == 1
