"""Programs and memberships: create, edit, list, invite."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.accounts.service import get_or_create_user
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record as audit
from mentorloom.errors import Conflict
from mentorloom.i18n import gettext as _
from mentorloom.permissions import visible_programs
from mentorloom.profiles.models import Profile
from mentorloom.programs.mails import queue_invitations
from mentorloom.programs.models import Membership, Program, Role, role_label
from mentorloom.programs.schemas import ProgramIn, ProgramSettings


def program_settings(program: Program) -> ProgramSettings:
    return ProgramSettings.model_validate(program.settings or {})


def create_program(session: Session, data: ProgramIn, *, coordinator: User | None = None) -> Program:
    """Create a program; the creator (if given) becomes its first coordinator."""
    program = Program(**data.model_dump(exclude={"settings"}), settings=data.settings.model_dump(mode="json"))
    session.add(program)
    session.flush()
    audit(
        session,
        AuditAction.PROGRAM_CREATED,
        actor=coordinator,
        target_type="program",
        target_id=program.id,
        program_id=program.id,
    )
    if coordinator is not None:
        add_member(session, program, coordinator, Role.COORDINATOR, actor=coordinator)
    return program


def update_program(session: Session, program: Program, data: ProgramIn, *, actor: User | None = None) -> Program:
    """Save a program's fields and settings; the audit log names what changed (names only, no values)."""
    before = {**_program_fields(program), **{f"settings.{k}": v for k, v in (program.settings or {}).items()}}
    for key, value in data.model_dump(exclude={"settings"}).items():
        setattr(program, key, value)
    program.settings = data.settings.model_dump(mode="json")
    session.flush()
    after = {**_program_fields(program), **{f"settings.{k}": v for k, v in program.settings.items()}}
    changed = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    if changed:
        audit(
            session,
            AuditAction.PROGRAM_SETTINGS_CHANGED,
            actor=actor,
            target_type="program",
            target_id=program.id,
            program_id=program.id,
            detail={"changed": changed},
        )
    return program


def _program_fields(program: Program) -> dict[str, object]:
    return {key: getattr(program, key) for key in ProgramIn.model_fields if key != "settings"}


def list_programs(session: Session, user: User) -> list[Program]:
    return list(session.scalars(visible_programs(user).order_by(Program.name)))


def add_member(session: Session, program: Program, user: User, role: Role, *, actor: User | None = None) -> Membership:
    """Give a person a role in a program; mentors and mentees get an empty profile."""
    existing = session.scalar(
        select(Membership).where(Membership.program_id == program.id, Membership.user_id == user.id)
    )
    if existing is not None:
        if existing.role != role:
            raise Conflict(
                _(
                    "%(email)s already takes part in this program as %(role)s.",
                    email=user.email,
                    role=role_label(existing.role),
                ),
                field="email",
            )
        return existing
    membership = Membership(program_id=program.id, user_id=user.id, role=role)
    session.add(membership)
    session.flush()
    audit(
        session,
        AuditAction.ROLE_CHANGED,
        actor=actor,
        target_type="membership",
        target_id=membership.id,
        program_id=program.id,
        detail={"user_id": user.id, "from": None, "to": role.value},
    )
    if role is not Role.COORDINATOR:
        session.add(Profile(membership_id=membership.id, capacity=1 if role is Role.MENTOR else 0))
        session.flush()
    return membership


def invite(
    session: Session, program: Program, *, email: str, name: str, role: Role, actor: User | None = None
) -> Membership:
    """Add someone by e-mail and put their invitation in the outbox (sent once the caller commits)."""
    user = get_or_create_user(session, email=email, display_name=name)
    membership = add_member(session, program, user, role, actor=actor)
    queue_invitations(session, [membership])
    _audit_invitations(session, [membership], actor)
    return membership


def invite_pending(session: Session, program_id: int, *, actor: User | None = None) -> list[Membership]:
    """Invite every member who has not set a password yet (e.g. after an import); returns them."""
    pending = uninvited_memberships(session, program_id)
    queue_invitations(session, pending)
    _audit_invitations(session, pending, actor)
    return pending


def _audit_invitations(session: Session, memberships: list[Membership], actor: User | None) -> None:
    for membership in memberships:
        audit(
            session,
            AuditAction.INVITATION_SENT,
            actor=actor,
            target_type="membership",
            target_id=membership.id,
            program_id=membership.program_id,
            detail={"user_id": membership.user_id, "role": membership.role.value},
        )


def member_counts(session: Session, program_id: int) -> dict[Role, int]:
    rows = session.execute(
        select(Membership.role, func.count()).where(Membership.program_id == program_id).group_by(Membership.role)
    )
    counts = {role: 0 for role in Role}
    counts.update({role: n for role, n in rows})
    return counts


def uninvited_memberships(session: Session, program_id: int) -> list[Membership]:
    """Members who have not set a password yet (e.g. imported from CSV): they still need an invitation."""
    return list(
        session.scalars(
            select(Membership)
            .join(User)
            .where(Membership.program_id == program_id, User.password_hash.is_(None))
            .order_by(Membership.id)
        )
    )
