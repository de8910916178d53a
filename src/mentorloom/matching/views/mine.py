"""Participant pages: "my match" with offers to accept or decline, requests to a mentor, prefer/avoid lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mentorloom.accounts.models import User
from mentorloom.errors import Conflict, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.matching import mentor_requests, preferences, service
from mentorloom.matching.inputs import engaged_mentees, occupied_slots
from mentorloom.matching.models import MatchRun, PreferenceKind, ProposalStatus, RunStatus
from mentorloom.matching.models import Response as Answer
from mentorloom.matching.schemas import PreferencesIn
from mentorloom.matching.views.common import base_url, page_router, reason_phrases
from mentorloom.mentorships.models import OCCUPYING, Mentorship
from mentorloom.permissions import Action, can, may, own_membership, program_for, role_in
from mentorloom.profiles.models import Profile
from mentorloom.programs import service as programs
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, validation_messages
from mentorloom.web.pages import redirect, render

router = page_router()

# --- participants: my match ---------------------------------------------------------------------


def _participant(session: Session, user: User, program_id: ObjectId, role: Role | None = None) -> Membership:
    """The caller as a mentor or mentee of the program: coordinators are not matched (permissions.take_part)."""
    return own_membership(session, user, program_id, role)


def _offers(session: Session, user: User, program_id: ObjectId, me: Membership) -> list[dict[str, Any]]:
    side, other = ("mentee", "mentor") if me.role is Role.MENTEE else ("mentor", "mentee")
    return [
        {
            "proposal": p,
            "partner": getattr(p, other),
            "mine": getattr(p, f"{side}_response"),
            "theirs": getattr(p, f"{other}_response"),
            "explanation": reason_phrases(p.facts),
        }
        for p in service.offers_for(session, user, program_id)
    ]


def _partners(session: Session, me: Membership) -> list[Membership]:
    rows = session.scalars(
        select(Mentorship)
        .where((Mentorship.mentee_id == me.id) | (Mentorship.mentor_id == me.id), Mentorship.status.in_(OCCUPYING))
        .options(selectinload(Mentorship.mentor).selectinload(Membership.user))
        .options(selectinload(Mentorship.mentee).selectinload(Membership.user))
        .order_by(Mentorship.id)
    )
    return [m.mentor if m.mentee_id == me.id else m.mentee for m in rows]


def _mentee_context(session: Session, program: Program, me: Membership) -> dict[str, Any]:
    pending = mentor_requests.open_requests(session, me.id)
    engaged = me.id in engaged_mentees(session, program.id)
    shortlist = [] if engaged else mentor_requests.shortlist(session, program, me)
    return {
        "shortlist": [(c, reason_phrases(c.facts)) for c in shortlist],
        "open_requests": pending,
        "requested": {r.mentor_id for r in pending},
        "engaged": engaged,
    }


def _mentor_context(session: Session, program: Program, me: Membership) -> dict[str, Any]:
    profile = session.get(Profile, me.id)
    return {
        "incoming": mentor_requests.incoming_requests(session, me.id),
        "capacity": profile.capacity if profile else 0,
        "taken": occupied_slots(session, program.id).get(me.id, 0),
    }


def _preference_context(session: Session, me: Membership, posted: dict[int, str] | None) -> dict[str, Any]:
    other = Role.MENTOR if me.role is Role.MENTEE else Role.MENTEE
    people = session.execute(
        select(Membership, Profile.department)
        .join(User, Membership.user_id == User.id)
        .outerjoin(Profile, Profile.membership_id == Membership.id)
        .where(Membership.program_id == me.program_id, Membership.role == other)
        .options(selectinload(Membership.user))
        .order_by(func.lower(User.display_name))
    ).all()
    if posted is None:
        saved = preferences.preferences_of(session, me)
        posted = {i: kind.value for kind in (PreferenceKind.PREFER, PreferenceKind.AVOID) for i in saved[kind]}
    return {"people": people, "choices": posted}


def _mine(
    request: Request,
    session: Session,
    user: User,
    program: Program,
    me: Membership,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    values = values or {}
    published = session.scalar(
        select(MatchRun.id).where(MatchRun.program_id == program.id, MatchRun.status == RunStatus.PUBLISHED).limit(1)
    )
    context: dict[str, Any] = {
        "program": program,
        "me": me,
        "errors": errors or {},
        "values": values,
        "offers": _offers(session, user, program.id, me),
        "partners": _partners(session, me),
        "published": published is not None,
        "settings": programs.program_settings(program),
        **_preference_context(session, me, values.get("choices")),
    }
    context |= (
        _mentee_context(session, program, me) if me.role is Role.MENTEE else _mentor_context(session, program, me)
    )
    return render(request, "matching/mine.html", context, status_code=status_code)


def _mine_again(
    request: Request,
    session: Session,
    user: User,
    program_id: ObjectId,
    exc: Conflict | ValidationFailed,
    key: str,
    **values: Any,
) -> Response:
    """After a refused action: roll back and show the page again with the message at the form."""
    session.rollback()
    program = program_for(session, user, program_id)
    me = _participant(session, user, program_id)
    return _mine(
        request, session, user, program, me, errors={key: exc.detail}, values=values, status_code=exc.status_code
    )


@router.get("/programs/{program_id}/matching/mine", response_class=HTMLResponse)
def my_match(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id)
    if not can(Action.TAKE_PART, role_in(session, user, program_id)) and may(
        session, user, Action.MANAGE_PROGRAM, program_id
    ):
        return redirect(base_url(program_id))
    return _mine(request, session, user, program, _participant(session, user, program_id))


def _answer_offer(
    request: Request,
    session: Session,
    user: User,
    program_id: ObjectId,
    proposal_id: ObjectId,
    reason: str | None,
) -> Response:
    program_for(session, user, program_id)
    me = _participant(session, user, program_id)
    proposal = service.proposal_for(session, program_id, proposal_id)
    answer = Answer.ACCEPTED if reason is None else Answer.DECLINED
    try:
        offer = service.answer_offer(session, proposal, user, answer, reason or "")
    except (Conflict, ValidationFailed) as exc:
        key = f"reason-{proposal_id}" if isinstance(exc, ValidationFailed) else "__all__"
        return _mine_again(request, session, user, program_id, exc, key, **{f"reason-{proposal_id}": reason or ""})
    partner = (proposal.mentor if me.role is Role.MENTEE else proposal.mentee) or proposal.mentee
    name = partner.user.display_name
    if answer is Answer.ACCEPTED:
        flash = (
            _("You and %(name)s are now a mentoring pair. Have a great start!", name=name)
            if proposal.status is ProposalStatus.ACCEPTED
            else _("Thank you! The pair starts as soon as %(name)s accepts too.", name=name)
        )
        return redirect(f"{base_url(program_id)}/mine", flash=flash, request=request)
    if me.role is Role.MENTOR:
        flash = _("Thanks for telling us. We look for another mentor for %(name)s.", name=name)
    elif offer is not None and offer.mentor is not None:
        flash = _("Thanks for telling us. We suggest %(name)s instead.", name=offer.mentor.user.display_name)
    else:
        flash = _("Thanks for telling us. Your coordinator will look for a better match.")
    return redirect(f"{base_url(program_id)}/mine", flash=flash, request=request)


@router.post("/programs/{program_id}/matching/offers/{proposal_id}/accept")
def accept_offer(
    request: Request, program_id: ObjectId, proposal_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    return _answer_offer(request, session, user, program_id, proposal_id, None)


@router.post("/programs/{program_id}/matching/offers/{proposal_id}/decline")
def decline_offer(
    request: Request,
    program_id: ObjectId,
    proposal_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    reason: Annotated[str, Form()] = "",
) -> Response:
    return _answer_offer(request, session, user, program_id, proposal_id, reason)


@router.post("/programs/{program_id}/matching/requests")
def send_request(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    mentor_id: Annotated[int, Form()],
    message: Annotated[str, Form()] = "",
) -> Response:
    program = program_for(session, user, program_id)
    mentee = _participant(session, user, program_id, Role.MENTEE)
    try:
        sent = mentor_requests.send_request(session, program, mentee, mentor_id, message)
    except (Conflict, ValidationFailed) as exc:
        return _mine_again(
            request, session, user, program_id, exc, f"request-{mentor_id}", **{f"message-{mentor_id}": message}
        )
    flash = _(
        "Your request is on its way to %(name)s. You get an e-mail when they answer.",
        name=sent.mentor.user.display_name,
    )
    return redirect(f"{base_url(program_id)}/mine#requests", flash=flash, request=request)


@router.post("/programs/{program_id}/matching/requests/{request_id}/withdraw")
def withdraw_request(
    request: Request, program_id: ObjectId, request_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program_for(session, user, program_id)
    mentee = _participant(session, user, program_id, Role.MENTEE)
    sent = mentor_requests.request_for(session, program_id, request_id)
    try:
        mentor_requests.withdraw(session, sent, mentee)
    except Conflict as exc:
        return _mine_again(request, session, user, program_id, exc, "__all__")
    flash = _("Your request to %(name)s is withdrawn.", name=sent.mentor.user.display_name)
    return redirect(f"{base_url(program_id)}/mine#requests", flash=flash, request=request)


def _answer_request(
    request: Request,
    session: Session,
    user: User,
    program_id: ObjectId,
    request_id: ObjectId,
    accept: bool,
    note: str,
) -> Response:
    program_for(session, user, program_id)
    mentor = _participant(session, user, program_id, Role.MENTOR)
    incoming = mentor_requests.request_for(session, program_id, request_id)
    try:
        mentor_requests.answer_request(session, incoming, mentor, accept, note)
    except (Conflict, ValidationFailed) as exc:
        return _mine_again(
            request, session, user, program_id, exc, f"note-{request_id}", **{f"note-{request_id}": note}
        )
    name = incoming.mentee.user.display_name
    flash = (
        _("You are now %(name)s's mentor. We let them know.", name=name)
        if accept
        else _("You declined the request of %(name)s. We let them know.", name=name)
    )
    return redirect(f"{base_url(program_id)}/mine", flash=flash, request=request)


@router.post("/programs/{program_id}/matching/requests/{request_id}/accept")
def accept_request(
    request: Request,
    program_id: ObjectId,
    request_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    note: Annotated[str, Form()] = "",
) -> Response:
    return _answer_request(request, session, user, program_id, request_id, True, note)


@router.post("/programs/{program_id}/matching/requests/{request_id}/decline")
def decline_request(
    request: Request,
    program_id: ObjectId,
    request_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    note: Annotated[str, Form()] = "",
) -> Response:
    return _answer_request(request, session, user, program_id, request_id, False, note)


def _posted_choices(form: Any) -> dict[int, str]:
    """{membership id: "prefer" | "avoid"} from the radio groups named pref-<id>; "none" is dropped."""
    choices: dict[int, str] = {}
    for key, value in form.multi_items():
        target = key.removeprefix("pref-")
        if key.startswith("pref-") and target.isdigit() and value in ("prefer", "avoid"):
            choices[int(target)] = str(value)
    return choices


@router.post("/programs/{program_id}/matching/preferences")
def save_preferences(
    request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession, form: PostedForm
) -> Response:
    program = program_for(session, user, program_id)
    me = _participant(session, user, program_id)
    choices = _posted_choices(form)
    prefer = [i for i, kind in choices.items() if kind == "prefer"]
    avoid = [i for i, kind in choices.items() if kind == "avoid"]
    try:
        data = PreferencesIn(prefer=prefer, avoid=avoid)
        preferences.set_preferences(session, me, data.prefer, data.avoid)
    except ValidationError as exc:
        messages = validation_messages(exc)
        labels = {"prefer": _("Preferred"), "avoid": _("Avoid")}
        problem = " ".join(f"{labels.get(k.split('.')[0], k)}: {v}" for k, v in messages.items())
        return _mine(
            request,
            session,
            user,
            program,
            me,
            errors={"preferences": problem},
            values={"choices": choices},
            status_code=422,
        )
    except ValidationFailed as exc:
        session.rollback()
        return _mine(
            request,
            session,
            user,
            program,
            me,
            errors={"preferences": exc.detail},
            values={"choices": choices},
            status_code=422,
        )
    flash = _("Your preferences are saved. They count in the next matching run.")
    return redirect(f"{base_url(program_id)}/mine#preferences", flash=flash, request=request)
