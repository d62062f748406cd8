"""Every action_id and callback_id the bot sends and listens for, in one place.

Slack echoes these strings back in interaction payloads, so a listener and the
block that triggers it must agree; keeping them here makes that agreement one
import instead of two string literals.
"""

from __future__ import annotations

import re

COMMAND = "/kam"

# Buttons on command replies
DID_YOU_MEAN = "kam_did_you_mean"
SHARE_CARD = "kam_share_card"
SHARE_PORTFOLIO = "kam_share_portfolio"
CARD_LOG = "kam_card_log"
THANKS_SENT = "kam_thanks_sent"
RUN = "kam_run"
"""A button (or a menu's option) whose value is a ``/kam`` command, run for whoever clicks:
"Add an objective" on a plan, "Done" on an action, an outcome on a request. Its
action id carries a suffix, unique in its message (``kam_run:done:12``); the reply takes
the message's place."""
RUN_BESIDE = "kam_run_beside"
"""As :data:`RUN`, the reply coming beside the message (the card's "Account plan")."""

# Buttons on reminders (DMs and App Home)
REMINDER_LOG = "kam_reminder_log"
REMINDER_SNOOZE = "kam_reminder_snooze"
REMINDER_DONE = "kam_reminder_done"
REMINDER_OPEN = "kam_reminder_open"
SNOOZE_CHOICES: dict[str, str] = {"1d": "1 day", "3d": "3 days", "1w": "1 week"}
REMINDER_MENU = "kam_reminder_menu"
DUE_PAGE = "kam_due_page"

# App Home
HOME_PAGE = "kam_home_page"
HOME_REFRESH = "kam_home_refresh"
HOME_VIEW = "kam_home"
CAPTURE_IGNORE = "kam_capture_ignore"
"""App Home: leave someone kam could not place out of the review queue."""
CAPTURE_PLACE = "kam_capture_place"
"""App Home: make someone kam could not place a contact of an account (opens a form)."""

# Modals
LOG_MODAL = "kam_log_modal"
CONTACT_MODAL = "kam_contact_modal"
PROFILE_MODAL = "kam_profile_modal"
PLACE_MODAL = "kam_place_modal"

# Shortcuts (callback ids, as in manifest.json)
LOG_MESSAGE_SHORTCUT = "kam_log_message"

# Type-ahead pickers (external selects): their options are answered by kambot.pickers
PICK_ACCOUNT = "kam_pick_account"
PICK_CONTACT = "kam_pick_contact"

REVIEW_MODAL = "kam_review_modal"
REQUEST_MODAL = "kam_request_modal"
OBJECTIVE_MODAL = "kam_objective_modal"
ACTION_MODAL = "kam_action_modal"
RISK_MODAL = "kam_risk_modal"
GOAL_MODAL = "kam_goal_modal"

# Inputs in the review modal: (block_id, action_id)
REVIEW_WITH = ("review_with", "with")
REVIEW_ON = ("review_on", "on")
REVIEW_PROGRESS = ("review_progress", "progress")
REVIEW_NOTES = ("review_notes", "notes")
REVIEW_NEXT = ("review_next", "next")

# Inputs in the request, plan and goal modals: (block_id, action_id)
REQUEST_WHAT = ("request_what", "what")
REQUEST_ALTERNATIVES = ("request_alternatives", "alternatives")
REQUEST_OUTCOME = ("request_outcome", "outcome")
OBJECTIVE_METRIC = ("objective_metric", "metric")
OBJECTIVE_TARGET = ("objective_target", "target")
OBJECTIVE_DUE = ("objective_due", "due")
ACTION_WHAT = ("action_what", "what")
ACTION_OWNER = ("action_owner", "owner")
ACTION_DUE = ("action_due", "due")
RISK_WHAT = ("risk_what", "what")
RISK_MITIGATION = ("risk_mitigation", "mitigation")
GOAL_METRIC = ("goal_metric", "metric")
GOAL_TARGET = ("goal_target", "target")
GOAL_SCOPE = ("goal_scope", "scope")
GOAL_OF = ("goal_of", "of")
GOAL_PERIOD = ("goal_period", "period")

# Inputs in the log modal: (block_id, action_id)
LOG_ACCOUNT = ("log_account", "kam_pick_account")
LOG_KIND = ("log_kind", "kind")
LOG_CONTACT = ("log_contact", "kam_pick_contact")
LOG_SUMMARY = ("log_summary", "summary")
LOG_SENTIMENT = ("log_sentiment", "sentiment")
LOG_WHEN = ("log_when", "when")

# Every action id that carries a suffix (e.g. one snooze button per choice)
# is matched by prefix with one of these patterns.
REMINDER_SNOOZE_ANY = re.compile(rf"^{REMINDER_SNOOZE}(:.*)?$")
RUN_ANY = re.compile(rf"^{RUN}(:.*)?$")
RUN_BESIDE_ANY = re.compile(rf"^{RUN_BESIDE}(:.*)?$")
DID_YOU_MEAN_ANY = re.compile(rf"^{DID_YOU_MEAN}(:.*)?$")
HOME_PAGE_ANY = re.compile(rf"^{HOME_PAGE}(:.*)?$")
DUE_PAGE_ANY = re.compile(rf"^{DUE_PAGE}(:.*)?$")
