"""Every reminder kind, registered in one list: one module per kind, each a :class:`Kind`.

The order is the order a sweep reads them in: the slowest (check-ins) first, so
on PostgreSQL, where two kinds are read at once, the others fill in beside it.
To add a kind, write its module (see :mod:`core.checkins.kind` for what it
declares, and any module here for an example) and add it to :data:`KINDS`.
"""

from __future__ import annotations

from types import MappingProxyType

from core.checkins.kind import Kind
from core.checkins.kinds import (
    account_review,
    check_in,
    commitment,
    health_drop,
    notice,
    onboarding,
    personal_connect,
    thank_you,
)

KINDS: tuple[Kind, ...] = (
    check_in.KIND,
    commitment.KIND,
    notice.KIND,
    thank_you.KIND,
    personal_connect.KIND,
    account_review.KIND,
    onboarding.KIND,
    health_drop.KIND,
)

_BY_NAME = MappingProxyType({kind.name: kind for kind in KINDS})


def kind_named(name: str) -> Kind:
    """The kind stored under ``name``; KeyError for a kind this kam does not have."""
    return _BY_NAME[name]


__all__ = ["KINDS", "Kind", "kind_named"]
