"""Resolve what a row points at (an account by name, a person by e-mail) with one query each.

Each index is built once per import from one query, so a million deal rows
cost a million dictionary look-ups, not a million queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process, utils
from sqlalchemy import Select, select
from sqlmodel import Session, col

from core.models import Account, Contact, Deal, User, name_key

AMBIGUOUS = -1
SUGGEST_AT_MOST = 50


@dataclass(frozen=True)
class Pending:
    """A reference to a record of the same file that gets its id once it is written."""

    key: str


def _index(pairs: Iterable[tuple[Any, int]]) -> dict[Any, int]:
    """Map keys to ids; a key shared by two records maps to AMBIGUOUS."""
    out: dict[Any, int] = {}
    for key, row_id in pairs:
        if key is None:
            continue
        out[key] = AMBIGUOUS if key in out and out[key] != row_id else row_id
    return out


@dataclass
class References:
    """Lazily built indexes of the records rows may point at."""

    session: Session
    _built: dict[str, dict[Any, int]] = field(default_factory=dict)
    _names: dict[str, list[str]] = field(default_factory=dict)
    _suggested: int = 0

    def _get(self, which: str) -> dict[Any, int]:
        if which not in self._built:
            self._built[which] = self._build(which)
        return self._built[which]

    def _build(self, which: str) -> dict[Any, int]:
        run = self._rows
        if which == "account":
            rows = run(select(col(Account.name_key), col(Account.external_id), col(Account.id)))
            by_id = _index((f"id:{ext}", i) for _, ext, i in rows if ext)
            return {**by_id, **_index((key, i) for key, _, i in rows)}
        if which == "user":
            rows = run(select(col(User.email), col(User.name), col(User.id)))
            return {
                **_index((name_key(n), i) for _, n, i in rows),
                **_index((e, i) for e, _, i in rows),
            }
        if which == "contact":
            rows = run(
                select(
                    col(Contact.account_id), col(Contact.email), col(Contact.name), col(Contact.id)
                )
            )
            by_mail = _index(((a, (e or "").lower()), i) for a, e, _, i in rows if e)
            return {**_index(((a, name_key(n)), i) for a, _, n, i in rows), **by_mail}
        model = {"contact_id": Contact, "deal_id": Deal}[which]
        ids = model.__table__.c.id  # type: ignore[attr-defined]
        return {row_id: row_id for (row_id,) in run(select(ids))}

    def _rows(self, statement: Select[*tuple[Any, ...]]) -> list[Any]:
        return list(self.session.execute(statement))

    def forget(self, which: str) -> None:
        """Drop an index after its table changed (the next look-up rebuilds it)."""
        self._built.pop(which, None)
        self._names.pop(which, None)

    def account(self, text: str) -> int:
        """The id of the account named ``text`` (any case) or with that external id."""
        index = self._get("account")
        found = index.get(name_key(text))
        if found is None:
            found = index.get(f"id:{text.strip()}")
        if found is None:
            raise ValueError(
                f"no account is called {text!r}{self._hint('account', text)}; "
                "import the accounts first, or correct the name"
            )
        return found

    def account_id(self, key: str) -> int | None:
        """The id of the stored account with name key ``key``, None if there is none."""
        found = self._get("account").get(key)
        return None if found == AMBIGUOUS else found

    def stored_parent(self, node: int | str) -> int | None:
        """The stored parent of the account with id ``node``; None for a name (not stored)."""
        if isinstance(node, str):
            return None
        account = self.session.get(Account, node)
        return account.parent_id if account is not None else None

    def user(self, text: str) -> int:
        """The id of the person with e-mail ``text``, or the one person with that name."""
        index = self._get("user")
        wanted = text.strip().lower() if "@" in text else name_key(text)
        return _only(
            index.get(wanted),
            f"two people are called {text!r}; give the e-mail instead",
            lambda: (
                f"nobody on the team has the e-mail or name {text!r}"
                f"{self._hint('user', text)}; import the users first (kam import users FILE), "
                "or correct it"
            ),
        )

    def contact(self, account_id: int, text: str) -> int:
        """The id of the contact at ``account_id`` with that e-mail or name."""
        index = self._get("contact")
        key = (account_id, text.strip().lower()) if "@" in text else (account_id, name_key(text))
        return _only(
            index.get(key),
            f"the account has two contacts called {text!r}; give the e-mail",
            lambda: (
                f"the account has no contact {text!r}; import the contacts first, or correct it"
            ),
        )

    def exists(self, which: str, row_id: int) -> int:
        """``row_id`` if a record of that kind has it."""
        if row_id not in self._get(which):
            what = which.removesuffix("_id")
            raise ValueError(f"there is no {what} with id {row_id}")
        return row_id

    def _hint(self, which: str, text: str) -> str:
        """ " (did you mean X?)" for the first few unknown names; nothing after that."""
        if self._suggested >= SUGGEST_AT_MOST:
            return ""
        self._suggested += 1
        if which not in self._names:
            model = Account if which == "account" else User
            names = model.__table__.c.name  # type: ignore[union-attr]
            self._names[which] = list(self.session.execute(select(names)).scalars())
        near = process.extractOne(
            text, self._names[which], processor=utils.default_process, score_cutoff=80
        )
        return f" (did you mean {near[0]!r}?)" if near else ""


def _only(found: int | None, twice: str, missing: Callable[[], str]) -> int:
    """The one id a name stands for; refused with ``twice`` when two records share the
    name, and with ``missing()`` (which may count a suggestion) when none has it."""
    if found == AMBIGUOUS:
        raise ValueError(twice)
    if found is None:
        raise ValueError(missing())
    return found
