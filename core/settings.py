"""Configuration, read once from the environment or a ``.env`` file.

Every variable is documented in ``.env.example``. Slack tokens are kept as
secrets so that they never appear in a repr, a log line or an error.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.masking import remember

PLACEHOLDER_MARKERS = ("changeme", "your-", "xoxb-...", "xapp-...", "replace-me")


def default_database_url() -> str:
    """The embedded SQLite file in the user's data directory."""
    path = user_data_path("kam", appauthor=False) / "kam.db"
    return f"sqlite:///{path}"


class Settings(BaseSettings):
    """Everything kam reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    kam_database_url: str = Field(default_factory=default_database_url)
    kam_timezone: str = "UTC"
    kam_team_channel: str | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    kam_mail_host: str | None = None
    kam_mail_port: int = 993
    kam_mail_tls: bool = True
    kam_mail_user: str | None = None
    kam_mail_password: SecretStr | None = None
    kam_calendar_url: str | None = None
    kam_calendar_user: str | None = None
    kam_calendar_password: SecretStr | None = None

    kam_log_max_bytes: int = Field(default=1_000_000, ge=10_000)
    kam_log_backups: int = Field(default=3, ge=1, le=100)

    def model_post_init(self, _context: object) -> None:
        """The Slack secrets of this configuration are masked in every message and log
        line from now on (:mod:`core.masking`; a database URL's password is masked by
        its place in the URL)."""
        secrets = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token)
        remember(*(s.get_secret_value() for s in secrets if s is not None))

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "kam_mail_password",
        "kam_calendar_password",
        mode="before",
    )
    @classmethod
    def _reject_placeholders(cls, value: object) -> object:
        """An unset or placeholder secret counts as absent, never as a credential."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and any(m in value.lower() for m in PLACEHOLDER_MARKERS):
            raise ValueError("is still the placeholder from .env.example; set the real value")
        return value

    @field_validator("kam_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from core.clock import zone

        zone(value)
        return value

    @property
    def slack_configured(self) -> bool:
        """True when the bot has what it needs to post to Slack."""
        return self.slack_bot_token is not None

    def sqlite_path(self) -> Path | None:
        """The SQLite file behind the database URL, if it is one."""
        prefix = "sqlite:///"
        url = self.kam_database_url
        if url.startswith(prefix) and url != "sqlite://" and ":memory:" not in url:
            return Path(url[len(prefix) :])
        return None
