"""Small reads a command needs before it acts: which account, which order, whose accounts."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import utils
from sqlmodel import Session, col, select

from core.models import Account, Order, OrderStatus, name_key


def account_named_at_start(words: Sequence[str], *, session: Session) -> tuple[Account, int] | None:
    """The account the first words name, and how many words that took; None if none do.

    People write the account and then what happened ("kan code met the CTO"), so
    the longest run of leading words that names an account wins: exactly (any
    case), else ignoring punctuation when that points at one account only.
    """
    for n in range(len(words), 0, -1):
        exact = session.exec(
            select(Account).where(Account.name_key == name_key(" ".join(words[:n])))
        ).first()
        if exact is not None:
            return exact, n
    processed: dict[str, list[int]] = {}
    for account_id, name in session.exec(select(Account.id, Account.name)).all():
        if account_id is not None:
            processed.setdefault(utils.default_process(name), []).append(account_id)
    for n in range(len(words), 0, -1):
        hits = processed.get(utils.default_process(" ".join(words[:n])), [])
        if len(hits) == 1:
            account = session.get(Account, hits[0])
            if account is not None:
                return account, n
    return None


def latest_open_order(account_id: int, *, session: Session) -> Order | None:
    """The account's newest order not yet completed: the one "completed" or "problem" means."""
    return session.exec(
        select(Order)
        .where(Order.account_id == account_id, Order.status != OrderStatus.COMPLETED)
        .order_by(col(Order.placed_at).desc())
    ).first()


def owned_account_ids(user_id: int, *, session: Session) -> list[int]:
    """The ids of the accounts ``user_id`` owns, in id order."""
    ids = session.exec(select(Account.id).where(Account.owner_id == user_id)).all()
    return sorted(i for i in ids if i is not None)
