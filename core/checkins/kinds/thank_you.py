"""Thank-you (habit 6, communicate): a won deal, a recorded order, a renewal or the
anniversary of ``customer_since`` asks for a thank-you, with a drafted message.

It stays open for ``thank_you_window`` or until a thank-you interaction is
logged on the account after the occasion. A deal of a product the account had
won before is a renewal. Priority grows half a point a day it waits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, exists, extract, literal, null
from sqlalchemy import select as wide_select
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from core.checkins.keys import key_sql
from core.checkins.kind import (
    DAY,
    Context,
    Derived,
    Kind,
    LogInteraction,
    about,
    day_of,
    due,
    logged_since,
)
from core.checkins.sql import at, moment, month_day, utc_midnight
from core.clock import start_of_day_utc
from core.models import Account, AccountStatus, Deal, DealStage, InteractionKind, Order

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "thank_you"
THANKS = [InteractionKind.THANK_YOU]


def read(context: Context, reading: Reading) -> list[Derived]:
    """Every occasion of the window not yet thanked for: deals, orders, anniversaries."""
    return deals(context, reading) + orders(context, reading) + anniversaries(context, reading)


def _start(context: Context) -> datetime:
    return context.now - context.config.thank_you_window


def deals(context: Context, reading: Reading) -> list[Derived]:
    """Deals won in the window that no order covers: thank them for choosing or renewing."""
    now, start = context.now, _start(context)
    earlier = aliased(Deal)
    renewal = exists().where(
        col(earlier.account_id) == col(Deal.account_id),
        col(earlier.product) == col(Deal.product),
        col(earlier.stage) == DealStage.WON.value,
        col(earlier.closed_on) < col(Deal.closed_on),
    )
    ordered_deals = select(col(Order.deal_id)).where(
        _placed_in_window(context), col(Order.deal_id).is_not(None)
    )
    query: Any = (
        wide_select(
            col(Deal.id).label("did"),
            *about(col(Deal.account_id)),
            col(Deal.product).label("product"),
            col(Deal.closed_on).label("closed_on"),
            renewal.label("renewal"),
            key_sql(NAME, col(Deal.account_id), "deal-", col(Deal.id)).label("key"),
        )
        .join(Account, col(Account.id) == Deal.account_id)
        .where(
            col(Deal.stage) == DealStage.WON.value,
            col(Deal.closed_on) >= start.date(),
            col(Deal.closed_on) <= now.date(),
            col(Deal.id).not_in(ordered_deals),
            ~logged_since(THANKS, col(Deal.account_id), utc_midnight(col(Deal.closed_on))),
            *context.scope.where(col(Account.owner_id), col(Account.id)),
        )
    )
    found = []
    for row in reading.rows(query):
        what = row.product or "the deal"
        title, occasion = (
            (f"Thank {row.name} for renewing {what}", f"renewing {what}")
            if row.renewal
            else (f"Thank {row.name} for choosing {what}", f"choosing {what}")
        )
        event = start_of_day_utc(day_of(row.closed_on))
        found.append(_thank_you(row, event, title, occasion, row.did, now))
    return found


def _placed_in_window(context: Context) -> Any:
    return and_(col(Order.placed_at) >= _start(context), col(Order.placed_at) <= context.now)


def orders(context: Context, reading: Reading) -> list[Derived]:
    """Orders placed in the window: thank them for the order."""
    query: Any = (
        wide_select(
            col(Order.id).label("oid"),
            *about(col(Order.account_id)),
            col(Order.what).label("what"),
            col(Order.placed_at).label("placed_at"),
            key_sql(NAME, col(Order.account_id), "order-", col(Order.id)).label("key"),
        )
        .join(Account, col(Account.id) == Order.account_id)
        .where(
            _placed_in_window(context),
            ~logged_since(THANKS, col(Order.account_id), col(Order.placed_at)),
            *context.scope.where(col(Account.owner_id), col(Account.id)),
        )
    )
    found = []
    for row in reading.rows(query):
        placed = moment(row.placed_at)
        assert placed is not None
        title = f"Thank {row.name} for the order: {row.what}"
        occasion = f"your order ({row.what})"
        found.append(_thank_you(row, placed, title, occasion, row.oid, context.now))
    return found


def anniversaries(context: Context, reading: Reading) -> list[Derived]:
    """Years as a customer completed in the window: thank them for working together."""
    today = context.now.date()
    window = (today - timedelta(days=n) for n in range(context.config.thank_you_window.days))
    days = {f"{d:%m-%d}": d for d in window}
    since_day = month_day(col(Account.customer_since))
    year = case(*((since_day == md, literal(d.year)) for md, d in days.items()), else_=null())
    event_at = case(
        *((since_day == md, at(start_of_day_utc(d))) for md, d in days.items()), else_=null()
    )
    query: Any = wide_select(
        *about(col(Account.id)),
        col(Account.customer_since).label("since"),
        key_sql(NAME, col(Account.id), "anniversary-", year).label("key"),
    ).where(
        col(Account.status) == AccountStatus.ACTIVE.value,
        col(Account.customer_since).is_not(None),
        since_day.in_(sorted(days)),
        year > extract("year", col(Account.customer_since)),
        ~logged_since(THANKS, col(Account.id), event_at),
        *context.scope.where(col(Account.owner_id), col(Account.id)),
    )
    found = []
    for row in reading.rows(query):
        since = day_of(row.since)
        day = days[f"{since:%m-%d}"]
        years = day.year - since.year
        label = "one year" if years == 1 else f"{years} years"
        title = f"{label.capitalize()} as a customer: thank {row.name}"
        occasion = f"{label} of working together"
        found.append(_thank_you(row, start_of_day_utc(day), title, occasion, None, context.now))
    return found


def _thank_you(
    row: Any,
    event: datetime,
    title: str,
    occasion: str,
    subject_id: int | None,
    now: datetime,
) -> Derived:
    waited = max((now - event) / DAY, 0.0)
    found = due(
        row,
        NAME,
        due_at=event,
        priority=1.0 + waited / 2,
        severity="info" if waited <= 1 else "yellow",
        title=title,
        detail="A thank-you within a day shows them they matter. Here is a draft.",
        subject_id=subject_id,
    )
    return replace(found, occasion=occasion)


KIND = Kind(
    name=NAME,
    label="Say thank you",
    read=read,
    resolved_by="a thank_you interaction, or 7 days",
    done=LogInteraction(InteractionKind.THANK_YOU, "Thanked them"),
)
