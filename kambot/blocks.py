"""Block Kit for every message, modal and tab the bot shows.

Pure functions from the core's read models (typed results) to ``slack_sdk.models``
objects, so the SDK checks Slack's limits when a reply is serialised. Every
piece of text a person typed goes through :func:`escape`, so a note that says
``<!channel>`` is shown, never acted on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from core.audit import AuditLine
from core.capture.review import UnmatchedQueue
from core.checkins import DueItem, is_urgent, kind_named
from core.checkins.config import REVIEWED_TIERS
from core.models import InteractionKind, Sentiment
from core.scoring import Breakdown, PortfolioFigures, ScoreSummary
from core.scoring.account_results import CriterionRow, HealthDetail, HealthTrend
from core.scoring.display import criterion_value, forecast_line, no_data, share_of_wallet
from core.scoring.portfolio_results import Concentration
from core.views import (
    AccountCard,
    AccountPage,
    AppHome,
    ContactFacts,
    TeamSummary,
    profile_lines,
)
from kambot import ids
from kambot.grammar import SPECS

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
OPTION_TEXT_LIMIT = 75
SELECT_OPTIONS_LIMIT = 100
FALLBACK_TEXT_LIMIT = 3000
FORM_TEXT_LIMIT = 3000
"""The most a multi-line input of a form takes."""
FORM_LINE_LIMIT = 500
"""The most a one-line input of a form takes."""

KIND_LABELS = {
    "call": "Call",
    "meeting": "Meeting",
    "visit": "Visit",
    "email": "E-mail",
    "message": "Message",
    "note": "Note",
    "review": "Account review",
    "thank_you": "Thank-you",
}
SENTIMENT_LABELS = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}
BAND_EMOJI = {
    "red": ":red_circle:",
    "yellow": ":large_yellow_circle:",
    "green": ":large_green_circle:",
}
SEVERITY_EMOJI = {
    "red": ":red_circle:",
    "yellow": ":large_yellow_circle:",
    "info": ":white_circle:",
}


# --- text ---------------------------------------------------------------------


ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
LOOK_ALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c"}
"""Slack's mrkdwn has no escape for its formatting marks, so in text a person typed a mark
that could open or close formatting becomes one that looks the same and formats nothing:
∗ (asterisk operator), ˍ (modifier letter low macron), ∼ (tilde operator)."""
FORMATTING_MARK = re.compile(r"(?<![^\W_])[*_~]|[*_~](?![^\W_])")
"""A mark not between two letters or digits: only those format (``thank_you`` never does)."""
CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def escape(text: object) -> str:
    """Text made inert wherever Slack reads mrkdwn (message text, mrkdwn blocks, the
    notification ``text``): ``&``, ``<`` and ``>`` become entities, so ``<!channel>``,
    ``<@U…>`` and ``<url|label>`` are shown and never act; outside `code spans`
    (commands kam suggests, which Slack shows as typed) a ``*``, ``_`` or ``~`` that
    could format becomes its look-alike, so a name like ``*x*`` never turns bold."""
    parts = CODE_SPAN.split(str(text).translate(ENTITIES))
    return "".join(
        part if i % 2 else FORMATTING_MARK.sub(lambda m: LOOK_ALIKES[m.group()], part)
        for i, part in enumerate(parts)
    )


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def safe(text: object, limit: int) -> str:
    """Escaped user text that fits ``limit`` (escaping first, so entities are never split)."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut.rstrip() + "…"


def money(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def section(text: str, accessory: Any = None) -> SectionBlock:
    """A mrkdwn section; ``text`` must already be escaped where it holds user text."""
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT)), accessory=accessory
    )


def list_sections(lines: Sequence[str], per: int = 10) -> list[SectionBlock]:
    """A long list as sections of ``per`` lines each, so no section's text is clipped."""
    return [section("\n".join(lines[start : start + per])) for start in range(0, len(lines), per)]


def titled_list(title: str, lines: Sequence[str], *, empty: str) -> list[Block]:
    """A header, then the lines in sections, or the sentence ``empty`` when there are none."""
    return [header(title), *(list_sections(lines) if lines else [section(empty)])]


def form_input(
    field: tuple[str, str],
    label: str,
    element: Callable[..., InputInteractiveElement],
    *,
    optional: bool | None = None,
    hint: str | None = None,
    **settings: Any,
) -> InputBlock:
    """One input of a form: ``field`` is its (block_id, action_id) from :mod:`kambot.ids`,
    ``element`` the kind of input, made with ``settings``."""
    block_id, action_id = field
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
        element=element(action_id=action_id, **settings),
    )


def text_field(
    field: tuple[str, str],
    label: str,
    *,
    optional: bool = True,
    multiline: bool = False,
    initial: object = None,
    max_length: int | None = None,
    hint: str | None = None,
) -> InputBlock:
    """A text input of a form, filled in with ``initial`` when there is one."""
    return form_input(
        field,
        label,
        PlainTextInputElement,
        optional=optional,
        hint=hint,
        multiline=multiline,
        max_length=max_length or (FORM_TEXT_LIMIT if multiline else FORM_LINE_LIMIT),
        initial_value=None if initial is None or initial == "" else str(initial),
    )


def form_view(
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    *,
    metadata: Mapping[str, Any],
    submit: str = "Save",
) -> View:
    """A form kam reads back when it is submitted; ``metadata`` travels with it as JSON
    (the account it is about, where to confirm)."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=title),
        submit=PlainTextObject(text=submit),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(dict(metadata), separators=(",", ":")),
        blocks=list(blocks),
    )


def fields_section(pairs: Iterable[tuple[str, str]]) -> SectionBlock | None:
    """Label/value pairs (values escaped by the caller) as a two-column section."""
    texts = [
        MarkdownTextObject(text=clip(f"*{label}*\n{value}", FIELD_TEXT_LIMIT))
        for label, value in pairs
        if value
    ][:10]
    return SectionBlock(fields=texts) if texts else None


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, HEADER_LIMIT), emoji=True))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT))])


def button(
    label: str, action_id: str, value: str = "", *, style: str | None = None
) -> ButtonElement:
    """A button whose label and value fit Slack's limits."""
    return ButtonElement(
        text=PlainTextObject(text=clip(label, BUTTON_TEXT_LIMIT), emoji=True),
        action_id=action_id,
        value=value[:BUTTON_VALUE_LIMIT] or None,
        style=style,
    )


def command_on(name: str, account: str, rest: str = "") -> str:
    """The ``/kam`` command ``name`` on ``account`` (quoted), as a button runs it."""
    quoted = account.replace('"', "'")
    return f'{name} "{quoted}"' + (f" {rest}" if rest else "")


def run_button(label: str, suffix: str, command: str, *, beside: bool = False) -> ButtonElement:
    """A button that runs ``command`` for whoever clicks (its action id ends in ``suffix``,
    unique in its message); the reply takes the message's place, or comes ``beside`` it."""
    return button(label, f"{ids.RUN_BESIDE if beside else ids.RUN}:{suffix}", command)


def option(label: str, value: str) -> Option:
    """A select/overflow option whose label fits Slack's limit."""
    return Option(text=PlainTextObject(text=clip(label, OPTION_TEXT_LIMIT)), value=value)


def dump(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """The blocks as JSON, validated by the SDK (an over-long text raises here)."""
    return [block.to_dict() for block in blocks]


def within_message_limit(blocks: list[Block], *, more: str = "more not shown") -> list[Block]:
    """At most 50 blocks, the last one saying how many were left out."""
    if len(blocks) <= MESSAGE_BLOCK_LIMIT:
        return blocks
    kept = blocks[: MESSAGE_BLOCK_LIMIT - 1]
    return [*kept, context(f"…{len(blocks) - len(kept)} {more}.")]


def fallback(text: str, marked: str = "") -> str:
    """The notification ``text`` beside the blocks: ``text`` (plain, escaped here), then
    ``marked`` (mrkdwn kam wrote, such as "Done by <@U…>"), cut short."""
    return clip(escape(text) + marked, FALLBACK_TEXT_LIMIT)


# --- replies ------------------------------------------------------------------


def notice_blocks(message: str, *, emoji: str = ":information_source:") -> list[Block]:
    """A one-line reply (an error or a confirmation); ``message`` is escaped here."""
    return [section(f"{emoji} {escape(message)}")]


def did_you_mean_blocks(message: str, choices: Sequence[tuple[str, str]]) -> list[Block]:
    """An unknown name, with one button per close match that re-runs the command with it."""
    blocks: list[Block] = [section(f":mag: {escape(message)}")]
    buttons = [
        button(label, f"{ids.DID_YOU_MEAN}:{i}", rerun)
        for i, (label, rerun) in enumerate(choices)
        if len(rerun) <= BUTTON_VALUE_LIMIT
    ]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons[:5]))
    return blocks


def help_blocks(topic: str | None = None) -> list[Block]:
    """Every subcommand with its usage, or one subcommand in detail."""
    if topic and topic in SPECS:
        spec = SPECS[topic]
        lines = [f"*`/kam {escape(spec.usage)}`*", escape(spec.summary)]
        if spec.example:
            lines.append(f"Example: `/kam {escape(spec.example)}`")
        return [section("\n".join(lines))]
    blocks: list[Block] = [
        header("kam: your key accounts in Slack"),
        section(
            "\n".join(f"• `/kam {escape(s.usage)}`: {escape(s.summary)}" for s in SPECS.values())
        ),
        context(
            'Account names can be close spellings. Dates can be plain words ("next friday", '
            '"in 3 days") or ISO dates. Only you see these replies; `show` and `portfolio` '
            "can be shared."
        ),
    ]
    return blocks


def unknown_user_blocks(slack_user_id: str, email: str | None) -> list[Block]:
    """What an unlinked person sees, and only this: how to be linked."""
    who = escape(email) if email else "YOUR_EMAIL"
    return [
        section(
            ":wave: kam does not know you yet, so it cannot show or change any accounts.\n"
            "Ask a kam admin to link your Slack account to your kam user:\n"
            f"`kam users link {who} {escape(slack_user_id)}`"
        )
    ]


def apology_blocks() -> list[Block]:
    """What a person sees when kam fails on its side: an apology, never the trace."""
    return [
        section(
            ":warning: Sorry, something went wrong on kam's side and nothing was changed. "
            "Please try again in a moment; if it keeps happening, tell your kam admin."
        )
    ]


def shown_modal(title: str, blocks: list[Block], *, close: str = "Close") -> View:
    """A modal that only shows something: no submit button."""
    return View(
        type="modal",
        title=PlainTextObject(text=title),
        close=PlainTextObject(text=close),
        blocks=blocks,
    )


def apology_modal() -> View:
    """The apology in place of a modal whose submission failed after it was acknowledged."""
    return shown_modal("kam", apology_blocks())


# --- accounts -----------------------------------------------------------------


def _date(value: date | datetime | None) -> str:
    """The calendar day of a date or timestamp, as ISO text ("" for none)."""
    return value.isoformat()[:10] if value is not None else ""


def _contact_line(c: ContactFacts) -> str:
    """One contact as the card and the contact list show them: name, title, role, reporting
    line, and the personal facts worth knowing."""
    personal = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in c.personal())
    line = f"• *{safe(c.name, 200)}*"
    if c.title:
        line += f", {safe(c.title, 200)}"
    if c.role:
        line += f" ({c.role})"
    if c.reports_to:
        line += f", reports to {safe(c.reports_to, 200)}"
    if personal:
        line += f"\n    _{safe(personal, 400)}_"
    return line


def contact_list_blocks(account_name: str, people: Sequence[ContactFacts]) -> list[Block]:
    """`/kam contact list`: everyone we know at the account."""
    if not people:
        text = (
            f"No contacts at {escape(account_name)} yet: `/kam contact add {escape(account_name)}`."
        )
        return [section(text)]
    title = header(f"Contacts at {account_name}")
    return within_message_limit([title, *list_sections([_contact_line(c) for c in people])])


def card_blocks(
    card: AccountCard, *, shareable: bool = True, shared_by: str | None = None
) -> list[Block]:
    """The account card: who they are, who we know there, what is open, what happened last."""
    blocks: list[Block] = [header(card.name)]
    tier = card.tier or "not scored"
    if card.tier_override:
        tier = f"{tier} (set by hand: {card.tier_override_reason or ''})"
    elif card.over_capacity:
        tier = f"{tier}; {card.over_capacity.message}"
    scores = card.scores
    health = (
        f"{scores.health:.0f}/100 · {escape(str(scores.quadrant).replace('_', ' '))}"
        if scores
        else ""
    )
    owner = card.owner_name or card.owner or "nobody"
    facts = fields_section(
        [
            ("Owner", escape(owner)),
            ("Tier", escape(tier)),
            ("Revenue, 12 months", money(card.revenue_12m)),
            (
                "Revenue, all time",
                f"{money(card.revenue_total)} ({card.won_deals} won, {card.open_deals} open)",
            ),
            ("Health", health),
            ("Sector", escape(card.sector or "")),
            ("Country", escape(card.country or "")),
            ("Customer since", _date(card.customer_since)),
            ("Parent group", escape(card.parent or "")),
            ("Subsidiaries", safe(", ".join(card.subsidiaries), 500)),
        ]
    )
    if facts:
        blocks.append(facts)
    contacts = card.contacts
    if contacts:
        lines = []
        lines = [_contact_line(c) for c in contacts[:6]]
        more = f"\n…and {len(contacts) - 6} more" if len(contacts) > 6 else ""
        blocks.append(section("*Who we know*\n" + "\n".join(lines) + more))
    profile = [f"• {ln.label}: {safe(ln.attributed, 300)}" for ln in profile_lines(card)]
    if profile:
        blocks.append(section("*Profile*\n" + "\n".join(profile)))
    open_items = [
        f"• :handshake: {safe(c.what, 300)} (due {_date(c.due_on)})" for c in card.open_commitments
    ] + [
        f"• :warning: tell them: {safe(n.what, 300)} (by {_date(n.must_tell_by)})"
        for n in card.untold_notices
    ]
    if open_items:
        blocks.append(section("*Open*\n" + "\n".join(open_items[:15])))
    interactions = card.interactions[:5]
    if interactions:
        lines = [
            f"• {_date(i.occurred_at)} {KIND_LABELS.get(i.kind, i.kind)}: "
            f"{safe(i.summary, 400)}"
            + (f" ({safe(i.by, 100)})" if i.by else "")
            + (f" _{i.captured}_" if i.captured else "")
            for i in interactions
        ]
        blocks.append(section("*Latest*\n" + "\n".join(lines)))
    if card.planned:
        planned = [f"• {_date(p.starts_at)} {safe(p.title, 300)}" for p in card.planned]
        blocks.append(section("*Planned meetings*\n" + "\n".join(planned)))
    else:
        blocks.append(section("*Latest*\nNo interactions logged yet."))
    if shareable:
        blocks.append(
            ActionsBlock(
                elements=[
                    button("Share in channel", ids.SHARE_CARD, str(card.id)),
                    button("Log check-in", ids.CARD_LOG, str(card.id), style="primary"),
                    run_button("Log a request", "request", command_on("request", card.name)),
                    *(
                        [
                            run_button(
                                "Account plan", "plan", command_on("plan", card.name), beside=True
                            )
                        ]
                        if card.tier in REVIEWED_TIERS
                        else []
                    ),
                ]
            )
        )
    if shared_by:
        blocks.append(context(f"Shared by <@{escape(shared_by)}> from kam"))
    return within_message_limit(blocks)


def account_list_blocks(page: AccountPage, title: str) -> list[Block]:
    """The first accounts of a listing (the page), largest revenue first."""
    rows, limit = page.rows, len(page.rows)
    lines = [
        f"• *{safe(r.name, 150)}* · {escape(r.tier or 'not scored')} · "
        f"{money(r.revenue_12m)} · "
        f"last contact {_date(r.last_contact) or 'never'}"
        for r in rows
    ]
    blocks = titled_list(title, lines, empty="No accounts here.")
    if rows and page.total > limit:
        blocks.append(
            context(
                f"Showing {limit} of {page.total:,}. Narrow it with `--tier` or `--owner`, "
                "or browse them all in `kam tui`."
            )
        )
    return blocks


def account_view_blocks(card: AccountCard) -> list[Block]:
    """The card in a modal (opened from a reminder): no share button."""
    return card_blocks(card, shareable=False)


def account_modal(card: AccountCard) -> View:
    return shown_modal("Account", account_view_blocks(card))


# --- the log modal ------------------------------------------------------------


def log_modal(
    *,
    metadata: Mapping[str, Any],
    account_name: str | None = None,
    contacts: Sequence[tuple[int, str]] = (),
    summary: str | None = None,
    kind: str = "call",
    contact_input: InputBlock | None = None,
    account_input: InputBlock | None = None,
) -> View:
    """The form behind `/kam log` and a reminder's "Log check-in" button. Without an
    ``account_name`` the form asks for the account with ``account_input`` (the type-ahead
    picker). ``contact_input`` replaces the contact menu (a type-ahead picker for an
    account with many people)."""
    account: Block | None = (
        account_input if account_name is None else section(f"*Account:* {safe(account_name, 200)}")
    )
    contact = contact_input or (
        form_input(
            ids.LOG_CONTACT,
            "Who you spoke to",
            StaticSelectElement,
            optional=True,
            placeholder=PlainTextObject(text="A contact"),
            options=[option(name, str(cid)) for cid, name in contacts[:SELECT_OPTIONS_LIMIT]],
        )
        if contacts
        else text_field(ids.LOG_CONTACT, "Who you spoke to", max_length=200)
    )
    blocks: list[Block] = [
        *([account] if account is not None else []),
        form_input(
            ids.LOG_KIND,
            "Kind",
            StaticSelectElement,
            options=[option(KIND_LABELS[k.value], k.value) for k in InteractionKind],
            initial_option=option(KIND_LABELS.get(kind, "Call"), kind),
        ),
        contact,
        text_field(
            ids.LOG_SUMMARY,
            "What happened",
            optional=False,
            multiline=True,
            initial=summary[:FORM_TEXT_LIMIT] if summary else None,
        ),
        form_input(
            ids.LOG_SENTIMENT,
            "How did it go?",
            RadioButtonsElement,
            optional=True,
            options=[option(SENTIMENT_LABELS[s.value], s.value) for s in Sentiment],
        ),
        text_field(
            ids.LOG_WHEN,
            "When",
            hint='Leave empty for now, or e.g. "yesterday 3pm".',
            max_length=100,
        ),
    ]
    return form_view(ids.LOG_MODAL, "Log a check-in", blocks, metadata=metadata, submit="Log it")


def logged_blocks(account: str, kind: str, when: str, summary: str) -> list[Block]:
    """The confirmation after an interaction is logged."""
    return [
        section(
            f":white_check_mark: Logged {KIND_LABELS.get(kind, kind).lower()} with "
            f"*{safe(account, 200)}* ({when}): {safe(summary, 1500)}"
        )
    ]


def divider() -> DividerBlock:
    return DividerBlock()


# --- reminders and due lists ----------------------------------------------------

LOG_LABELS = {  # the "log" button, by the interaction the reminder's kind logs
    InteractionKind.THANK_YOU: "Log thank-you",
    InteractionKind.REVIEW: "Log review",
}
MENU_VALUE_LIMIT = 150
DUE_PAGE = 12


def _due_when(item: DueItem) -> str:
    return f"<!date^{int(item.due_at.timestamp())}^{{date_short_pretty}}|{item.due_at:%Y-%m-%d}>"


def _why(item: DueItem) -> str:
    """Why the item stands where it does in the list, in italics on its own line."""
    return f"_{safe(item.why, 300)}_\n" if item.why else ""


def reminder_blocks(item: DueItem, *, outcome: str | None = None) -> list[Block]:
    """One reminder DM: what, why, what to know before calling, and the buttons.

    With ``outcome`` (already escaped: "Done by …") the buttons give way to it,
    so the message never offers an action that was already taken.
    """
    emoji = SEVERITY_EMOJI.get(item.severity, ":white_circle:")
    blocks: list[Block] = [
        section(f"{emoji} *{safe(item.title, 300)}*\n{_why(item)}{safe(item.detail, 2500)}"),
    ]
    if item.personal_notes:
        notes = "\n".join(f"• {safe(n, 300)}" for n in item.personal_notes[:8])
        blocks.append(section(f"*Worth knowing*\n{notes}"))
    if item.draft:
        quoted = "\n".join(f">{line}" for line in safe(item.draft, 2500).splitlines() or [""])
        blocks.append(section(f"*Drafted for you*\n{quoted}"))
    kind = kind_named(item.kind).label
    blocks.append(context(f"{safe(item.account_name, 200)} · {kind} · due {_due_when(item)}"))
    if outcome is not None:
        blocks.append(section(outcome))
    buttons: list[ButtonElement] = []
    if outcome is None:
        if item.account_id is not None:
            label = LOG_LABELS.get(kind_named(item.kind).logs_as, "Log check-in")
            buttons.append(button(label, ids.REMINDER_LOG, item.key, style="primary"))
        buttons += [
            button(f"Snooze {label}", f"{ids.REMINDER_SNOOZE}:{choice}", item.key)
            for choice, label in ids.SNOOZE_CHOICES.items()
        ]
        buttons.append(button("Done", ids.REMINDER_DONE, item.key))
    if item.account_id is not None:
        buttons.append(button("Open account", ids.REMINDER_OPEN, str(item.account_id)))
    if buttons:
        blocks.append(ActionsBlock(block_id="reminder_actions", elements=buttons))
    return blocks


def item_menu(item: DueItem) -> OverflowMenuElement | None:
    """The per-item menu in lists (due, digest, App Home): log, snooze, done, open."""
    snoozes = list(ids.SNOOZE_CHOICES.items())
    if item.account_id is not None:
        snoozes = [snoozes[0], snoozes[-1]]  # an overflow menu holds at most five options
    choices = [("Done", f"done|{item.key}")]
    choices += [(f"Snooze {label}", f"{c}|{item.key}") for c, label in snoozes]
    if item.account_id is not None:
        choices.insert(0, ("Log check-in", f"log|{item.key}"))
        choices.append(("Open account", f"open|{item.account_id}"))
    if any(len(value) > MENU_VALUE_LIMIT for _, value in choices):
        return None
    return OverflowMenuElement(
        action_id=ids.REMINDER_MENU, options=[option(label, value) for label, value in choices]
    )


def due_item_block(item: DueItem) -> SectionBlock:
    emoji = SEVERITY_EMOJI.get(item.severity, ":white_circle:")
    return section(
        f"{emoji} *{safe(item.title, 300)}*\n{_why(item)}{safe(item.detail, 600)}",
        accessory=item_menu(item),
    )


def due_blocks(
    items: Sequence[DueItem], *, title: str, page: int = 0, scope: str = ""
) -> list[Block]:
    """A due list as a reply: most urgent first, a page at a time, each with its menu."""
    blocks: list[Block] = [header(title)]
    if not items:
        blocks.append(section(":sunny: Nothing is due. Well kept!"))
        return blocks
    start = page * DUE_PAGE
    for item in items[start : start + DUE_PAGE]:
        blocks.append(due_item_block(item))
    pager = _pager(ids.DUE_PAGE, page, len(items), DUE_PAGE, suffix=f"|{scope}")
    if pager:
        blocks.append(pager)
    return within_message_limit(blocks)


def _pager(
    action_id: str, page: int, total: int, size: int, *, suffix: str = ""
) -> ActionsBlock | None:
    pages = max(1, -(-total // size))
    if pages == 1:
        return None
    buttons = []
    if page > 0:
        buttons.append(button("◀ Previous", f"{action_id}:prev", f"{page - 1}{suffix}"))
    if page + 1 < pages:
        buttons.append(button("Next ▶", f"{action_id}:next", f"{page + 1}{suffix}"))
    return ActionsBlock(elements=buttons) if buttons else None


def digest_blocks(items: Sequence[DueItem], day: Any, *, limit: int = 20) -> list[Block]:
    """The daily digest DM: the day's list, most urgent first, within one message."""
    reds = sum(1 for i in items if is_urgent(i))
    blocks: list[Block] = [
        header(f"Your day, {day:%A %d %B}"),
        context(
            f"{len(items)} due" + (f", {reds} urgent" if reds else "") + ". "
            "Use the menu beside each one, or `/kam due` for the full list."
        ),
    ]
    if not items:
        blocks.append(section(":sunny: Nothing is due today. Well kept!"))
    for item in items[:limit]:
        blocks.append(due_item_block(item))
    if len(items) > limit:
        blocks.append(context(f"…and {len(items) - limit} more: `/kam due`."))
    return within_message_limit(blocks)


# --- App Home ---------------------------------------------------------------------

TREND_ARROWS = {
    "up": ":arrow_upper_right:",
    "down": ":arrow_lower_right:",
    "steady": ":arrow_right:",
}


def unmatched_blocks(queue: UnmatchedQueue) -> list[Block]:
    """App Home: who kam saw in mail or meetings but could not place, with an Ignore button
    each and how to make one a contact."""
    if not queue.waiting:
        return []
    blocks: list[Block] = [divider(), header(f"Not placed yet ({queue.waiting})")]
    for p in queue.people[:8]:
        who = f"*{safe(p.name, 100)}* " if p.name else ""
        blocks.append(
            section(
                f"{who}{safe(p.address, 320)} · seen {p.seen}×"
                + (f" · last: {safe(p.last_subject, 200)}" if p.last_subject else "")
            )
        )
        blocks.append(
            ActionsBlock(
                elements=[
                    button("Make a contact", ids.CAPTURE_PLACE, p.address),
                    button("Ignore", ids.CAPTURE_IGNORE, p.address),
                ]
            )
        )
    blocks.append(
        context(
            "A contact's mail and meetings count from the next capture on "
            "(also `/kam place ADDRESS ACCOUNT`)."
        )
    )
    return blocks


def home_view(
    *,
    name: str,
    home: AppHome,
    page: int,
    page_size: int = 15,
    unmatched: UnmatchedQueue | None = None,
) -> View:
    """The App Home tab: due list (paged), key accounts with health, overdue promises, notices.

    Sections are capped so the whole view stays within Block Kit's 100 blocks.
    """
    items, key_accounts = home.items, home.key_accounts
    blocks: list[Block] = [
        header(f"kam for {name}"),
        ActionsBlock(elements=[button("Refresh", ids.HOME_REFRESH, str(page))]),
        divider(),
        header(f"Due now ({len(items)})"),
    ]
    if not items:
        blocks.append(section(":sunny: Nothing is due. Well kept!"))
    start = page * page_size
    for item in items[start : start + page_size]:
        blocks.append(due_item_block(item))
    pages = max(1, -(-len(items) // page_size))
    if pages > 1:
        blocks.append(context(f"Page {page + 1} of {pages}"))
        pager = _pager(ids.HOME_PAGE, page, len(items), page_size)
        if pager:
            blocks.append(pager)
    blocks += [divider(), header(f"Your key accounts ({len(key_accounts)})")]
    if not key_accounts:
        blocks.append(section("No strategic or key accounts yet (they appear once scored)."))
    lines = []
    for a in key_accounts[:40]:
        band = BAND_EMOJI.get(a.band or "", ":white_circle:")
        arrow = TREND_ARROWS.get(a.trend.direction, "") if a.trend else ""
        health = "–" if a.health is None else f"{a.health:.0f}"
        change = a.trend.change if a.trend else None
        delta = f" ({change:+.0f})" if change else ""
        lines.append(
            f"{band} *{safe(a.name, 150)}* · {escape(a.tier or '')} · "
            f"health {health}{delta} {arrow}"
        )
    blocks.extend(list_sections(lines))
    if len(key_accounts) > 40:
        blocks.append(context(f"…and {len(key_accounts) - 40} more: `/kam list --tier key`."))
    overdue, untold = home.overdue, home.untold
    blocks += _open_items(
        f"Overdue promises ({len(overdue)})",
        [f"{safe(c.what, 300)} (was due {_date(c.due_on)})" for c in overdue],
        [c.account for c in overdue],
        "None. Every promise is on time.",
    )
    blocks += _open_items(
        f"Not yet told ({len(untold)})",
        [f"{safe(n.what, 300)} (tell by {_date(n.must_tell_by)})" for n in untold],
        [n.account for n in untold],
        "Nothing waiting to be told.",
    )
    if unmatched is not None:
        blocks += unmatched_blocks(unmatched)
    return View(type="home", callback_id=ids.HOME_VIEW, blocks=blocks[:VIEW_BLOCK_LIMIT])


# --- scores and the portfolio -------------------------------------------------------


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def score_blocks(summary: ScoreSummary, breakdown: Breakdown) -> list[Block]:
    """One account's scores, and what earned the points, as a person reads them."""
    band = BAND_EMOJI.get(summary.band, "")
    blocks: list[Block] = [
        header(f"Scores: {summary.account_name}"),
        fields_section(
            [
                ("Attractiveness", f"{summary.attractiveness:.0f}/100"),
                ("Relationship", f"{summary.relationship:.0f}/100"),
                ("Health", f"{band} {summary.health:.0f}/100"),
                ("Tier", escape(summary.tier)),
                ("Quadrant", escape(summary.quadrant.replace("_", " "))),
                ("Revenue, 12 months", money(summary.revenue_12m)),
            ]
        )
        or section("No scores."),
    ]
    for name, part in breakdown.scores:
        lines = [f"*{name.title()} {part.score:.1f}*", *map(_criterion_line, part.criteria)]
        if isinstance(part, HealthDetail):
            lines.append(f"_Trend:_ {_trend_text(part.trend)}")
        blocks.append(section("\n".join(lines)))
    blocks.append(section(_tier_and_value(breakdown)))
    if breakdown.missing:
        blocks.append(
            context(
                f"{len(breakdown.missing)} criteria have no data "
                "and count as neutral or are left out."
            )
        )
    return blocks


def _criterion_line(row: CriterionRow) -> str:
    """• Revenue from us, 12 months: 480,000 · 20.5 of 25 points"""
    raw = f"no data ({no_data(row)})" if row.missing else criterion_value(row.raw, row.unit)
    return f"• {escape(row.label)}: {raw} · {row.points:.1f} of {row.weight:g} points"


def _trend_text(trend: HealthTrend | None) -> str:
    """ "up 3.2 since 2026-01-05: recency +2.0, revenue trend -1.5" (the factors that moved it)."""
    if trend is None:
        return "no earlier snapshot to compare with"
    since = f" since {trend.previous_at:%Y-%m-%d}" if trend.previous_at else ""
    moved = ", ".join(f"{f.criterion.replace('_', ' ')} {f.change:+.1f}" for f in trend.factors)
    if trend.direction == "steady":
        text = f"steady ({trend.change:+.1f}){since}"
    else:
        text = f"{trend.direction} {abs(trend.change):.1f}{since}"
    return f"{text}: {moved}" if moved else text


def _tier_and_value(b: Breakdown) -> str:
    """The tier and why, the check-in cadence, share of wallet, CLV and any over-service."""
    tier, value = b.tier, b.value
    if tier.override:
        why = f"set by hand: {safe(tier.override_reason or 'no reason given', 300)}"
        tier_text = f"{escape(tier.tier)} ({why}; its scores earn {escape(tier.earned)})"
    else:
        tier_text = f"{escape(tier.tier)} (rank {tier.rank:,} of {tier.of:,})"
        if tier.over_capacity:
            tier_text += f"; {safe(tier.over_capacity.message, 300)}"
    lines = [
        f"*Tier* {tier_text} · check in every {tier.cadence_days} days",
        f"*Share of wallet* {share_of_wallet(value)} · *CLV* {money(value.clv)}"
        + (" (margin assumed)" if value.contribution_assumed else ""),
    ]
    if value.over_served:
        lines.append(f"*Over-served* {safe('; '.join(value.over_served_reasons), 600)}")
    return "\n".join(lines)


def score_list_blocks(rows: Sequence[ScoreSummary], title: str) -> list[Block]:
    """Accounts with their scores, strongest first."""
    lines = [
        f"{BAND_EMOJI.get(r.band, '')} *{safe(r.account_name, 150)}* · "
        f"{escape(r.tier)} · A {r.attractiveness:.0f} · "
        f"R {r.relationship:.0f} · H {r.health:.0f}"
        for r in rows[:40]
    ]
    return titled_list(title, lines, empty="No accounts scored yet.")


def _concentration(c: Concentration) -> str:
    """CR1 12% · CR5 40% · CR10 61%"""
    return f"CR1 {pct(c.cr1)} · CR5 {pct(c.cr5)} · CR10 {pct(c.cr10)}"


def _hhi(c: Concentration) -> str:
    """1,234 (moderate), or a dash without revenue."""
    return "–" if c.hhi is None else f"{c.hhi:,.0f} ({escape(c.hhi_band or '')})"


def portfolio_blocks(
    figures: PortfolioFigures, *, shareable: bool = True, shared_by: str | None = None
) -> list[Block]:
    """Concentration, tiers, matrix, health and capacity, as a manager reads them."""
    c = figures.concentration
    bands = figures.health.bands
    blocks: list[Block] = [
        header(f"Portfolio: {figures.accounts:,} accounts"),
        fields_section(
            [
                ("Revenue, 12 months", money(c.revenue_12m)),
                ("Concentration", _concentration(c)),
                ("HHI", _hhi(c)),
                ("Tiers", " · ".join(f"{escape(t)} {n}" for t, n in figures.tiers.items())),
                (
                    "Matrix",
                    " · ".join(
                        f"{escape(q.replace('_', ' '))} {n}" for q, n in figures.quadrants.items()
                    ),
                ),
                (
                    "Health",
                    f"{BAND_EMOJI['red']} {bands.get('red', 0)} · "
                    f"{BAND_EMOJI['yellow']} {bands.get('yellow', 0)} · "
                    f"{BAND_EMOJI['green']} {bands.get('green', 0)}",
                ),
            ]
        )
        or section("No figures."),
        context(f"Forecast, next 12 months: {escape(forecast_line(figures.forecast))}"),
    ]
    warnings = [f.message for f in c.flags] + [w.message for w in figures.capacity_warnings]
    if figures.over_capacity.accounts:
        warnings.append(figures.over_capacity.message)
    if warnings:
        blocks.append(section("\n".join(f":warning: {safe(w, 300)}" for w in warnings[:10])))
    if shareable:
        blocks.append(ActionsBlock(elements=[button("Share in channel", ids.SHARE_PORTFOLIO)]))
    if shared_by:
        blocks.append(context(f"Shared by <@{escape(shared_by)}> from kam"))
    return blocks


def team_summary_blocks(summary: TeamSummary, *, week_ending: datetime) -> list[Block]:
    """The weekly team summary: concentration, accounts slipping to red, promises kept.

    ``week_ending`` is the summary's moment in the team's time zone.
    """
    c = summary.figures.concentration
    slipping = summary.slipping
    blocks: list[Block] = [
        header(f"kam weekly: week to {week_ending:%d %B}"),
        section(f"*Concentration* {_concentration(c)} · HHI {_hhi(c)}"),
    ]
    flags = [f.message for f in c.flags]
    if flags:
        blocks.append(section("\n".join(f":warning: {safe(f, 300)}" for f in flags)))
    lines = [
        f"{BAND_EMOJI['red']} *{safe(a.name, 150)}* health {a.health:.0f} (was {a.previous:.0f})"
        + (f" · {safe(a.owner, 100)}" if a.owner else "")
        for a in slipping[:20]
    ]
    blocks.append(
        section(
            f"*Slipping to red this week ({len(slipping)})*\n"
            + ("\n".join(lines) if lines else "None. :tada:")
        )
    )
    blocks.append(
        section(
            f"*Promises kept* {summary.kept} this week, {summary.kept_on_time} on time. "
            f"{summary.still_overdue} still overdue."
        )
    )
    return within_message_limit(blocks)


def _open_items(
    title: str, texts: list[str], accounts: list[str], empty: str, limit: int = 20
) -> list[Block]:
    """A titled App Home list of open items (account: what), the first ``limit`` shown."""
    shown = zip(accounts[:limit], texts[:limit], strict=True)
    lines = [f"• *{safe(account, 150)}*: {text}" for account, text in shown]
    blocks: list[Block] = [divider(), header(title), section("\n".join(lines) if lines else empty)]
    if len(texts) > limit:
        blocks.append(context(f"…and {len(texts) - limit} more."))
    return blocks


def audit_blocks(lines: Sequence[AuditLine], title: str) -> list[Block]:
    """The audit trail, newest first: when, who, what, which record, which fields."""
    shown = [
        f"{line.at:%Y-%m-%d %H:%M} UTC · {safe(line.actor, 120)} · {escape(line.action)} "
        f"{escape(line.record)}"
        + (f" · {escape(', '.join(line.shown_changes)[:300])}" if line.shown_changes else "")
        for line in lines
    ]
    blocks = titled_list(title, shown, empty="Nothing was changed here yet.")
    if shown:
        blocks.append(context("`kam audit ACCOUNT --limit N` shows more, and `--json` all of it."))
    return blocks
