"""Thank-you (habit 6, communicate): a won deal, a recorded order, a renewal or the
anniversary of ``customer_since`` asks for a thank-you, with a drafted message.

One item per account: every occasion of the last ``thank_you_window`` (7 days)
not yet thanked for is collected into it ("Thank Kan-code for 3 won deals this
week"), with one draft. An occasion is thanked for once a thank-you interaction is
logged on the account after it; the item's key names the day of its earliest
unthanked occasion, so new occasions join the open item rather than each making
one, and an occasion not thanked within its window leaves the list.

A won deal *renews* an earlier one when the account's latest earlier win of the
same product closed about one ``renewal_term`` (365 days) before it, within
``renewal_slack`` (45 days): the new deal continues a contract that was running
out. Another win of a product the account bought recently is a repeat order,
thanked for as choosing it again.

A thank-you is never urgent (:mod:`core.checkins.urgency`): its priority stays 1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    null,
    union_all,
)
from sqlalchemy import select as wide_select
from sqlmodel import col, select

from core.checkins.items import DueItem
from core.checkins.keys import ReminderKey, key_sql
from core.checkins.kind import (
    Context,
    Derived,
    Kind,
    LogInteraction,
    Scope,
    day_of,
    logged_since,
)
from core.checkins.sql import chunked, moment, month_day, rows, utc_day, utc_midnight
from core.checkins.statements import NOW, TODAY, built, value
from core.clock import start_of_day_utc
from core.models import Account, AccountStatus, Deal, DealStage, InteractionKind, Order
from core.types import UTCDateTime

if TYPE_CHECKING:
    from core.checkins.triage import Reading

NAME = "thank_you"
THANKS = [InteractionKind.THANK_YOU]
DEAL, RENEWAL, ORDER, ANNIVERSARY = "deal", "renewal", "order", "anniversary"


@dataclass(frozen=True)
class Occasion:
    """One thing to thank an account for: a won deal, a renewal, an order, a year."""

    account_id: int
    account_name: str
    user_id: int | None
    at: datetime
    what: str
    """The deal's product, the order's description, or the years ("2 years")."""
    sort: str
    """DEAL, RENEWAL, ORDER or ANNIVERSARY."""
    subject_id: int | None = None


def read(context: Context, reading: Reading) -> list[Derived]:
    """One item per account collecting every occasion of the window not yet thanked for.

    A sweep first sets each account's key (its earliest occasion's day, spelled in
    SQL) against the reminder table, and reads the occasions only when some account
    has one to act on.
    """
    wanted: set[str] | None = None
    values = _values(context)
    if reading.new_only:
        wanted = {row.key for row in reading.rows(*earliest(context))}
        if not wanted:
            return []
    found = (
        deals(context, reading, values)
        + orders(context, reading, values)
        + anniversaries(context, reading, values)
    )
    by_account: dict[int, list[Occasion]] = defaultdict(list)
    for occasion in found:
        by_account[occasion.account_id].append(occasion)
    grouped = [sorted(o, key=lambda o: o.at) for o in by_account.values()]
    keyed = [(_key(occasions[0]), occasions) for occasions in grouped]
    return [
        _thank_you(key, occasions, context)
        for key, occasions in keyed
        if wanted is None or key in wanted
    ]


def _values(context: Context) -> dict[str, Any]:
    """What the statements of thank-yous run with: the window (``start``, its day
    ``start_day``, to :data:`~core.checkins.statements.NOW`) and, for the anniversaries, each
    of its days (:func:`_window_days`), the ``n``-th as ``md_<n>`` (``MM-DD``),
    ``day_<n>`` (``YYYY-MM-DD``), ``midnight_<n>`` (its first moment) and ``year_<n>``,
    and all of their ``MM-DD`` as ``window_mds``."""
    start = _start(context)
    values = context.values(start=start, start_day=start.date())
    days = _window_days(context)
    for n, (md, day) in enumerate(days.items()):
        values[f"md_{n}"] = md
        values[f"day_{n}"] = day.isoformat()
        values[f"midnight_{n}"] = start_of_day_utc(day)
        values[f"year_{n}"] = day.year
    values[WINDOW_MDS.key] = sorted(days)
    return values


START = value("start", UTCDateTime())
WINDOW_MDS = bindparam("window_mds", type_=String(), expanding=True, required=True)


def earliest(context: Context) -> tuple[Any, dict[str, Any]]:
    """SQL: each account with an occasion to thank for, its person and its key (the day
    of its earliest unthanked occasion), as the sweep sets them against the reminders;
    with the values it runs with."""
    return _earliest(context.scope.shape, len(_window_days(context))), _values(context)


@built
def _earliest(scope: Scope, days: int) -> Any:
    """SQL: each account of ``scope`` (a shape) with an occasion to thank for, its person
    and its key (the day of its earliest unthanked occasion), as the sweep sets them
    against the reminders; the window has ``days`` days (:func:`_values`)."""
    occasions = union_all(
        _deals_query(scope).with_only_columns(
            col(Deal.account_id).label("account_id"),
            cast(col(Deal.closed_on), String).label("day"),
        ),
        _orders_query(scope).with_only_columns(
            col(Order.account_id).label("account_id"),
            utc_day(col(Order.placed_at)).label("day"),
        ),
        _anniversaries_query(scope, days).with_only_columns(
            col(Account.id).label("account_id"),
            _anniversary_day(days, text=True).label("day"),
        ),
    ).subquery("occasions")
    first = (
        wide_select(occasions.c.account_id, func.min(occasions.c.day).label("day"))
        .group_by(occasions.c.account_id)
        .subquery("earliest")
    )
    return wide_select(
        first.c.account_id,
        col(Account.owner_id).label("user_id"),
        key_sql(NAME, first.c.account_id, first.c.day).label("key"),
    ).join(Account, col(Account.id) == first.c.account_id)


def _key(first: Occasion) -> str:
    """An account's thank-you for the window is named by its earliest occasion's day."""
    return str(ReminderKey(NAME, first.account_id, f"{first.at:%Y-%m-%d}"))


def _start(context: Context) -> datetime:
    return context.now - context.config.thank_you_window


def _owned(scope: Scope, account_id: Any) -> list[Any]:
    return scope.where(col(Account.owner_id), account_id)


def renews(closed: datetime, previous: datetime | None, context: Context) -> bool:
    """Whether a win closing at ``closed`` renews the account's previous win of the same
    product (closed at ``previous``): about one term apart (see the module's docstring)."""
    if previous is None:
        return False
    term, slack = context.config.renewal_term, context.config.renewal_slack
    return abs((closed - previous) - term) <= slack


@built
def _deals_query(scope: Scope) -> Any:
    """Deals of ``scope`` (a shape) won in the window that no order covers and no
    thank-you followed."""
    return (
        wide_select(
            col(Deal.id),
            col(Deal.account_id),
            col(Account.name),
            col(Account.owner_id),
            col(Deal.product),
            col(Deal.closed_on),
        )
        .join(Account, col(Account.id) == Deal.account_id)
        .where(
            col(Deal.stage) == DealStage.WON.value,
            col(Deal.closed_on) >= value("start_day", Date()),
            col(Deal.closed_on) <= TODAY,
            _not_ordered(scope),
            ~logged_since(THANKS, col(Deal.account_id), utc_midnight(col(Deal.closed_on))),
            *_owned(scope, col(Account.id)),
            *scope.owned(col(Deal.account_id)),
        )
    )


def _not_ordered(scope: Scope) -> Any:
    """No order placed in the window covers the deal. Everyone's deals of the window are
    sorted against one list of the window's ordered deals (a range of the orders'
    ``(placed_at, deal_id)`` index); one person's few deals are each looked up in the
    ``(deal_id, placed_at)`` index instead of reading that list."""
    if scope.user_ids is None:
        ordered = select(col(Order.deal_id)).where(
            _placed_in_window(), col(Order.deal_id).is_not(None)
        )
        return col(Deal.id).not_in(ordered)
    covering = select(col(Order.id)).where(col(Order.deal_id) == col(Deal.id), _placed_in_window())
    return ~covering.exists()


def deals(context: Context, reading: Reading, values: dict[str, Any]) -> list[Occasion]:
    """Deals won in the window that no order covers: choosing a product, or renewing it."""
    won = rows(reading.session, _deals_query(context.scope.shape), values)
    wins = earlier_wins(reading, {(row[1], row[4]) for row in won if row[4]})
    found = []
    for deal_id, account_id, name, owner_id, product, closed_on in won:
        closed = start_of_day_utc(day_of(closed_on))
        before = [day for day in wins.get((account_id, product), []) if day < closed]
        sort = RENEWAL if renews(closed, max(before, default=None), context) else DEAL
        what = product or "the deal"
        found.append(Occasion(account_id, name, owner_id, closed, what, sort, deal_id))
    return found


def earlier_wins(
    reading: Reading, pairs: set[tuple[int, str]]
) -> dict[tuple[int, str], list[datetime]]:
    """The days each (account, product) was won, for the few pairs won this week: one
    look-up through the (account, stage, closed) index instead of one per deal."""
    out: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    accounts = sorted({account for account, _ in pairs})
    for part in chunked(accounts):
        for account_id, product, closed_on in rows(
            reading.session, WINS, {WINS_OF.key: list(part)}
        ):
            if (account_id, product) in pairs:
                out[(account_id, product)].append(start_of_day_utc(day_of(closed_on)))
    return out


WINS_OF = bindparam("wins_of", type_=Integer(), expanding=True, required=True)
WINS = wide_select(col(Deal.account_id), col(Deal.product), col(Deal.closed_on)).where(
    col(Deal.account_id).in_(WINS_OF),
    col(Deal.stage) == DealStage.WON.value,
    col(Deal.closed_on).is_not(None),
)
"""The won deals of some accounts (``wins_of``), built once."""


def _placed_in_window() -> Any:
    return and_(col(Order.placed_at) >= START, col(Order.placed_at) <= NOW)


@built
def _orders_query(scope: Scope) -> Any:
    """Orders of ``scope`` (a shape) placed in the window that no thank-you followed."""
    return (
        wide_select(
            col(Order.id),
            col(Order.account_id),
            col(Account.name),
            col(Account.owner_id),
            col(Order.what),
            col(Order.placed_at),
        )
        .join(Account, col(Account.id) == Order.account_id)
        .where(
            _placed_in_window(),
            ~logged_since(THANKS, col(Order.account_id), col(Order.placed_at)),
            *_owned(scope, col(Account.id)),
            *scope.owned(col(Order.account_id)),
        )
    )


def orders(context: Context, reading: Reading, values: dict[str, Any]) -> list[Occasion]:
    """Orders placed in the window."""
    query = _orders_query(context.scope.shape)
    found = []
    for order_id, account_id, name, owner_id, what, placed_at in rows(
        reading.session, query, values
    ):
        placed = moment(placed_at)
        assert placed is not None
        found.append(Occasion(account_id, name, owner_id, placed, what, ORDER, order_id))
    return found


def _window_days(context: Context) -> dict[str, date]:
    """The days of the window, by their ``MM-DD``."""
    today = context.now.date()
    window = (today - timedelta(days=n) for n in range(context.config.thank_you_window.days))
    return {f"{d:%m-%d}": d for d in window}


def _anniversary_day(days: int, *, text: bool = False) -> Any:
    """SQL: the day of the window's ``days`` (:func:`_values`) an account's years as a
    customer complete on: its first moment, or (``text``) its ``YYYY-MM-DD``."""
    since_day = month_day(col(Account.customer_since))
    return case(
        *(
            (
                since_day == value(f"md_{n}", String()),
                value(f"day_{n}", String()) if text else value(f"midnight_{n}", UTCDateTime()),
            )
            for n in range(days)
        ),
        else_=null(),
    )


@built
def _anniversaries_query(scope: Scope, days: int) -> Any:
    """Accounts of ``scope`` (a shape) whose years as a customer complete in the window's
    ``days`` (:func:`_values`), no thank-you since."""
    since_day = month_day(col(Account.customer_since))
    year = case(
        *(
            (since_day == value(f"md_{n}", String()), value(f"year_{n}", Integer()))
            for n in range(days)
        ),
        else_=null(),
    )
    return wide_select(
        col(Account.id), col(Account.name), col(Account.owner_id), col(Account.customer_since)
    ).where(
        col(Account.status) == AccountStatus.ACTIVE.value,
        col(Account.customer_since).is_not(None),
        since_day.in_(WINDOW_MDS),
        year > extract("year", col(Account.customer_since)),
        ~logged_since(THANKS, col(Account.id), _anniversary_day(days)),
        *_owned(scope, col(Account.id)),
    )


def anniversaries(context: Context, reading: Reading, values: dict[str, Any]) -> list[Occasion]:
    """Years as a customer completed in the window."""
    days = _window_days(context)
    query = _anniversaries_query(context.scope.shape, len(days))
    found = []
    for account_id, name, owner_id, customer_since in rows(reading.session, query, values):
        since = day_of(customer_since)
        day = days[f"{since:%m-%d}"]
        years = day.year - since.year
        label = "one year" if years == 1 else f"{years} years"
        found.append(
            Occasion(account_id, name, owner_id, start_of_day_utc(day), label, ANNIVERSARY)
        )
    return found


# one item per account -------------------------------------------------------------------


def _counted(n: int, noun: str) -> str:
    one = "an" if noun[0] in "aeiou" else "a"
    return f"{one if n == 1 else n} {noun}{'' if n == 1 else 's'}"


def headline(occasions: list[Occasion]) -> str:
    """What the account is thanked for, counted ("3 won deals and an order")."""
    counts = Counter(o.sort for o in occasions)
    parts = []
    if counts[RENEWAL]:
        parts.append(_counted(counts[RENEWAL], "renewal"))
    if counts[DEAL]:
        parts.append(_counted(counts[DEAL], "won deal"))
    if counts[ORDER]:
        parts.append(_counted(counts[ORDER], "order"))
    parts += [f"{o.what} as a customer" for o in occasions if o.sort == ANNIVERSARY]
    return _listed(parts)


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def occasion_words(occasions: list[Occasion]) -> str:
    """What the drafted message thanks them for ("choosing GTX Pro (3 deals) and MG
    Advanced, and your order (50 seats)")."""

    def products(sort: str) -> str:
        counts = Counter(o.what for o in occasions if o.sort == sort)
        return _listed([w if n == 1 else f"{w} ({n} deals)" for w, n in counts.items()])

    said = []
    if any(o.sort == DEAL for o in occasions):
        said.append(f"choosing {products(DEAL)}")
    if any(o.sort == RENEWAL for o in occasions):
        said.append(f"renewing {products(RENEWAL)}")
    ordered = [o.what for o in occasions if o.sort == ORDER]
    if ordered:
        noun = "your order" if len(ordered) == 1 else f"your {len(ordered)} orders"
        said.append(f"{noun} ({', '.join(ordered)})")
    said += [f"{o.what} of working together" for o in occasions if o.sort == ANNIVERSARY]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + ", and " + said[-1]


def title(occasions: list[Occasion], context: Context) -> str:
    """The item's one line: the single occasion as it is, several counted."""
    first = occasions[0]
    name = first.account_name
    if len(occasions) == 1:
        if first.sort == ANNIVERSARY:
            return f"{first.what.capitalize()} as a customer: thank {name}"
        if first.sort == ORDER:
            return f"Thank {name} for the order: {first.what}"
        verb = "renewing" if first.sort == RENEWAL else "choosing"
        return f"Thank {name} for {verb} {first.what}"
    window = context.config.thank_you_window.days
    when = "this week" if window == 7 else f"in the last {window} days"
    return f"Thank {name} for {headline(occasions)} {when}"


def _thank_you(key: str, occasions: list[Occasion], context: Context) -> Derived:
    first = occasions[0]
    expires = first.at + context.config.thank_you_window
    item = DueItem(
        key=key,
        kind=NAME,
        account_id=first.account_id,
        account_name=first.account_name,
        user_id=first.user_id,
        due_at=first.at,
        priority=1.0,
        severity="info",
        title=title(occasions, context),
        detail="A thank-you within a day shows them they matter. Here is a draft.",
        subject_id=first.subject_id if len(occasions) == 1 else None,
        reason=f"a thank-you for {headline(occasions)}, open through {expires:%a %d %b}",
    )
    return Derived(item, occasion=occasion_words(occasions))


DONE = LogInteraction(InteractionKind.THANK_YOU, "Thanked them")
KIND = Kind(
    NAME, "Say thank you", read, resolved_by="a thank_you interaction, or 7 days", done=DONE
)
