"""What the terminal UI asks of kam, in one object the App is handed.

Widgets never open a database: they call this service from thread workers.
Every call opens its own session (one per worker call) and returns plain data,
so nothing the UI holds is tied to a session. Tests hand the App a service on
a temporary SQLite database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from core.clock import as_utc, utcnow
from core.db import session_scope
from core.errors import KamError
from core.models import (
    Account,
    Deal,
    Interaction,
    ScoreSnapshot,
    User,
)
from core.services import records, views
from core.services.accounts import get_account
from core.services.actors import Actor
from core.services.users import get_user_by_email
from core.when import parse_day, parse_when
from tui.portfolio_index import PortfolioIndex, PortfolioRow

DEFAULT_CADENCE_DAYS = {"strategic": 14, "key": 30, "growth": 60, "standard": 90}


def health_band(health: float | None) -> str | None:
    """Red 0–50, yellow 51–75, green 76–100."""
    if health is None:
        return None
    if health <= 50:
        return "red"
    if health <= 75:
        return "yellow"
    return "green"


class PortfolioService:
    """The TUI's door to the core: reads for the screens, writes through core services."""

    def __init__(
        self,
        engine: Engine,
        *,
        user_email: str | None = None,
        timezone: str = "UTC",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.timezone = timezone
        self.clock = clock
        self.user: User | None = None
        self.team_ids: tuple[int, ...] = ()
        if user_email:
            with session_scope(engine) as session:
                self.user = get_user_by_email(user_email, session=session)
                self.team_ids = self._team_of(self.user, session=session)

    # -- who is acting -------------------------------------------------------

    @property
    def actor(self) -> Actor:
        """The person writing, as the audit trail names them."""
        return Actor.of(self.user, "tui") if self.user else Actor.system("tui")

    @staticmethod
    def _team_of(user: User, *, session: Session) -> tuple[int, ...]:
        """The user, the people they manage, and the peers under their own manager."""
        query = select(col(User.id)).where(col(User.manager_id) == user.id)
        if user.manager_id is not None:
            query = select(col(User.id)).where(
                (col(User.manager_id) == user.id)
                | (col(User.manager_id) == user.manager_id)
                | (col(User.id) == user.manager_id)
            )
        ids = {int(i) for i in session.execute(query).scalars()}
        assert user.id is not None
        ids.add(user.id)
        return tuple(sorted(ids))

    def scope_owner_ids(self, scope: str) -> Sequence[int] | None:
        """The owners whose accounts ``scope`` (all, mine, team) shows; None means all."""
        if scope == "all" or self.user is None or self.user.id is None:
            return None
        if scope == "mine":
            return (self.user.id,)
        return self.team_ids

    def now(self) -> datetime:
        """The moment every figure is computed for."""
        return self.clock()

    # -- the portfolio table -------------------------------------------------

    def load_index(self, account_ids: Sequence[int] | None = None) -> PortfolioIndex:
        """Every account (or only ``account_ids``) as a table row, in a few set-based reads."""
        now = self.now()
        since = (now - views.REVENUE_WINDOW).date()
        with session_scope(self.engine) as session:
            accounts = select(
                col(Account.id),
                col(Account.name),
                col(Account.sector),
                col(Account.owner_id),
                col(Account.tier_override),
                col(Account.checkin_cadence_days),
            )
            revenue = (
                select(col(Deal.account_id), func.sum(col(Deal.amount)))
                .where(col(Deal.stage) == "won", col(Deal.closed_on) > since)
                .group_by(col(Deal.account_id))
            )
            contact = select(
                col(Interaction.account_id), func.max(col(Interaction.occurred_at))
            ).group_by(col(Interaction.account_id))
            snaps = self._snapshots(account_ids)
            if account_ids is not None:
                ids = list(account_ids)
                accounts = accounts.where(col(Account.id).in_(ids))
                revenue = revenue.where(col(Deal.account_id).in_(ids))
                contact = contact.where(col(Interaction.account_id).in_(ids))
            owners = {
                uid: email.split("@")[0]
                for uid, email in session.execute(select(col(User.id), col(User.email))).all()
            }
            revenue_of: dict[int, float] = {a: v for a, v in session.execute(revenue)}
            contact_of: dict[int, Any] = {a: v for a, v in session.execute(contact)}
            snap_of = {row[0]: tuple(row) for row in session.execute(snaps)}
            previous_of = self._previous_health(session, account_ids)
            rows: list[PortfolioRow] = []
            shared: dict[str, str] = {}  # one string object per sector, tier, quadrant
            for aid, name, sector, owner_id, override, cadence in session.execute(accounts):
                snap = snap_of.get(aid)
                health = snap[3] if snap else None
                tier = override or (snap[4] if snap else "standard")
                last = contact_of.get(aid)
                last = _utc(last)
                previous = previous_of.get(aid)
                owner = owners.get(owner_id, "") if owner_id else ""
                days = cadence or DEFAULT_CADENCE_DAYS.get(tier, 90)
                rows.append(
                    PortfolioRow(
                        id=aid,
                        name=name,
                        sector=shared.setdefault(sector, sector) if sector else "",
                        owner=owner,
                        owner_id=owner_id,
                        tier=shared.setdefault(tier, tier),
                        quadrant=shared.setdefault(snap[5], snap[5]) if snap else None,
                        attractiveness=snap[1] if snap else None,
                        relationship=snap[2] if snap else None,
                        health=health,
                        band=health_band(health),
                        trend=None if previous is None or health is None else health - previous,
                        revenue_12m=float(revenue_of.get(aid) or 0.0),
                        last_contact=last,
                        next_due=last + timedelta(days=days) if last else None,
                    )
                )
        return PortfolioIndex(rows)

    def first_page(self, limit: int = 100) -> tuple[PortfolioIndex, int]:
        """The first accounts by name and how many there are: quick, for the first paint.

        Reads through the unique index on the name, so it takes milliseconds at any size,
        while :meth:`load_index` reads the whole portfolio in the background.
        """
        with session_scope(self.engine) as session:
            total = session.execute(select(func.count()).select_from(Account)).scalar_one()
            ids = list(
                session.execute(
                    select(col(Account.id)).order_by(col(Account.name_key)).limit(limit)
                ).scalars()
            )
        index = self.load_index(ids) if ids else PortfolioIndex()
        index.rows.sort(key=lambda r: r.name.casefold())
        return PortfolioIndex(index.rows), int(total)

    @staticmethod
    def _newest(account_ids: Sequence[int] | None, *, before: Any = None) -> Any:
        """Each account's newest snapshot moment (before the newest one, with ``before``)."""
        query: Any = select(
            col(ScoreSnapshot.account_id).label("account_id"),
            func.max(col(ScoreSnapshot.at)).label("at"),
        )
        if before is not None:
            query = query.join(before, before.c.account_id == col(ScoreSnapshot.account_id)).where(
                col(ScoreSnapshot.at) < before.c.at
            )
        if account_ids is not None:
            query = query.where(col(ScoreSnapshot.account_id).in_(list(account_ids)))
        return query.group_by(col(ScoreSnapshot.account_id)).subquery()

    def _snapshots(self, account_ids: Sequence[int] | None) -> Any:
        """Scores, tier and quadrant from each account's newest snapshot."""
        newest = self._newest(account_ids)
        return select(
            col(ScoreSnapshot.account_id),
            col(ScoreSnapshot.attractiveness),
            col(ScoreSnapshot.relationship),
            col(ScoreSnapshot.health),
            col(ScoreSnapshot.tier),
            col(ScoreSnapshot.quadrant),
        ).join(
            newest,
            (newest.c.account_id == col(ScoreSnapshot.account_id))
            & (newest.c.at == col(ScoreSnapshot.at)),
        )

    def _previous_health(
        self, session: Session, account_ids: Sequence[int] | None
    ) -> dict[int, float]:
        """Each account's health in the snapshot before its newest, for the trend arrow."""
        prior = self._newest(account_ids, before=self._newest(account_ids))
        query = select(col(ScoreSnapshot.account_id), col(ScoreSnapshot.health)).join(
            prior,
            (prior.c.account_id == col(ScoreSnapshot.account_id))
            & (prior.c.at == col(ScoreSnapshot.at)),
        )
        return {aid: health for aid, health in session.execute(query)}

    # -- one account ---------------------------------------------------------

    def account_card(self, account_id: int) -> dict[str, Any]:
        """The account card plus the score breakdown, revenue by month and value figures."""
        now = self.now()
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            card = views.account_card(account, session=session, now=now)
            snaps = (
                session.execute(
                    select(ScoreSnapshot)
                    .where(col(ScoreSnapshot.account_id) == account_id)
                    .order_by(col(ScoreSnapshot.at).desc())
                    .limit(2)
                )
                .scalars()
                .all()
            )
            card["breakdown"] = dict(snaps[0].breakdown) if snaps else {}
            card["health_band"] = health_band(snaps[0].health) if snaps else None
            card["health_trend"] = snaps[0].health - snaps[1].health if len(snaps) > 1 else None
            card["revenue_by_month"] = self._revenue_by_month(account_id, session=session, now=now)
            spend = account.category_spend
            card["share_of_wallet"] = card["revenue_12m"] / spend if spend and spend > 0 else None
            card["deals"] = self._deals(account_id, session=session)
        return card

    @staticmethod
    def _revenue_by_month(
        account_id: int, *, session: Session, now: datetime, months: int = 12
    ) -> list[tuple[str, float]]:
        """Won revenue per calendar month over the last ``months`` months, oldest first."""
        first = date(now.year, now.month, 1)
        for _ in range(months - 1):
            first = (first - timedelta(days=1)).replace(day=1)
        deals = session.execute(
            select(col(Deal.closed_on), col(Deal.amount)).where(
                col(Deal.account_id) == account_id,
                col(Deal.stage) == "won",
                col(Deal.closed_on) >= first,
            )
        ).all()
        totals: dict[str, float] = {}
        month = first
        for _ in range(months):
            totals[month.strftime("%Y-%m")] = 0.0
            month = (month + timedelta(days=32)).replace(day=1)
        for closed_on, amount in deals:
            key = closed_on.strftime("%Y-%m")
            if key in totals:
                totals[key] += float(amount or 0)
        return list(totals.items())

    @staticmethod
    def _deals(account_id: int, *, session: Session, limit: int = 8) -> list[dict[str, Any]]:
        """The latest deals, open ones first."""
        rows = session.execute(
            select(
                col(Deal.product),
                col(Deal.stage),
                col(Deal.amount),
                col(Deal.closed_on),
                col(Deal.engaged_on),
            )
            .where(col(Deal.account_id) == account_id)
            .order_by((col(Deal.stage) == "open").desc(), col(Deal.closed_on).desc())
            .limit(limit)
        ).all()
        return [
            {
                "product": product,
                "stage": stage,
                "amount": amount,
                "closed_on": views.iso(closed_on),
                "engaged_on": views.iso(engaged_on),
            }
            for product, stage, amount, closed_on, engaged_on in rows
        ]

    def contact_names(self, account_id: int) -> list[str]:
        """Who can be named in a form, decision makers first."""
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            return [c.name for c in records.contacts_of(account, session=session)]

    # -- forms: every write goes through core.services.records ---------------

    def _day(self, text: str) -> date:
        return parse_day(text, now=self.now(), timezone=self.timezone, prefer="future")

    def log_interaction(
        self,
        account_id: int,
        summary: str,
        *,
        kind: str = "call",
        when: str = "",
        contact: str = "",
        sentiment: str | None = None,
    ) -> str:
        """Log a touch with the customer; returns the confirmation to show."""
        now = self.now()
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            occurred = (
                parse_when(when, now=now, timezone=self.timezone, prefer="past")
                if when.strip()
                else now
            )
            person = records.find_contact(account, contact, session=session) if contact else None
            logged = records.log_interaction(
                account,
                summary,
                session=session,
                actor=self.actor,
                kind=kind,
                occurred_at=occurred,
                contact=person,
                sentiment=sentiment or None,
                source="tui",
                now=now,
            )
            return f"Logged {logged.kind} with {account.name}."

    def add_commitment(self, account_id: int, what: str, due: str, *, to_whom: str = "") -> str:
        """Record a promise made to the customer."""
        due_on = self._day(due)
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            records.add_commitment(
                account, what, due_on, session=session, actor=self.actor, to_whom=to_whom or None
            )
            return f"Promise to {account.name} due {due_on:%d %b %Y}."

    def add_notice(
        self,
        account_id: int,
        what: str,
        tell_by: str,
        *,
        kind: str = "other",
        alternatives: str = "",
    ) -> str:
        """Record bad news the customer must hear from us by a date."""
        day = self._day(tell_by)
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            records.add_notice(
                account,
                what,
                day,
                session=session,
                actor=self.actor,
                kind=kind,
                alternatives=alternatives or None,
            )
            return f"Notice for {account.name}: tell them by {day:%d %b %Y}."

    def record_order(self, account_id: int, what: str, *, amount: str = "") -> str:
        """Record an order the customer placed."""
        value = _amount(amount)
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            records.record_order(account, what, session=session, actor=self.actor, amount=value)
            return f"Order recorded for {account.name}."

    def add_feedback(
        self,
        account_id: int,
        *,
        csat: str = "",
        nps: str = "",
        expectation: str | None = None,
        comment: str = "",
    ) -> str:
        """Record how the customer rates us."""
        with session_scope(self.engine) as session:
            account = get_account(account_id, session=session)
            records.add_feedback(
                account,
                session=session,
                actor=self.actor,
                csat=_whole(csat, "CSAT", 1, 5),
                nps=_whole(nps, "NPS", 0, 10),
                expectation=expectation or None,
                comment=comment.strip() or None,
                at=self.now(),
            )
            return f"Feedback recorded for {account.name}."

    # -- what is due (the check-in engine) -----------------------------------

    def due(self, scope: str = "mine") -> list[Any]:
        """The DueItems for me (or my team, or everyone), highest priority first."""
        from core.checkins import due_items

        user_id = team_of = None
        if self.user is not None and scope == "mine":
            user_id = self.user.id
        elif self.user is not None and scope == "team":
            team_of = self.user.id
        with session_scope(self.engine) as session:
            return list(
                due_items(session=session, now=self.now(), user_id=user_id, team_of=team_of)
            )

    def mark_done(self, key: str) -> str:
        """Mark a due item done."""
        from core.checkins import mark_done

        with session_scope(self.engine) as session:
            mark_done(key, session=session, actor=self.actor, now=self.now())
        return "Marked done."

    def snooze(self, key: str, until: str) -> str:
        """Put a due item off until a moment typed like "tomorrow 9am"."""
        from core.checkins import snooze

        now = self.now()
        moment = parse_when(until, now=now, timezone=self.timezone, prefer="future")
        if moment <= now:
            raise KamError("Snooze until a moment in the future, such as tomorrow 9am.")
        with session_scope(self.engine) as session:
            snooze(key, moment, session=session, actor=self.actor, now=now)
        return f"Snoozed until {moment:%d %b %H:%M} UTC."

    # -- the portfolio overview (scoring) ------------------------------------

    def figures(self) -> dict[str, Any]:
        """Concentration, tiers, quadrants, capacity warnings and goals for the overview."""
        from core.scoring import portfolio_figures

        with session_scope(self.engine) as session:
            return dict(portfolio_figures(session=session, now=self.now()))


def _utc(value: datetime | str | None) -> datetime | None:
    """Aggregates skip the column type on SQLite; put UTC back."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def _amount(text: str) -> float | None:
    """A money amount as typed ("12000", "12,000.50"); empty means none."""
    raw = text.strip().replace(",", "").replace("_", "")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError as exc:
        raise KamError(
            f"The amount {text!r} is not a number; type it like 12000 or 12000.50."
        ) from exc
    if value < 0:
        raise KamError("The amount cannot be negative.")
    return value


def _whole(text: str, what: str, low: int, high: int) -> int | None:
    """A rating typed as a whole number within its scale; empty means none."""
    raw = text.strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise KamError(f"{what} is a whole number from {low} to {high}, not {raw!r}.")
    return int(raw)
