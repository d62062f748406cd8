"""Record what happens with a customer from the shell, and act on what is due.

Thin adapters over the record services: ``kam promise``, ``kam notice``, ``kam order``,
``kam feedback``; ``kam done`` and ``kam snooze`` on a reminder's key (``kam due --json``
lists them); ``kam audit`` shows the trail. Each reads what was typed with the same core
rules as Slack and the TUI, acts as ``--as EMAIL`` when given, and prints one sentence or,
with ``--json``, the record as stored.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from core import audit
from core.clock import utcnow
from core.models import (
    CommitmentCreate,
    Expectation,
    FeedbackCreate,
    NoticeCreate,
    NoticeKind,
    OrderCreate,
)
from core.services.accounts import find_account
from core.services.commitments import add_commitment
from core.services.feedback import add_feedback
from core.services.notices import add_notice
from core.services.orders import record_order
from core.services.reminders import SNOOZE_CHOICES, mark_done, snooze
from core.validation import CSAT, NPS, amount, choice, whole
from kam.cli.context import (
    AccountArgument,
    Common,
    DbOption,
    JsonOption,
    console,
    emit_json,
    one_of,
    session,
    table_limit,
    when_for,
    writes,
)

WhatArgument = Annotated[str, typer.Argument(help="What, in a sentence.")]
ByOption = Annotated[
    str, typer.Option("--by", metavar="WHEN", help='The day: ISO or "next friday".')
]
KeyArgument = Annotated[str, typer.Argument(help="The reminder's key (`kam due --json`).")]


@writes
def promise(
    account: AccountArgument,
    what: WhatArgument,
    by: ByOption,
    to: Annotated[str | None, typer.Option("--to", help="Who it was promised to.")] = None,
    *,
    common: Common,
) -> None:
    """Record a promise made to the customer; kam reminds whoever keeps it."""
    with common.on(account) as on:
        due = on.deadline(by)
        kept = on.write(add_commitment, CommitmentCreate(what=what, due_on=due, to_whom=to))
        sentence = f"Promise to {on.account.name} recorded: {kept.what} (due {due:%a %d %b %Y})."
        common.said(kept, sentence)


@writes
def notice(
    account: AccountArgument,
    what: WhatArgument,
    by: ByOption,
    kind: Annotated[str, typer.Option("--kind", help=one_of(NoticeKind))] = "other",
    alternatives: Annotated[
        str | None, typer.Option("--alternatives", help="What we can offer instead.")
    ] = None,
    *,
    common: Common,
) -> None:
    """Record bad news the customer must hear from us by a day; kam nags until it is told."""
    chosen = choice(kind, NoticeKind, "notice kind") or NoticeKind.OTHER
    with common.on(account) as on:
        day = on.deadline(by)
        news = NoticeCreate(what=what, must_tell_by=day, kind=chosen, alternatives=alternatives)
        stored = on.write(add_notice, news)
        common.said(
            stored, f"Notice for {on.account.name} recorded: tell them by {day:%a %d %b %Y}."
        )


@writes
def order(
    account: AccountArgument,
    what: WhatArgument,
    amount_text: Annotated[
        str | None, typer.Option("--amount", metavar="AMOUNT", help="e.g. 12,000.50")
    ] = None,
    *,
    common: Common,
) -> None:
    """Record an order the customer placed; a thank-you becomes due."""
    placed = OrderCreate(what=what, amount=amount(amount_text))
    with common.on(account) as on:
        stored = on.write(record_order, placed)
        common.said(stored, f"Order from {on.account.name} recorded: {stored.what}.")


@writes
def feedback(
    account: AccountArgument,
    csat: Annotated[str | None, typer.Option("--csat", help="1 to 5.")] = None,
    nps: Annotated[str | None, typer.Option("--nps", help="0 to 10.")] = None,
    expectation: Annotated[
        str | None, typer.Option("--expectation", help=one_of(Expectation))
    ] = None,
    comment: Annotated[str | None, typer.Option("--comment")] = None,
    *,
    common: Common,
) -> None:
    """Record how the customer rates us."""
    rating = FeedbackCreate(
        csat=whole(csat, CSAT),
        nps=whole(nps, NPS),
        expectation=choice(expectation, Expectation, "expectation"),
        comment=comment,
    )
    with common.on(account) as on:
        stored = on.write(add_feedback, rating)
        common.said(stored, f"Feedback from {on.account.name} recorded.")


@writes
def done(key: KeyArgument, *, common: Common) -> None:
    """Tick a reminder off; what it asked for is recorded (a kept promise, a logged call)."""
    with common.acting() as (s, actor):
        row = mark_done(key, session=s, actor=actor, now=utcnow())
        common.said(row, f"Done: {row.kind} ({row.key}).")


@writes
def snooze_reminder(
    key: KeyArgument,
    until: Annotated[
        str, typer.Option("--until", metavar="WHEN", help='1d, 3d, 1w, or "monday 9am".')
    ],
    *,
    common: Common,
) -> None:
    """Put a reminder away until a later moment; it comes back then."""
    with common.acting() as (s, actor):
        when = when_for(actor)
        length = SNOOZE_CHOICES.get(until.strip().lower())
        moment = when.now + length if length else when.moment(until, prefer="future")
        row = snooze(key, moment, session=s, actor=actor, now=when.now)
        common.said(row, f"Snoozed until {moment:%Y-%m-%d %H:%M} UTC ({row.key}).")


def audit_trail(
    account: Annotated[
        str | None, typer.Argument(help="Only this account and its records.")
    ] = None,
    limit: Annotated[int, table_limit("Events")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Who changed what and when, newest first."""
    with session(db) as s:
        target = find_account(account, session=s) if account else None
        lines = audit.trail(session=s, account_id=target.id if target else None, limit=limit)
    if as_json:
        emit_json([line.as_json() for line in lines])
        return
    table = Table(title=f"{len(lines)} newest changes" + (f" to {target.name}" if target else ""))
    for column in ("When (UTC)", "Who", "What", "Record", "Changed"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            f"{line.at:%Y-%m-%d %H:%M}",
            escape(line.actor),
            line.action,
            line.record,
            escape(", ".join(line.shown_changes)),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    for command in (promise, notice, order, feedback, done):
        app.command()(command)
    app.command("snooze")(snooze_reminder)
    app.command("audit")(audit_trail)
