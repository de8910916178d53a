"""/api/v1/programs: programs the caller belongs to, and inviting people into them."""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.pagination import Page, paginate
from mentorloom.permissions import Action, program_for, require_admin, role_in, visible_programs
from mentorloom.programs import service
from mentorloom.programs.models import Program
from mentorloom.programs.schemas import InvitationIn, InvitationOut, MembershipOut, ProgramIn, ProgramOut
from mentorloom.web.api_common import PROBLEM_RESPONSES, ObjectId, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(prefix="/programs", tags=["programs"], responses=PROBLEM_RESPONSES)


def _out(session: DbSession, user: ApiUser, program: Program) -> ProgramOut:
    out = ProgramOut.model_validate(program)
    out.my_role = role_in(session, user, program.id)
    return out


@router.get("", response_model=Page[ProgramOut])
def list_programs(user: ApiUser, session: DbSession, page: PageNumber = 1, per_page: PerPage = 50) -> Page[ProgramOut]:
    programs = paginate(session, visible_programs(user), page, per_page, order_by=(Program.name, Program.id))
    return programs.as_page(lambda p: _out(session, user, p))


@router.post("", response_model=ProgramOut, status_code=201)
def create_program(body: ProgramIn, user: ApiUser, session: DbSession) -> ProgramOut:
    require_admin(user)
    return _out(session, user, service.create_program(session, body, coordinator=user))


@router.get("/{program_id}", response_model=ProgramOut)
def get_program(program_id: ObjectId, user: ApiUser, session: DbSession) -> ProgramOut:
    return _out(session, user, program_for(session, user, program_id))


@router.put("/{program_id}", response_model=ProgramOut)
def update_program(program_id: ObjectId, body: ProgramIn, user: ApiUser, session: DbSession) -> ProgramOut:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return _out(session, user, service.update_program(session, program, body, actor=user))


@router.post("/{program_id}/invitations", response_model=InvitationOut, status_code=201)
def invite(program_id: ObjectId, body: InvitationIn, user: ApiUser, session: DbSession) -> InvitationOut:
    """Add a person by e-mail and send them an invitation link (if they have no password yet).

    The answer is the same whether the address already has an account or not: what you sent, and the
    new membership's id (an existing account's name and state are the person's own business).
    """
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    membership = service.invite(session, program, email=body.email, name=body.name, role=body.role, actor=user)
    return InvitationOut(id=membership.id, email=membership.user.email, name=body.name, role=membership.role)


@router.post("/{program_id}/invitations/pending", response_model=list[MembershipOut])
def invite_pending(program_id: ObjectId, user: ApiUser, session: DbSession) -> list[MembershipOut]:
    """Send invitation mails to every member without a password yet (e.g. after a CSV import)."""
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    pending = service.invite_pending(session, program_id, actor=user)
    return [
        MembershipOut(
            id=m.id,
            user_id=m.user_id,
            email=m.user.email,
            name=m.user.display_name,
            role=m.role,
            invitation_pending=True,
        )
        for m in pending
    ]
