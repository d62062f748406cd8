"""The App Home tab of one person: the core's home read model, drawn as a view."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.views import View

from core.capture.review import unmatched_queue
from core.db import Session
from core.models import User
from core.views import app_home
from kambot import blocks as kb

HOME_PAGE = 15
"""Due items per page of the App Home tab."""


def home_view(user: User, *, session: Session, now: datetime, page: int = 0) -> View:
    """The App Home view for ``user`` at ``page`` of their due list."""
    home = app_home(user, session=session, now=now)
    pages = max(1, -(-len(home.items) // HOME_PAGE))
    return kb.home_view(
        name=user.name,
        home=home,
        page=min(max(page, 0), pages - 1),
        page_size=HOME_PAGE,
        unmatched=unmatched_queue(session=session, limit=8),
    )
