"""What the edges call: a person's export (audited) and erasure by an administrator."""

from __future__ import annotations

from jinja2 import Environment
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record
from mentorloom.errors import NotFound
from mentorloom.i18n import gettext as _
from mentorloom.permissions import require_admin
from mentorloom.privacy.erasure import Erasure, erase_person
from mentorloom.privacy.export import collect
from mentorloom.privacy.export_files import build_zip


def export_zip(session: Session, env: Environment, user: User) -> bytes:
    """The person's own data as a zip (JSON and a readable page); every export is audited."""
    data = collect(session, user)
    record(session, AuditAction.DATA_EXPORTED, actor=user, target_type="user", target_id=user.id)
    return build_zip(env, data)


def person_for_admin(session: Session, admin: User, user_id: int) -> User:
    """A person an instance administrator may erase (anyone: erasure is instance-wide)."""
    require_admin(admin)
    person = session.get(User, user_id)
    if person is None:
        raise NotFound(_("Person not found."))
    return person


def erase(session: Session, admin: User, user_id: int) -> Erasure:
    """Erase a person on an administrator's request (see privacy.erasure)."""
    return erase_person(session, person_for_admin(session, admin, user_id), by=admin)
