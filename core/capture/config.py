"""What a team tells kam about capture: its ``[capture]`` table in ``kam.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import KamError
from core.scoring.config import default_path

FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "fastmail.com",
        "hey.com",
        "qq.com",
        "163.com",
    }
)
"""Domains anyone can have an address at: they never place a sender with an account."""


@dataclass(frozen=True)
class CaptureConfig:
    """How captured addresses are placed, and which folders are read."""

    folders: tuple[str, ...] = ("INBOX", "Sent")
    domains: dict[str, str] = field(default_factory=dict)
    """Domain → account name, beside the domains the account's contacts' addresses use."""
    free_mail: frozenset[str] = FREE_MAIL
    lookback_days: int = 30
    """How far back a first calendar read looks for meetings that took place."""
    lookahead_days: int = 30
    """How far ahead upcoming meetings are shown as planned."""
    store_body: bool = False
    """Keep the text of each captured e-mail on its interaction (off: headers only)."""


def load_capture_config(path: str | Path | None = None) -> CaptureConfig:
    """The ``[capture]`` table of ``kam.toml`` (found as for scoring), checked."""
    where = Path(path) if path is not None else default_path()
    if where is None or not where.exists():
        return CaptureConfig()
    try:
        table = tomllib.loads(where.read_text(encoding="utf-8")).get("capture", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise KamError(f"Cannot read the configuration file {where}: {exc}.") from exc
    return capture_config_from(table, source=str(where))


def capture_config_from(table: dict[str, Any], *, source: str = "kam.toml") -> CaptureConfig:
    """Validate a ``[capture]`` table; a mistake names the key and what it takes."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "folders" and _strings(value):
            out[key] = tuple(value)
        elif key == "free_mail" and _strings(value):
            out[key] = FREE_MAIL | {d.lower().strip() for d in value}
        elif key == "domains" and isinstance(value, dict) and _strings(list(value.values())):
            out[key] = {d.lower().strip(): name for d, name in value.items()}
        elif (key in ("lookback_days", "lookahead_days") and type(value) is int and value >= 0) or (
            key == "store_body" and isinstance(value, bool)
        ):
            out[key] = value
        else:
            raise KamError(
                f"{source}: [capture] {key} is not a setting kam knows or has the wrong type; "
                "it takes folders (list of names), free_mail (list of domains), domains "
                "(domain = account name), lookback_days and lookahead_days (whole numbers), "
                "store_body (true or false)."
            )
    return CaptureConfig(**out)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
