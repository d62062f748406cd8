"""People on the team and their Slack identities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core import audit
from core.actors import Actor
from core.clock import zone
from core.errors import Forbidden, KamError, NotFound
from core.hours import WorkingHours, read_days, read_hours
from core.models import Account, Reminder, ReminderState, Role, User, UserCreate, UserUpdate
from core.teams import team_of
from core.validation import choice, normalise_email


def create_user(person: UserCreate, *, session: Session, actor: Actor) -> User:
    """Add a person; the e-mail must be new (its form and the time zone are the input's
    rules)."""
    _ensure_email_free(person.email, session=session)
    return audit.created("user", User.model_validate(person), session=session, actor=actor)


def _ensure_email_free(email: str, *, session: Session) -> None:
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise KamError(f"A user with e-mail {email} already exists.")


def get_user_by_email(email: str, *, session: Session) -> User:
    """The user with this e-mail, or NotFound with the nearest addresses."""
    wanted = normalise_email(email)
    user = session.exec(select(User).where(func.lower(User.email) == wanted)).first()
    if user is not None:
        return user
    emails = list(session.exec(select(User.email)).all())
    near = [m[0] for m in process.extract(wanted, emails, limit=3, score_cutoff=60)]
    raise NotFound(f"No user has the e-mail {email!r}.", near)


def get_user_by_slack_id(slack_user_id: str, *, session: Session) -> User | None:
    """The user linked to this Slack identity, if any."""
    return session.exec(select(User).where(User.slack_user_id == slack_user_id)).first()


def list_users(*, session: Session) -> Sequence[User]:
    """Everyone, by name."""
    return session.exec(select(User).order_by(col(User.name))).all()


def emails(*, session: Session) -> dict[int, str]:
    """Everyone's e-mail by id: what a list names its items' people by. Two columns, not
    whole records: a firm of a million accounts has thousands of people, and making
    each one's record took a due list longer than finding its items."""
    return {uid: email for uid, email in session.exec(select(User.id, User.email)) if uid}


@dataclass(frozen=True)
class Person:
    """One person on the team as the people list shows them."""

    id: int
    name: str
    email: str
    role: str
    manager: str | None
    """The manager's e-mail."""
    team: str | None
    slack_user_id: str | None
    timezone: str
    digest_time: str
    """Local ``HH:MM`` of their daily digest."""
    working_hours: str
    """``09:00-17:00 mon-fri (Europe/Oslo)``: nothing is sent to them outside these."""
    active: bool = True
    """False once they left (``kam users deactivate``): no reminders, nothing new owned."""


def people(*, session: Session) -> list[Person]:
    """Everyone, by name, with their manager's e-mail and their Slack link."""
    everyone = list_users(session=session)
    email_of = {u.id: u.email for u in everyone}
    return [
        Person(
            id=u.id or 0,
            name=u.name,
            email=u.email,
            role=str(u.role),
            manager=email_of.get(u.manager_id) if u.manager_id is not None else None,
            team=u.team,
            slack_user_id=u.slack_user_id,
            timezone=u.timezone,
            digest_time=u.digest_time.strftime("%H:%M"),
            working_hours=WorkingHours.of(u).label,
            active=u.active,
        )
        for u in everyone
    ]


def link_slack(email: str, slack_user_id: str, *, session: Session, actor: Actor) -> User:
    """Tie a kam user to their Slack identity (one Slack user, one kam user): a person
    links themselves; someone else is linked by whoever may manage them."""
    slack_user_id = slack_user_id.strip()
    if not slack_user_id or slack_user_id[0] not in "UW" or not slack_user_id.isalnum():
        raise KamError(
            f"{slack_user_id!r} is not a Slack user ID. It looks like U012AB3CD; "
            'find it in the person\'s Slack profile under "Copy member ID".'
        )
    user = get_user_by_email(email, session=session)
    if actor.user_id != user.id:
        ensure_can_manage(actor, user, session=session)
    holder = get_user_by_slack_id(slack_user_id, session=session)
    if holder is not None and holder.id != user.id:
        raise KamError(f"Slack user {slack_user_id} is already linked to {holder.email}.")
    with audit.changing("link_slack", "user", user, session=session, actor=actor):
        user.slack_user_id = slack_user_id
    release_held(user, session=session)
    return user


def release_held(user: User, *, session: Session) -> None:
    """Let the next sweep route again what waits for ``user`` (held until their working
    day or their Slack link): they were just linked, or their hours changed."""
    session.execute(
        update(Reminder)
        .where(
            col(Reminder.user_id) == user.id,
            col(Reminder.state) == ReminderState.HELD.value,
        )
        .values(snoozed_until=Reminder.created_at)
    )


def link_slack_by_email(
    email: str, slack_user_id: str, *, session: Session, actor: Actor
) -> User | None:
    """The active person with this e-mail, linked to ``slack_user_id`` if they were not yet.

    How someone new to kam in Slack is recognised: by their Slack profile's
    e-mail. None when nobody active has the address, or their kam user is linked
    to another Slack identity. Two first requests at once (a retry, a double
    click) queue on the person's row, and the second finds the link the first made.
    """
    try:
        user = get_user_by_email(email, session=session)
    except NotFound:
        return None
    if not user.active or (user.slack_user_id and user.slack_user_id != slack_user_id):
        return None
    session.execute(
        update(User).where(col(User.id) == user.id).values(slack_user_id=User.slack_user_id)
    )
    session.refresh(user)
    if user.slack_user_id:
        return user if user.slack_user_id == slack_user_id else None
    try:
        with session.begin_nested():
            return link_slack(user.email, slack_user_id, session=session, actor=actor)
    except (IntegrityError, KamError):
        # The Slack identity was linked to someone a moment ago: read the link that was made.
        return get_user_by_slack_id(slack_user_id, session=session)


def set_working_hours(
    email: str,
    hours: str,
    *,
    days: str | None = None,
    timezone: str | None = None,
    session: Session,
    actor: Actor,
) -> User:
    """Set when a person works: ``hours`` as ``HH:MM-HH:MM``, ``days`` such as ``mon-fri``,
    an IANA ``timezone``; days and zone left out stay as they are.

    The one rule for every front end: the end follows the start within one day, at
    least one weekday, a zone kam knows; anything else is refused and nothing
    changes. Their digest moves to the start of the day, where routine items reach
    them, and nothing is sent to them outside these hours.
    """
    start, end = read_hours(hours)
    worked = read_days(days) if days is not None else None
    if timezone is not None:
        zone(timezone)
    user = get_user_by_email(email, session=session)
    with audit.changing("set_working_hours", "user", user, session=session, actor=actor):
        user.work_start, user.work_end, user.digest_time = start, end, start
        if worked is not None:
            user.work_days = worked
        if timezone is not None:
            user.timezone = timezone
    release_held(user, session=session)
    return user


def read_user_changes(typed: Mapping[str, str | None], *, session: Session) -> UserUpdate:
    """What a person typed to change someone (name, email, role, manager as an e-mail,
    team, timezone; absent or None: unchanged), checked as on creation."""
    given: dict[str, Any] = {
        k: v for k in ("name", "email", "team", "timezone") if (v := typed.get(k)) is not None
    }
    if typed.get("role") is not None:
        given["role"] = choice(typed["role"], Role, "role")
    if typed.get("manager") is not None:
        given["manager_id"] = get_user_by_email(typed["manager"] or "", session=session).id
    return UserUpdate(**given)


def ensure_can_manage(
    actor: Actor, user: User, *, session: Session, role: Role | None = None
) -> None:
    """People are edited and deactivated by admins (and kam's own local tools), and by a
    manager for the people on their team; only an admin makes someone an admin."""
    me = actor.user
    if me is None or me.role == Role.ADMIN:
        return
    lead = me.id if me.role == Role.MANAGER and role != Role.ADMIN else None
    if (
        lead is not None
        and user.id != lead
        and user.id in team_of(lead, session=session).member_ids
    ):
        return
    raise Forbidden(
        f"Only an admin, or {user.name}'s manager, may change {user.email}"
        + (" (and only an admin makes someone an admin)." if role == Role.ADMIN else ".")
    )


def edit_user(email: str, changes: UserUpdate, *, session: Session, actor: Actor) -> User:
    """Change what ``changes`` sets about a person (name, e-mail, role, manager, team,
    zone); a new e-mail must be free, and nobody manages themselves."""
    user = get_user_by_email(email, session=session)
    ensure_can_manage(actor, user, session=session, role=changes.role)
    fields = changes.model_dump(exclude_unset=True)
    new_email = fields.get("email")
    if new_email is not None and new_email != user.email:
        _ensure_email_free(new_email, session=session)
    if fields.get("manager_id") is not None and fields["manager_id"] == user.id:
        raise KamError(f"{user.email} cannot be their own manager.")
    with audit.changing("update", "user", user, session=session, actor=actor):
        for field, value in fields.items():
            setattr(user, field, value)
    return user


def deactivate_user(email: str, *, session: Session, actor: Actor) -> tuple[User, int]:
    """Someone left the team: they get no reminders and own nothing new from now on (their
    history stays theirs). Returns them and how many accounts they still own, which a
    manager gives to someone else."""
    user = get_user_by_email(email, session=session)
    ensure_can_manage(actor, user, session=session)
    if user.active:
        with audit.changing("deactivate", "user", user, session=session, actor=actor):
            user.active = False
    owned = session.exec(
        select(func.count()).select_from(Account).where(col(Account.owner_id) == user.id)
    ).one()
    return user, owned


def ensure_active(user_id: int | None, *, session: Session) -> None:
    """Refuse to make a deactivated person the owner of anything new."""
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is not None and not user.active:
        raise KamError(
            f"{user.name} <{user.email}> is deactivated and owns nothing new; "
            "make someone on the team the owner first."
        )


def acting_user(email: str, *, session: Session) -> User:
    """The person a front end acts as: they must be on the team still."""
    user = get_user_by_email(email, session=session)
    if not user.active:
        raise KamError(f"{user.email} is deactivated; kam does not act as them any more.")
    return user
