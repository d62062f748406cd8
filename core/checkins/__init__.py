"""The check-in engine: what is due, for whom, in what order, and each reminder
delivered exactly once.

The seven habits of key account management become reminder kinds derived from
the data at a given ``now`` (:mod:`.derive`); the reminder table keeps only
what happened to each occurrence (claimed, sent, snoozed, done, dismissed).
Delivery goes through the :class:`Notifier` port, which the Slack bot and the
console implement.
"""

from core.checkins.config import CheckinConfig, load_checkin_config
from core.checkins.delivery import (
    ConsoleNotifier,
    Delivery,
    DeliveryLookup,
    Notifier,
    NotifierUnusable,
    TransientDeliveryError,
    UncertainDeliveryError,
    render_item,
)
from core.checkins.digest import due_digests
from core.checkins.due import as_shown, due_items
from core.checkins.items import DueItem
from core.checkins.keys import ReminderKey, digest_key
from core.checkins.kind import Kind
from core.checkins.kinds import KINDS, kind_named
from core.checkins.resolve import resolve_after_interaction
from core.checkins.sweeper import LEASE, SweepReport, send_digests, sweep
from core.checkins.urgency import band_label, in_order, is_urgent

__all__ = [
    "KINDS",
    "LEASE",
    "CheckinConfig",
    "ConsoleNotifier",
    "Delivery",
    "DeliveryLookup",
    "DueItem",
    "Kind",
    "Notifier",
    "NotifierUnusable",
    "ReminderKey",
    "SweepReport",
    "TransientDeliveryError",
    "UncertainDeliveryError",
    "as_shown",
    "band_label",
    "digest_key",
    "due_digests",
    "due_items",
    "in_order",
    "is_urgent",
    "kind_named",
    "load_checkin_config",
    "render_item",
    "resolve_after_interaction",
    "send_digests",
    "sweep",
]
