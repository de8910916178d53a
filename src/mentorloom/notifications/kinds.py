"""The kinds of notification: what a person can be told about, and how it is mailed by default.

Each domain registers its own kinds with `register_kind` at import time (in the module that calls `notify`) and
names that module in `KIND_MODULES`, so the preferences page lists every kind even in a process that has not
sent anything yet.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from mentorloom.i18n import gettext
from mentorloom.notifications.models import DeliveryMode

# Modules that register kinds; `all_kinds` imports them (as the job registry imports the task modules).
KIND_MODULES = (
    "mentorloom.accounts.mails",
    "mentorloom.programs.mails",
    "mentorloom.matching.mails",
    "mentorloom.mentorships.mails",
    "mentorloom.meetings.notices",
    "mentorloom.engagement.milestones",
    "mentorloom.engagement.kudos",
    "mentorloom.engagement.reflections",
    "mentorloom.engagement.resources",
    "mentorloom.engagement.events",
    "mentorloom.engagement.messages",
    "mentorloom.health.pulse",
    "mentorloom.health.inactivity",
    "mentorloom.health.dashboard",
)


@dataclass(frozen=True)
class Kind:
    """One kind of event; `label` is marked with N_ and translated where it is shown."""

    name: str
    label: str
    template: str  # the mail template under templates/mail/
    default: DeliveryMode = DeliveryMode.IMMEDIATELY
    # Security mails (password reset, invitation) always go out at once: nobody may lock themselves out.
    security: bool = False

    @property
    def title(self) -> str:
        return gettext(self.label)


KINDS: dict[str, Kind] = {}


def register_kind(
    name: str,
    label: str,
    *,
    template: str | None = None,
    default: DeliveryMode = DeliveryMode.IMMEDIATELY,
    security: bool = False,
) -> Kind:
    """Register a kind (its mail template defaults to its name); registering it again with the same data is fine."""
    if len(name) > 40:
        raise ValueError(f"notification kind {name!r}: at most 40 characters")
    kind = Kind(name, label, template or name, DeliveryMode.IMMEDIATELY if security else default, security)
    known = KINDS.setdefault(name, kind)
    if known != kind:
        raise ValueError(f"notification kind {name!r} is registered twice with different settings")
    return kind


def get_kind(name: str) -> Kind:
    """The registered kind; an unknown name is a programming error and says which name."""
    try:
        return KINDS.get(name) or _load_all()[name]
    except KeyError:
        raise LookupError(f"unknown notification kind {name!r}: register it with register_kind") from None


def all_kinds() -> list[Kind]:
    """Every kind of the product, security kinds last, otherwise by name (for the preferences page and API)."""
    return sorted(_load_all().values(), key=lambda kind: (kind.security, kind.name))


def _load_all() -> dict[str, Kind]:
    for module in KIND_MODULES:
        importlib.import_module(module)
    return KINDS
