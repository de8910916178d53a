"""Mails about offers and requests, queued in the same transaction as the answer or request they tell about."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.i18n import N_
from mentorloom.matching.models import MentorRequest, Proposal, ProposalStatus, Response
from mentorloom.matching.queries import placed_from
from mentorloom.notifications.kinds import register_kind
from mentorloom.notifications.service import mail_context, notify
from mentorloom.programs.mails import invitation_link, mail_locale
from mentorloom.programs.models import Membership

register_kind("match_offer", N_("A mentoring match is proposed to you"))
register_kind("match_answer", N_("An answer to a mentoring match"))
register_kind("request_sent", N_("A mentee asks you to be their mentor"))
register_kind("request_answered", N_("An answer to your mentor request"))


def _queue(session: Session, recipient: Membership, template: str, key: str, *, link: str = "", **context: Any) -> bool:
    user = recipient.user
    entry = notify(
        session,
        user=user,
        kind=template,
        key=key,
        program_id=recipient.program_id,
        link=link or f"/programs/{recipient.program_id}/matching/mine",
        locale=mail_locale(session, recipient),
        membership_id=recipient.id,
        name=user.display_name,
        program_name=recipient.program.name,
        **context,
    )
    return entry is not None


def queue_offer_mails(session: Session, proposal: Proposal) -> int:
    """Tell both people about a published proposal (once each)."""
    if proposal.mentor is None:
        return 0
    sides = [(proposal.mentee, proposal.mentor), (proposal.mentor, proposal.mentee)]
    return sum(
        _queue(
            session,
            recipient,
            "match_offer",
            f"offer:{proposal.id}:{recipient.id}",
            partner_name=partner.user.display_name,
        )
        for recipient, partner in sides
    )


@mail_context("match_offer")
def _offer_invitation(session: Session, settings: Settings, context: dict[str, Any]) -> dict[str, Any]:
    """An offer to someone without an account carries the invitation: without it they could not answer.

    Made when the mail goes out, like an invitation's link; someone who has chosen a password by then gets none.
    """
    membership = session.get(Membership, context.get("membership_id", 0))
    if membership is None or membership.user.has_password:
        return context
    return {**context, **invitation_link(settings, membership)}


def queue_answer_mails(session: Session, proposal: Proposal) -> int:
    """Tell the other person what became of an offer: their partner accepted, both did, or one declined.

    A decline reason goes to the coordinator only; the partner just learns that the pair will not go ahead.
    """
    if proposal.mentor is None:
        return 0
    sides = {"mentee": (proposal.mentee, proposal.mentor), "mentor": (proposal.mentor, proposal.mentee)}
    answers = {side: getattr(proposal, f"{side}_response") for side in sides}
    if proposal.status is ProposalStatus.ACCEPTED:
        outcome, told = "started", list(sides)
    elif proposal.status is ProposalStatus.DECLINED:
        outcome, told = "declined", [side for side, a in answers.items() if a is not Response.DECLINED]
    elif proposal.status is ProposalStatus.OFFERED and Response.ACCEPTED in answers.values():
        outcome, told = "partner_accepted", [side for side, a in answers.items() if a is None]
    else:
        return 0
    placed = placed_from(session, proposal)  # a started pair's mail links to its home, where the first steps are
    sent = 0
    for side in told:
        recipient, partner = sides[side]
        sent += _queue(
            session,
            recipient,
            "match_answer",
            f"answer:{proposal.id}:{outcome}:{recipient.id}",
            link=f"/programs/{proposal.program_id}/mentorships/{placed.id}" if placed and outcome == "started" else "",
            partner_name=partner.user.display_name,
            outcome=outcome,
            mentorship_id=placed.id if placed else None,
        )
    return sent


def queue_request_mail(session: Session, request: MentorRequest) -> bool:
    """Tell the mentor about a new request, or the mentee about the answer (by the request's status)."""
    session.flush()
    if request.status.value == "pending":
        return _queue(
            session,
            request.mentor,
            "request_sent",
            f"request:{request.id}:sent",
            partner_name=request.mentee.user.display_name,
            message_text=request.message,
        )
    return _queue(
        session,
        request.mentee,
        "request_answered",
        f"request:{request.id}:{request.status.value}",
        partner_name=request.mentor.user.display_name,
        accepted=request.status.value == "accepted",
        note=request.response_note,
    )
