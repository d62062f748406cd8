"""Accounts: create, change, find by a name as people type it, list."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core import audit
from core.actors import Actor, ensure_can_change
from core.clock import utcnow
from core.errors import KamError, NotFound
from core.models import Account, AccountCreate, AccountUpdate, name_key
from core.services.users import ensure_active

SUGGESTION_CUTOFF = 60
SUGGESTIONS = 3


def _ensure_name_free(key: str, *, session: Session, except_id: int | None = None) -> None:
    holder = session.exec(select(Account).where(Account.name_key == key)).first()
    if holder is not None and holder.id != except_id:
        raise KamError(
            f"An account named {holder.name!r} already exists (names ignore case). "
            "Pick another name or change that account."
        )


def _check_parent(account: Account, *, session: Session) -> None:
    """A parent must exist and must not make the group a loop."""
    seen = {account.id}
    parent_id = account.parent_id
    while parent_id is not None:
        if parent_id in seen:
            raise KamError(f"{account.name} cannot be its own parent group.")
        parent = session.get(Account, parent_id)
        if parent is None:
            raise KamError(f"There is no parent account with id {parent_id}.")
        seen.add(parent_id)
        parent_id = parent.parent_id


def create_account(account: AccountCreate, *, session: Session, actor: Actor) -> Account:
    """Add an account; its name must be unique regardless of case.

    Whoever adds it owns it, unless the input names its owner.
    """
    owner_id = account.owner_id if account.owner_id is not None else actor.user_id
    ensure_active(owner_id, session=session)
    row = Account.model_validate(
        account, update={"name_key": name_key(account.name), "owner_id": owner_id}
    )
    _ensure_name_free(row.name_key, session=session)
    _check_parent(row, session=session)
    return audit.created("account", row, session=session, actor=actor)


def update_account(
    account: Account, changes: AccountUpdate, *, session: Session, actor: Actor
) -> Account:
    """Change the fields ``changes`` sets (checked as on creation); the audit keeps both
    versions."""
    ensure_can_change(actor, account)
    fields = changes.model_dump(exclude_unset=True)
    if fields.get("owner_id") not in (None, account.owner_id):
        ensure_active(fields["owner_id"], session=session)
    if "name" in fields:
        key = name_key(fields["name"])
        if key != account.name_key:
            _ensure_name_free(key, session=session, except_id=account.id)
        fields["name_key"] = key
    with audit.changing("update", "account", account, session=session, actor=actor):
        for field, value in fields.items():
            setattr(account, field, value)
        account.updated_at = utcnow()
        _check_parent(account, session=session)
    return account


def find_account(query: str, *, session: Session) -> Account:
    """The account a person means by ``query``.

    Exact names (any case) win, found through the unique index on the name's key
    before any name is read; then a name equal once punctuation is ignored
    ("kan code" is Kan-code); then a unique name that starts with the query.
    Otherwise :class:`NotFound` carries the closest names as "did you mean".
    Past the exact look-up only the ids and names are read, each name made
    comparable once for all three steps.
    """
    text = (query or "").strip()
    if not text:
        raise KamError('Name an account, e.g. `kam show "Kan-code"`.')
    exact = session.exec(select(Account).where(Account.name_key == name_key(text))).first()
    if exact is not None:
        return exact
    names = _names(session=session)
    wanted = utils.default_process(text)
    processed = {i: utils.default_process(name) for i, name in names.items()}
    same = [i for i, p in processed.items() if p == wanted]
    if len(same) == 1:
        return _get(same[0], session=session)
    if len(wanted) >= 3:
        starts = [i for i, p in processed.items() if p.startswith(wanted)]
        if len(starts) == 1:
            return _get(starts[0], session=session)
    near = process.extract(
        wanted,
        processed,
        scorer=fuzz.WRatio,
        processor=None,  # both sides are processed already, as default_process would
        limit=SUGGESTIONS,
        score_cutoff=SUGGESTION_CUTOFF,
    )
    hint = "" if near else " `kam accounts` lists them."
    raise NotFound(f"No account matches {text!r}.{hint}", [names[m[2]] for m in near])


def _names(*, session: Session) -> dict[int, str]:
    """Every account's id and name, and nothing else (plain rows, no Account objects),
    oldest first: the order settles ties between equally close names, and a table read
    without an order may come in any order (PostgreSQL starts a scan where a concurrent
    one is)."""
    rows = session.connection().execute(
        sa_select(col(Account.id), col(Account.name)).order_by(col(Account.id))
    )
    return {i: name for i, name in rows if i}


def _get(account_id: int, *, session: Session) -> Account:
    account = session.get(Account, account_id)
    assert account is not None
    return account


def get_account(account_id: int, *, session: Session) -> Account:
    """The account with this id, or NotFound."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"There is no account with id {account_id}.")
    return account


def subsidiaries(account: Account, *, session: Session) -> Sequence[Account]:
    """The accounts whose parent group is ``account``."""
    return session.exec(
        select(Account).where(Account.parent_id == account.id).order_by(Account.name)
    ).all()
