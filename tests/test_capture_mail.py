"""E-mail capture against a real IMAP server (Dovecot, started by the tests)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core.actors import Actor
from core.capture import mail as mail_module
from core.capture.config import CaptureConfig
from core.capture.mail import MailAccount
from core.capture.run import capture_mail
from core.checkins import due_items
from core.clock import utcnow
from core.models import ContactCreate, Interaction, InteractionCreate, Reminder, UnmatchedAddress
from core.services.contacts import add_contact
from core.services.interactions import log_interaction
from tests import factories
from tests.capture_servers import Dovecot, DroppingProxy
from tests.test_cli import kam

SYSTEM = Actor.system("test")
NOW = utcnow().replace(microsecond=0)


def message(n: int, sender: str, to: str, subject: str, *, mid: str | None = None) -> bytes:
    """A small message dated ``n`` hours ago."""
    when = (NOW - timedelta(hours=n + 1)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Date: {when}"]
    if mid is not False:
        lines.append(f"Message-ID: <{mid or n}@mail.example>")
    return ("\r\n".join(lines) + "\r\n\r\nHello.\r\n").encode()


@pytest.fixture
def box(dovecot: Dovecot) -> MailAccount:
    return dovecot.mailbox()


def acme_with_bob(session: Session) -> int:
    acme = factories.account(session, "Acme")
    add_contact(
        acme, ContactCreate(name="Bob", email="Bob@Acme.example"), session=session, actor=SYSTEM
    )
    add_contact(
        acme, ContactCreate(name="Dave", email="dave@gmail.com"), session=session, actor=SYSTEM
    )
    session.commit()
    assert acme.id is not None
    return acme.id


def captured(session: Session) -> list[Interaction]:
    return list(session.exec(select(Interaction).order_by(Interaction.id)))


def test_mail_is_captured_once_across_folders_runs_and_a_uidvalidity_change(
    session: Session, dovecot: Dovecot, box: MailAccount
) -> None:
    acme = acme_with_bob(session)
    imap = dovecot.client(box)
    imap.append("INBOX", message(1, "Bob <bob@acme.example>", box.user, "Renewal", mid="r"))
    imap.append("Sent", message(1, box.user, "bob@acme.example", "Renewal", mid="r"))
    imap.append("INBOX", message(2, "Frank <frank@acme.example>", box.user, "Hi from Frank"))
    imap.append("INBOX", message(3, "Eve <eve@gmail.com>", box.user, "Personal"))
    imap.append("INBOX", message(4, "carol@globex.example", box.user, "Intro"))
    imap.append("Sent", message(5, box.user, "x@globex.example", "Reply"))

    first = capture_mail(box, CaptureConfig(), session=session)
    session.commit()
    assert first.failure is None and first.problems == []
    assert (first.read, first.captured, first.already) == (6, 2, 1)
    rows = captured(session)
    assert [(r.account_id, r.kind, r.source) for r in rows] == [(acme, "email", "mail")] * 2
    assert rows[0].summary == "E-mail from bob@acme.example: Renewal"
    assert rows[0].contact_id is not None and rows[1].contact_id is None  # Frank by domain
    assert rows[0].external_ref == "<r@mail.example>"
    queued = session.exec(select(UnmatchedAddress.address).order_by(UnmatchedAddress.address))
    assert list(queued) == ["carol@globex.example", "eve@gmail.com", "x@globex.example"]

    again = capture_mail(box, CaptureConfig(), session=session)
    session.commit()
    assert (again.read, again.captured) == (0, 0)

    # The server renumbers Sent (a new UIDVALIDITY): read again from the start, stored once.
    imap.delete_folder("Sent")
    imap.create_folder("Sent")
    imap.append("Sent", message(1, box.user, "bob@acme.example", "Renewal", mid="r"))
    imap.append("Sent", message(6, box.user, "bob@acme.example", "Proposal"))
    imap.logout()
    third = capture_mail(box, CaptureConfig(), session=session)
    session.commit()
    assert (third.read, third.captured, third.already) == (2, 1, 1)
    assert len(captured(session)) == 3


def test_a_body_is_kept_only_when_the_team_turns_it_on(
    session: Session, dovecot: Dovecot, box: MailAccount
) -> None:
    acme_with_bob(session)
    imap = dovecot.client(box)
    imap.append("INBOX", message(1, "bob@acme.example", box.user, "Price list", mid="p1"))
    off = capture_mail(box, CaptureConfig(), session=session)
    session.commit()
    assert off.captured == 1 and captured(session)[0].summary == (
        "E-mail from bob@acme.example: Price list"
    )  # headers only: the text never left the server
    imap.append("INBOX", message(2, "bob@acme.example", box.user, "Terms", mid="p2"))
    imap.logout()
    on = capture_mail(box, CaptureConfig(store_body=True), session=session)
    session.commit()
    assert on.captured == 1
    assert captured(session)[1].summary == "E-mail from bob@acme.example: Terms\n\nHello."
    messages = dovecot.client(box)
    messages.select_folder("INBOX", readonly=True)
    flags = messages.get_flags(messages.search(["ALL"]))
    messages.logout()
    assert all(b"\\Seen" not in f for f in flags.values())  # still unread in the mailbox


def test_a_server_gone_mid_run_keeps_what_was_read(
    session: Session, dovecot: Dovecot, box: MailAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme_with_bob(session)
    imap = dovecot.client(box)
    for n in range(5):
        imap.append("INBOX", message(n, "bob@acme.example", box.user, f"Note {n}", mid=f"n{n}"))
    imap.logout()
    monkeypatch.setattr(mail_module, "BATCH", 2)
    proxy = DroppingProxy(dovecot.port, b"FETCH", after=2)
    via_proxy = MailAccount(box.host, box.user, box.password, port=proxy.port, tls=False)
    broken = capture_mail(via_proxy, CaptureConfig(folders=("INBOX",)), session=session)
    session.commit()
    proxy.close()
    assert broken.failure is not None and "stopped answering" in broken.failure
    assert box.password not in broken.failure
    assert broken.captured == 2 and len(captured(session)) == 2

    rest = capture_mail(box, CaptureConfig(folders=("INBOX",)), session=session)
    session.commit()
    assert (rest.read, rest.captured) == (3, 3)
    assert sorted(r.summary for r in captured(session)) == [
        f"E-mail from bob@acme.example: Note {n}" for n in range(5)
    ]


def test_a_malformed_message_is_one_line_and_the_rest_is_captured(
    session: Session, dovecot: Dovecot, box: MailAccount
) -> None:
    acme_with_bob(session)
    imap = dovecot.client(box)
    imap.append("INBOX", b'From: "unterminated <bob@acme.example\r\nTo: ,,,@@@\r\n\r\nx\r\n')
    imap.append("INBOX", b"From: =?utf-8?q?=FF?= <bob@acme.example>\r\nSubject: \xff\r\n\r\n")
    imap.append("INBOX", message(1, "bob@acme.example", box.user, "Fine"))
    imap.logout()
    report = capture_mail(box, CaptureConfig(folders=("INBOX",)), session=session)
    session.commit()
    assert report.problems == [
        "INBOX: message 1 cannot be read: it names no sender or recipient kam can read"
    ]
    assert (report.read, report.captured) == (2, 2)  # an undecodable byte is only replaced
    assert sorted(r.summary for r in captured(session)) == [
        "E-mail from bob@acme.example: Fine",
        "E-mail from bob@acme.example: \ufffd",
    ]


def configure(monkeypatch: pytest.MonkeyPatch, box: MailAccount) -> None:
    """The environment that points kam at ``box``."""
    monkeypatch.setenv("KAM_MAIL_HOST", box.host)
    monkeypatch.setenv("KAM_MAIL_PORT", str(box.port))
    monkeypatch.setenv("KAM_MAIL_TLS", "false")
    monkeypatch.setenv("KAM_MAIL_USER", box.user)
    monkeypatch.setenv("KAM_MAIL_PASSWORD", box.password)


def test_wrong_credentials_give_one_clear_line_without_the_password(
    db_url: str,
    dovecot: Dovecot,
    box: MailAccount,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = MailAccount(box.host, box.user, "not-the-password-42", port=box.port, tls=False)
    configure(monkeypatch, wrong)
    code, out, err = kam(capsys, "capture", "mail", "--db", db_url)
    assert code == 1 and out == ""
    assert err.startswith("Error: The mail server refused the login for " + box.user)
    assert "not-the-password-42" not in err and len(err.strip().splitlines()) == 1


def test_the_cli_dry_run_stores_nothing_and_a_reviewed_sender_matches_from_then_on(
    session: Session,
    db_url: str,
    dovecot: Dovecot,
    box: MailAccount,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(monkeypatch, box)
    factories.account(session, "Globex")
    session.commit()
    imap = dovecot.client(box)
    imap.append("INBOX", message(1, "Carol Jones <carol@globex.example>", box.user, "Intro"))
    imap.append("INBOX", message(1, "news@letters.example", box.user, "Offers"))
    code, out, err = kam(capsys, "capture", "mail", "--dry-run", "--db", db_url)
    assert (code, err) == (0, "")
    line = "mail: 2 read, 0 captured, 0 already captured, 2 new unmatched.\n"
    assert out == "Dry run, nothing stored. " + line
    assert kam(capsys, "capture", "unmatched", "--db", db_url)[1].startswith("No one waits")
    code, out, _ = kam(capsys, "capture", "mail", "--db", db_url)
    assert out == line
    code, out, _ = kam(capsys, "capture", "mail", "--db", db_url)
    assert out.startswith("mail: 0 read")

    code, out, _ = kam(capsys, "capture", "unmatched", "--json", "--db", db_url)
    queue = json.loads(out)
    assert queue["waiting"] == 2
    assert {p["address"]: p["name"] for p in queue["people"]} == {
        "carol@globex.example": "Carol Jones",
        "news@letters.example": None,
    }
    code, out, err = kam(
        capsys, "capture", "contact", "carol@globex.example", "globex", "--db", db_url
    )
    assert (code, out, err) == (
        0,
        "Carol Jones <carol@globex.example> is now a contact of Globex.\n",
        "",
    )
    code, out, _ = kam(capsys, "capture", "ignore", "news@letters.example", "--db", db_url)
    assert code == 0
    code, _, err = kam(capsys, "capture", "ignore", "news@letters.example", "--db", db_url)
    assert code == 1 and "is not waiting for review" in err
    assert kam(capsys, "capture", "unmatched", "--db", db_url)[1].startswith("No one waits")

    imap.append("INBOX", message(0, "carol@globex.example", box.user, "Next steps"))
    imap.append("INBOX", message(0, "news@letters.example", box.user, "More offers"))
    imap.logout()
    code, out, _ = kam(capsys, "capture", "mail", "--db", db_url)
    assert out == "mail: 2 read, 1 captured, 0 already captured, 0 new unmatched.\n"


def test_an_email_from_a_contact_resets_the_cadence_and_resolves_the_due_check_in(
    session: Session, dovecot: Dovecot, box: MailAccount
) -> None:
    owner = factories.user(session, "anna@example.com")
    acme = factories.account(session, "Acme", owner_id=owner.id)
    add_contact(
        acme, ContactCreate(name="Bob", email="bob@acme.example"), session=session, actor=SYSTEM
    )
    long_ago = NOW - timedelta(days=200)
    kick_off = InteractionCreate(summary="Kick-off", occurred_at=long_ago)
    log_interaction(acme, kick_off, session=session, actor=SYSTEM, now=long_ago)
    session.commit()
    due = [i.key for i in due_items(session=session, now=NOW) if i.key.startswith("check_in")]
    assert len(due) == 1
    session.add(
        Reminder(key=due[0], kind="check_in_due", account_id=acme.id, due_at=NOW, state="sent")
    )
    session.commit()
    imap = dovecot.client(box)
    imap.append("INBOX", message(1, "bob@acme.example", box.user, "Re: pricing"))
    imap.logout()
    capture_mail(box, CaptureConfig(folders=("INBOX",)), session=session, now=NOW)
    session.commit()
    assert not [i for i in due_items(session=session, now=NOW) if i.key.startswith("check_in")]
    assert session.exec(select(Reminder.state)).one() == "done"
