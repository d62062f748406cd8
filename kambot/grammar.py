"""How people write ``/kam`` commands, read into a :class:`Parsed` command.

Pure text handling, no database: the listener resolves the account afterwards.
The account is whatever comes first: a quoted name (``"Kan-code"``), a name
ended by a colon (``Kan-code: called about the renewal``), or, without either,
the longest run of words that names an account. Options (``--kind meeting``)
may appear anywhere. People type apostrophes in prose, so only double quotes
(straight or curly) group words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import process

from core.errors import KamError
from core.services.profile import PROFILE


@dataclass(frozen=True)
class Spec:
    """One subcommand: its options, and how it is written (for help and errors)."""

    usage: str
    summary: str
    options: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    example: str = ""
    verbs: tuple[str, ...] = ()
    """For a command with verbs (``contact add``): the word that must come first."""


SPECS: dict[str, Spec] = {
    "help": Spec("help [COMMAND]", "what kam can do, or how one command is written"),
    "due": Spec(
        "due [team]",
        "what is due for you, most urgent first (managers: `due team`)",
        options=("page",),
        example="due",
    ),
    "list": Spec(
        "list [all] [--tier T] [--owner EMAIL]",
        "your accounts (or everyone's), largest revenue first",
        options=("tier", "owner"),
        example="list --tier key",
    ),
    "show": Spec(
        "show ACCOUNT", "one account card; close spellings are found", example="show kan code"
    ),
    "log": Spec(
        "log ACCOUNT: SUMMARY [--kind K] [--at WHEN] [--contact NAME] [--sentiment S]",
        "log a call, meeting or note (no text opens a form)",
        options=("kind", "at", "contact", "sentiment"),
        example='log Kan-code: called about the renewal --at "yesterday 3pm"',
    ),
    "promise": Spec(
        "promise ACCOUNT: WHAT by WHEN [--to NAME]",
        "a promise made to the customer, tracked until kept",
        options=("by", "to"),
        example="promise Kan-code: send the new price list by next friday",
    ),
    "notice": Spec(
        "notice ACCOUNT: WHAT by WHEN [--kind K] [--alternatives TEXT]",
        "bad news the customer must hear from us by a date",
        options=("by", "kind", "alternatives"),
        example="notice Kan-code: prices rise 4% by 2026-03-01 --kind price_change",
    ),
    "order": Spec(
        "order ACCOUNT: WHAT [--amount N]  ·  order ACCOUNT --completed | --problem TEXT",
        "record an order, or mark the latest one completed or in trouble",
        options=("amount", "problem"),
        flags=("completed",),
        example="order Kan-code: 40 GTK 500 units --amount 19600",
    ),
    "thanks": Spec(
        "thanks ACCOUNT[: WHAT YOU SAID]",
        "see the drafted thank-you, or log the one you sent",
        example="thanks Kan-code: thanked Ana for the quick sign-off",
    ),
    "snooze": Spec(
        "snooze ACCOUNT WHEN",
        "put off what is due on an account",
        options=("until",),
        example='snooze Kan-code "next monday"',
    ),
    "hours": Spec(
        "hours [HH:MM-HH:MM] [--days DAYS] [--zone ZONE]",
        "your working hours: your digest comes at their start, nothing reaches you outside",
        options=("days", "zone"),
        example="hours 08:30-16:30 --days mon-fri --zone Europe/Oslo",
    ),
    "score": Spec(
        "score [ACCOUNT]",
        "scores, tier and quadrant (one account: with the breakdown)",
        example="score Kan-code",
    ),
    "users": Spec(
        "users edit|deactivate EMAIL [--name N] [--email E] [--role am|manager|admin] "
        "[--manager EMAIL] [--team T] [--timezone ZONE]",
        "change or deactivate a person (admins; managers for their team)",
        options=("name", "email", "role", "manager", "team", "timezone"),
        example="users edit ola@example.com --team North",
        verbs=("edit", "deactivate"),
    ),
    "audit": Spec(
        "audit [ACCOUNT]",
        "who changed what and when, newest first (the whole trail: managers and admins)",
        example="audit Kan-code",
    ),
    "portfolio": Spec(
        "portfolio", "concentration, tiers and the portfolio matrix", example="portfolio"
    ),
    "channel": Spec(
        "channel link ACCOUNT",
        "typed in a channel shared with the customer: its messages count as touches",
        example="channel link Kan-code",
    ),
    "place": Spec(
        "place ADDRESS ACCOUNT",
        "make someone kam saw in mail or a meeting a contact of an account",
        example="place ana@kancode.example Kan-code",
    ),
    "feedback": Spec(
        "feedback ACCOUNT [--csat 1-5] [--nps 0-10] [--expectation E][: COMMENT]",
        "how the customer rates us",
        options=("csat", "nps", "expectation", "contact"),
        example="feedback Kan-code --csat 4 --expectation exceeded: loved the onboarding",
    ),
    "contact": Spec(
        "contact add|edit|retire|list ACCOUNT: NAME [--title T] [--email E] [--phone P] "
        "[--role R] [--reports-to NAME] [--name NEW]",
        "the people at a customer: role in the buying centre, reporting line "
        "(`contact add` alone opens a form)",
        options=("title", "email", "phone", "role", "reports-to", "name"),
        example="contact add Kan-code: Ingrid Berg --title CFO --role decision_maker",
        verbs=("add", "edit", "retire", "list"),
    ),
    "fact": Spec(
        "fact add|edit|remove ACCOUNT: KIND TEXT --contact NAME",
        "personal facts: hometown, team, interests, family, birthday (YYYY-MM-DD), note",
        options=("contact",),
        example="fact add Kan-code: hometown Bergen --contact Ingrid",
        verbs=("add", "edit", "remove"),
    ),
    "account": Spec(
        "account set ACCOUNT [--stage 1-5] [--health 1-5] [--influence 1-5] [--spend N] "
        "[--cost-to-serve N] [--margin P] [--tier T --reason WHY] [--values …] "
        "[--difficulties …] [--buying …] [--suppliers …] [--plans …] "
        "[--replacement-cost N] [--replacement-months N]",
        "the account profile (no options opens a form)",
        options=tuple(f.option for f in PROFILE.values()),
        example="account set Kan-code --stage 3 --health 4",
        verbs=("set",),
    ),
    "request": Spec(
        "request ACCOUNT[: WHAT] [--alternatives TEXT] [--outcome O]  ·  request list [ACCOUNT]"
        "  ·  request outcome ID OUTCOME [--alternatives TEXT]  ·  request gaps",
        "what a customer asked for that we do not offer, and what we offered (the account "
        "alone opens a form); `list` with their outcomes, `gaps`: the most asked for",
        options=("alternatives", "outcome"),
        example="request Kan-code: a blue model --alternatives offered teal",
    ),
    "goal": Spec(
        "goal [add] [METRIC TARGET] [--scope team|tier|account] [--of REF] [--period P]  ·  "
        "goal edit ID [--metric M] [--target T] [--scope S] [--of REF] [--period P]  ·  "
        "goal remove ID",
        "set a goal (`goal add` alone opens a form; no words: list the goals), change or "
        "remove one",
        options=("scope", "of", "period", "metric", "target"),
        example="goal csat 4.5 --scope tier --of key --period 2026",
    ),
    "plan": Spec(
        "plan ACCOUNT  ·  plan done ACCOUNT ID  ·  plan remove ACCOUNT objective|action|risk ID",
        "a strategic or key account's plan, buying centre, last review and scorecard; "
        "`done` marks one of its actions done, `remove` takes a part out",
        example="plan Kan-code",
    ),
    "objective": Spec(
        "objective ACCOUNT[: METRIC TARGET by WHEN]",
        "add an objective to the account's plan (the account alone opens a form)",
        options=("by",),
        example="objective Kan-code: csat 4.5 by 2027-03-31",
    ),
    "action": Spec(
        "action ACCOUNT[: WHAT by WHEN] [--owner EMAIL]",
        "add an action to the account's plan (the account alone opens a form)",
        options=("by", "owner"),
        example="action Kan-code: meet the new CFO by next friday",
    ),
    "risk": Spec(
        "risk ACCOUNT[: WHAT] [--mitigation TEXT]",
        "add a risk to the account's plan (the account alone opens a form)",
        options=("mitigation",),
        example="risk Kan-code: a rival's bid --mitigation three-year terms",
    ),
    "review": Spec(
        "review ACCOUNT --with WHO [--progress TEXT] [--next TEXT] [--on DAY][: NOTES]",
        "record the quarterly account review (it clears the review reminder)",
        options=("with", "progress", "next", "on"),
        example='review Kan-code --with "Ana, their CFO" --progress "2 of 3 done": went well',
    ),
}

QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
OPTION = re.compile(r"^--([a-z][a-z-]*)(?:=(.*))?$", re.IGNORECASE)
SEPARATOR = re.compile(r":(\s|$)")


@dataclass(frozen=True)
class Token:
    value: str
    start: int
    end: int
    quoted: bool


@dataclass(frozen=True)
class Parsed:
    """A command as typed: its name, the account part, the free text and the options."""

    name: str
    account: str | None = None
    """The account name when it was marked (quoted, or ended by a colon)."""
    text: str = ""
    """Everything after the account (or all of it when the account was not marked)."""
    words: tuple[str, ...] = ()
    """The words of ``text`` when the account was not marked, to find the account in."""
    options: dict[str, str | bool] = field(default_factory=dict)
    verb: str = ""
    """The verb of a command that has them (``add`` in ``contact add``)."""

    @property
    def marked(self) -> bool:
        return self.account is not None

    def option(self, name: str) -> str | None:
        value = self.options.get(name)
        return value if isinstance(value, str) else None


def tokens(raw: str) -> list[Token]:
    """Words and double-quoted phrases, with where they sit in ``raw``."""
    out = []
    for match in TOKEN.finditer(raw):
        quoted = match.group(1) is not None
        value = match.group(1) if quoted else match.group(2)
        out.append(Token(value or "", match.start(), match.end(), quoted))
    return out


def _without(raw: str, spans: list[tuple[int, int]]) -> str:
    """``raw`` with the option spans cut out and the white space tidied."""
    pieces, last = [], 0
    for start, end in sorted(spans):
        if start > last:
            pieces.append(raw[last:start])
        last = max(last, end)
    pieces.append(raw[last:])
    return re.sub(r"[ \t]{2,}", " ", "".join(pieces)).strip()


def _before_colon(tok: Token) -> Token:
    """``exceeded:`` as a value ends the options: the colon stays behind as the separator."""
    if tok.quoted or not tok.value.endswith(":") or len(tok.value) < 2:
        return tok
    return Token(tok.value[:-1], tok.start, tok.end - 1, tok.quoted)


def unknown_command(name: str) -> KamError:
    """The error for a subcommand kam does not have, with the nearest one."""
    near = process.extractOne(name, list(SPECS), score_cutoff=60)
    hint = f" Did you mean `/kam {near[0]}`?" if near else ""
    return KamError(f"kam has no command {name!r}.{hint} `/kam help` lists them all.")


def parse(raw: str) -> Parsed:
    """Read ``/kam`` text; unknown commands and options raise a KamError that says what to type."""
    text = (raw or "").translate(QUOTES).strip()
    if not text:
        return Parsed("help")
    head, _, rest = text.partition(" ")
    name = head.lower()
    if name in ("?", "-h", "--help"):
        name = "help"
    spec = SPECS.get(name)
    if spec is None:
        raise unknown_command(head)
    rest = rest.strip()
    verb = ""
    if spec.verbs:
        verb, _, rest = rest.partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb not in spec.verbs:
            raise KamError(
                f"`/kam {name}` takes {' or '.join(spec.verbs)} first, e.g. `/kam {spec.example}`."
            )
    options: dict[str, str | bool] = {}
    spans: list[tuple[int, int]] = []
    words: list[Token] = []
    toks = tokens(rest)
    i = 0
    while i < len(toks):
        tok = toks[i]
        tok = _before_colon(tok) if tok.value.startswith("--") else tok
        match = None if tok.quoted else OPTION.match(tok.value)
        if match is None:
            words.append(tok)
            i += 1
            continue
        option = match.group(1).lower()
        if option in spec.flags:
            options[option] = True
            spans.append((tok.start, tok.end))
            i += 1
            continue
        if option not in spec.options:
            allowed = ", ".join(f"--{o}" for o in (*spec.options, *spec.flags)) or "none"
            raise KamError(
                f"`/kam {name}` has no option --{option} (its options: {allowed}). "
                f"Write it as: `/kam {spec.usage}`."
            )
        if match.group(2) is not None:
            value, end = match.group(2), tok.end
        elif i + 1 < len(toks):
            following = _before_colon(toks[i + 1])
            value, end = following.value, following.end
            i += 1
        else:
            raise KamError(f"--{option} needs a value, e.g. `/kam {spec.example or spec.usage}`.")
        if not value.strip():
            raise KamError(f"--{option} is empty; give it a value.")
        options[option] = value.strip()
        spans.append((tok.start, end))
        i += 1
    remainder = _without(rest, spans)
    if words and words[0].quoted:
        first = words[0]
        after = _without(rest, [*spans, (0, first.end)])
        return Parsed(name, first.value.strip(), after.lstrip(":").strip(), (), options, verb)
    separator = SEPARATOR.search(remainder)
    if separator is not None:
        account = remainder[: separator.start()].strip()
        return Parsed(name, account, remainder[separator.end() :].strip(), (), options, verb)
    return Parsed(name, None, remainder, tuple(t.value for t in words), options, verb)
