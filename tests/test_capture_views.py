"""Captured touches are marked as captured, and planned meetings shown, in every front end."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from rich.console import Console
from sqlmodel import Session

from core.actors import Actor
from core.capture.config import CaptureConfig
from core.capture.matcher import load_matcher
from core.capture.store import CaptureReport, record_touch
from core.capture.touches import Person, Touch
from core.clock import utcnow
from core.models import ContactCreate, InteractionKind
from core.services.accounts import find_account
from core.services.contacts import add_contact
from core.views.card import account_card
from kambot.blocks import card_blocks
from tests import factories
from tests.test_cli import kam
from tui.screens.account import _timeline

SYSTEM = Actor.system("test")
NOW = utcnow().replace(microsecond=0)
BOB = Person("bob@acme.example", "Bob")


def captured_acme(session: Session) -> None:
    acme = factories.account(session, "Acme")
    add_contact(acme, ContactCreate(name="Bob", email=BOB.address), session=session, actor=SYSTEM)
    matcher = load_matcher(CaptureConfig(), session=session)
    report = CaptureReport("test")
    for touch in (
        Touch(
            "mail",
            "<m1@acme>",
            InteractionKind.EMAIL,
            NOW - timedelta(hours=2),
            "Pricing",
            (BOB,),
            BOB,
        ),
        Touch("calendar", "qbr", InteractionKind.MEETING, NOW + timedelta(days=3), "QBR", (BOB,)),
    ):
        record_touch(touch, matcher, report, session=session, actor=SYSTEM, now=NOW)
    session.commit()
    assert (report.captured, report.planned) == (1, 1)


def test_the_card_marks_captured_touches_and_lists_planned_meetings(
    session: Session, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    captured_acme(session)
    card = account_card(find_account("Acme", session=session), session=session, now=NOW)
    [line] = card.interactions
    assert (line.source, line.external_ref, line.captured) == (
        "mail",
        "<m1@acme>",
        "captured from mail",
    )
    assert [(p.title, p.starts_at) for p in card.planned] == [("QBR", NOW + timedelta(days=3))]
    assert card.as_json()["interactions"][0]["external_ref"] == "<m1@acme>"

    slack = json.dumps([b.to_dict() for b in card_blocks(card)])
    assert "_captured from mail_" in slack and "*Planned meetings*" in slack and "QBR" in slack

    out = io.StringIO()
    Console(file=out, width=120).print(_timeline(card))
    tui = out.getvalue()
    assert "(captured from mail)" in tui and "planned" in tui and "QBR" in tui

    code, shown, _ = kam(capsys, "show", "Acme", "--db", db_url)
    assert code == 0
    assert "(captured from mail)" in shown and "Planned: QBR" in shown
