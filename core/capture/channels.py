"""Slack channels shared with a customer: linked to an account, their messages are touches.

``/kam channel link ACCOUNT`` typed in a channel (a Slack Connect channel with the
customer, say) links it. From then on a message there counts as a touch with the
account, at most one interaction per person per day (the link back is channel,
person and day). Only the fact of the message is stored, never its text.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from core import audit
from core.actors import Actor, ensure_can_change
from core.clock import utcnow
from core.errors import KamError
from core.models import Account, ChannelLink, Interaction, InteractionCreate, InteractionKind, User
from core.services.interactions import log_interaction

SOURCE = "slack"


def link_channel(
    channel_id: str, account: Account, *, session: Session, actor: Actor
) -> ChannelLink:
    """Link a Slack channel to ``account`` (a channel links to one account; linking it
    again moves it)."""
    if not channel_id or channel_id[0] not in "CG":
        raise KamError(
            "Type `/kam channel link ACCOUNT` in the channel to link, not in a direct message."
        )
    ensure_can_change(actor, account)
    assert account.id is not None
    link = session.get(ChannelLink, channel_id)
    if link is None:
        link = ChannelLink(channel_id=channel_id, account_id=account.id, linked_by=actor.user_id)
        return audit.created("channel_links", link, session=session, actor=actor)
    with audit.changing("update", "channel_links", link, session=session, actor=actor):
        link.account_id, link.linked_by = account.id, actor.user_id
    return link


def linked_account(channel_id: str, *, session: Session) -> Account | None:
    """The account a Slack channel is linked to (None when it is not)."""
    link = session.get(ChannelLink, channel_id) if channel_id else None
    return session.get(Account, link.account_id) if link is not None else None


def channel_message(
    channel_id: str,
    slack_user_id: str,
    sent_at: datetime,
    *,
    session: Session,
    now: datetime | None = None,
) -> Interaction | None:
    """A message in a linked channel: the day's touch by that person (None when the
    channel is not linked, or they already have one that day)."""
    link = session.get(ChannelLink, channel_id)
    if link is None:
        return None
    account = session.get(Account, link.account_id)
    assert account is not None
    ref = f"{channel_id}:{slack_user_id}:{sent_at:%Y-%m-%d}"
    already = session.exec(
        select(Interaction.id).where(
            Interaction.account_id == account.id,
            Interaction.source == SOURCE,
            Interaction.external_ref == ref,
        )
    ).first()
    if already is not None:
        return None
    person = session.exec(select(User).where(User.slack_user_id == slack_user_id)).first()
    # The channel's link places the message, not the writer's rights on the account.
    actor = Actor.system(f"slack-channel {person.email if person else slack_user_id}")
    who = person.name if person else "the customer"
    touch = log_interaction(
        account,
        InteractionCreate(
            kind=InteractionKind.MESSAGE,
            occurred_at=min(sent_at, now or utcnow()),
            summary=f"Message in the shared Slack channel, by {who}",
            source=SOURCE,
            external_ref=ref,
            # Two messages at once (bolt runs listeners in threads) store one touch.
            idempotency_key=f"{SOURCE}:{ref}",
        ),
        session=session,
        actor=actor,
        now=now,
    )
    if person is not None:
        touch.user_id = person.id
        session.add(touch)
    return touch
