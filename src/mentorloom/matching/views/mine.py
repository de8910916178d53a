"""Participant pages: "my match" with offers to accept or decline, requests to a mentor, prefer/avoid lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.i18n import gettext as _
from mentorloom.matching import mentor_requests, preferences, queries, service
from mentorloom.matching.inputs import engaged_mentees, occupied_slots
from mentorloom.matching.models import PreferenceKind, Proposal
from mentorloom.matching.models import Response as Answer
from mentorloom.matching.schemas import PreferencesIn
from mentorloom.matching.views.common import base_url, page_router, reason_phrases
from mentorloom.mentorships.models import Mentorship
from mentorloom.numbers import is_digits
from mentorloom.permissions import Action, can, may, own_membership, program_for, role_in
from mentorloom.profiles.models import Profile
from mentorloom.programs import service as programs
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.web.api_common import MAX_ID, ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import FormAttempt, PostedForm, form_attempt
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


def _lists_asked(session: Session, me: Membership, pairs: list[tuple[Mentorship, Membership]]) -> bool:
    """Whether "my match" asks for the prefer/avoid lists now.

    The rule: not while the person is in a mentorship of this program (proposed or running), because no
    matching round would pair them now (a mentee has one mentor at a time) and the lists would only distract
    from the pair. A mentor who takes more mentees than she has (capacity > her live mentorships) can be
    matched again now, so she keeps them. Saved lists are kept either way and count again in the next round
    that can match the person; the API and the coordinators' avoid-list page stay open.
    """
    if not pairs:
        return True
    if me.role is not Role.MENTOR:
        return False
    profile = session.get(Profile, me.id)
    return profile is not None and profile.capacity > len(pairs)


def _preference_context(
    session: Session, me: Membership, posted: dict[int, str] | None, pairs: list[tuple[Mentorship, Membership]]
) -> dict[str, Any]:
    if not _lists_asked(session, me, pairs):
        return {"lists_asked": False, "people": [], "choices": {}}
    if posted is None:
        saved = preferences.preferences_of(session, me)
        posted = {i: kind.value for kind in (PreferenceKind.PREFER, PreferenceKind.AVOID) for i in saved[kind]}
    return {"lists_asked": True, "people": preferences.choosable(session, me), "choices": posted}


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
    pairs = queries.pairs(session, me)
    context: dict[str, Any] = {
        "program": program,
        "me": me,
        "errors": errors or {},
        "values": values,
        "offers": _offers(session, user, program.id, me),
        "pairs": pairs,
        "published": queries.has_published_run(session, program.id),
        "settings": programs.program_settings(program),
        **_preference_context(session, me, values.get("choices"), pairs),
    }
    context |= (
        _mentee_context(session, program, me) if me.role is Role.MENTEE else _mentor_context(session, program, me)
    )
    return render(request, "matching/mine.html", context, status_code=status_code)


def _mine_refused(
    request: Request,
    session: Session,
    user: User,
    program: Program,
    me: Membership,
    attempt: FormAttempt,
    key: str,
    **values: Any,
) -> Response:
    """After a refused change (form_attempt undid it): the page again, with the message at the form `key`."""
    errors = {key: attempt.detail}
    return _mine(request, session, user, program, me, errors=errors, values=values, status_code=attempt.status_code)


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
    program = program_for(session, user, program_id)
    me = _participant(session, user, program_id)
    proposal = service.proposal_for(session, program_id, proposal_id)
    answer = Answer.ACCEPTED if reason is None else Answer.DECLINED
    with form_attempt(session) as attempt:
        offer = service.answer_offer(session, proposal, user, answer, reason or "")
    if attempt.refused:
        field = f"reason-{proposal_id}"
        key = field if "reason" in attempt.errors else "__all__"
        return _mine_refused(request, session, user, program, me, attempt, key, **{field: reason or ""})
    partner = (proposal.mentor if me.role is Role.MENTEE else proposal.mentee) or proposal.mentee
    name = partner.user.display_name
    if answer is Answer.ACCEPTED:
        return _after_accept(request, session, proposal, name)
    if me.role is Role.MENTOR:
        flash = _("Thanks for telling us. We look for another mentor for %(name)s.", name=name)
    elif offer is not None and offer.mentor is not None:
        flash = _("Thanks for telling us. We suggest %(name)s instead.", name=offer.mentor.user.display_name)
    else:
        flash = _("Thanks for telling us. Your coordinator will look for a better match.")
    return redirect(f"{base_url(program_id)}/mine", flash=flash, request=request)


def _after_accept(request: Request, session: Session, proposal: Proposal, name: str) -> Response:
    """Both said yes: on to the new pair's home, where the first steps are; else back here to wait."""
    placed = queries.placed_from(session, proposal)
    if placed is not None:
        flash = _(
            "You and %(name)s are now a mentoring pair. Your first steps are below: introduce yourselves "
            "and agree on your goals.",
            name=name,
        )
        return redirect(f"/programs/{placed.program_id}/mentorships/{placed.id}", flash=flash, request=request)
    flash = _("Thank you! The pair starts as soon as %(name)s accepts too. We send you an e-mail then.", name=name)
    return redirect(f"{base_url(proposal.program_id)}/mine#offer-{proposal.id}", flash=flash, request=request)


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
    mentor_id: Annotated[int, Form(ge=1, le=MAX_ID)],  # a hidden field: anything else is no mentor, answers 422
    message: Annotated[str, Form()] = "",
) -> Response:
    program = program_for(session, user, program_id)
    mentee = _participant(session, user, program_id, Role.MENTEE)
    with form_attempt(session) as attempt:
        sent = mentor_requests.send_request(session, program, mentee, mentor_id, message)
    if attempt.refused:
        values = {f"message-{mentor_id}": message}
        return _mine_refused(request, session, user, program, mentee, attempt, f"request-{mentor_id}", **values)
    flash = _(
        "Your request is on its way to %(name)s. You get an e-mail when they answer.",
        name=sent.mentor.user.display_name,
    )
    return redirect(f"{base_url(program_id)}/mine#requests", flash=flash, request=request)


@router.post("/programs/{program_id}/matching/requests/{request_id}/withdraw")
def withdraw_request(
    request: Request, program_id: ObjectId, request_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program = program_for(session, user, program_id)
    mentee = _participant(session, user, program_id, Role.MENTEE)
    sent = mentor_requests.request_for(session, program_id, request_id)
    with form_attempt(session) as attempt:
        mentor_requests.withdraw(session, sent, mentee)
    if attempt.refused:
        return _mine_refused(request, session, user, program, mentee, attempt, "__all__")
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
    program = program_for(session, user, program_id)
    mentor = _participant(session, user, program_id, Role.MENTOR)
    incoming = mentor_requests.request_for(session, program_id, request_id)
    with form_attempt(session) as attempt:
        mentor_requests.answer_request(session, incoming, mentor, accept, note)
    if attempt.refused:
        field = f"note-{request_id}"
        return _mine_refused(request, session, user, program, mentor, attempt, field, **{field: note})
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
        target = _posted_id(key.removeprefix("pref-")) if key.startswith("pref-") else None
        if target is not None and value in ("prefer", "avoid"):
            choices[target] = str(value)
    return choices


def _posted_id(text: str) -> int | None:
    """The id in a field name such as pref-<id>, None if it holds none (then the field is not one of ours).

    Digits beyond any id stay an id too large, so PreferencesIn names the list; int() itself would refuse
    thousands of digits with a ValueError (a 500), and str.isdigit() lets "²" through.
    """
    if not is_digits(text):
        return None
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) <= len(str(MAX_ID)) else MAX_ID + 1


def _preference_problem(attempt: FormAttempt) -> str:
    """The refusal as one line, each message after the list it is about ("Avoid: …")."""
    labels = {"prefer": _("Preferred"), "avoid": _("Avoid")}
    parts = []
    for field, message in attempt.errors.items():
        label = labels.get(field.split(".")[0])
        parts.append(f"{label}: {message}" if label else message)
    return " ".join(dict.fromkeys(parts))


@router.post("/programs/{program_id}/matching/preferences")
def save_preferences(
    request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession, form: PostedForm
) -> Response:
    program = program_for(session, user, program_id)
    me = _participant(session, user, program_id)
    choices = _posted_choices(form)
    prefer = [i for i, kind in choices.items() if kind == "prefer"]
    avoid = [i for i, kind in choices.items() if kind == "avoid"]
    with form_attempt(session) as attempt:
        data = PreferencesIn(prefer=prefer, avoid=avoid)
        preferences.set_preferences(session, me, data.prefer, data.avoid)
    if attempt.refused:
        errors, values = {"preferences": _preference_problem(attempt)}, {"choices": choices}
        return _mine(request, session, user, program, me, errors=errors, values=values, status_code=attempt.status_code)
    flash = _("Your preferences are saved. They count in the next matching run.")
    return redirect(f"{base_url(program_id)}/mine#preferences", flash=flash, request=request)
