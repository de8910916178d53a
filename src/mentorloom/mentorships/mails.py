"""Notifications about a pair, written in the same transaction as the change they tell about.

The kinds are registered here and sent by the functions below; `review_due` and `fit_check_due` by the daily
sweep in `reminders` (job `mentorships.reminders`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.i18n import N_
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import Agreement, Mentorship, MentorshipStatus, MentorshipTransition, Side
from mentorloom.notifications.kinds import register_kind
from mentorloom.notifications.service import notify
from mentorloom.programs.mails import mail_locale
from mentorloom.programs.models import Membership

register_kind("agreement_waiting", N_("An agreement is waiting for your confirmation"))
register_kind("agreement_new_version", N_("Your partner opened a new version of the agreement"))
register_kind("review_due", N_("A review of your mentoring is due"))
register_kind("fit_check_due", N_("The fit check is due"))
register_kind("mentorship_paused", N_("Your mentoring was paused or resumed"))
register_kind("mentorship_ended", N_("Your mentoring ended"))
register_kind("partner_erased", N_("Your partner's account was removed"))


def pair_path(mentorship: Mentorship) -> str:
    return f"/programs/{mentorship.program_id}/mentorships/{mentorship.id}"


def _notify(
    session: Session, recipient: Membership, mentorship: Mentorship, kind: str, key: str, **context: Any
) -> bool:
    user = recipient.user
    entry = notify(
        session,
        user=user,
        kind=kind,
        key=key,
        program_id=mentorship.program_id,
        link=pair_path(mentorship),
        locale=mail_locale(session, recipient),
        name=user.display_name,
        program_name=recipient.program.name,
        mentorship_id=mentorship.id,
        **context,
    )
    return entry is not None


def _partner(seat: Seat) -> Membership:
    mentorship = seat.mentorship
    return mentorship.mentee if seat.side is Side.MENTOR else mentorship.mentor


def ask_partner_to_confirm(session: Session, seat: Seat, agreement: Agreement) -> bool:
    """Tell the partner that a draft they can confirm is waiting for them; once per version and person.

    A draft without goals cannot be confirmed yet, so it asks nobody; later saves of the same version
    (the pair working on it together) do not send again.
    """
    if not agreement.goals or seat.side is None:
        return False
    recipient = _partner(seat)
    return _notify(
        session,
        recipient,
        seat.mentorship,
        "agreement_waiting",
        f"agreement-confirm:{agreement.id}:{recipient.id}",
        partner_name=seat.user.display_name,
        version=agreement.version,
    )


def tell_partner_about_new_version(session: Session, seat: Seat, agreement: Agreement) -> bool:
    """Tell the partner that one of them opened a new version of the confirmed agreement to change it."""
    if seat.side is None:
        return False
    recipient = _partner(seat)
    return _notify(
        session,
        recipient,
        seat.mentorship,
        "agreement_new_version",
        f"agreement-version:{agreement.id}:{recipient.id}",
        partner_name=seat.user.display_name,
        version=agreement.version,
    )


_TOLD = {
    MentorshipStatus.PAUSED: "mentorship_paused",
    MentorshipStatus.COMPLETED: "mentorship_ended",
    MentorshipStatus.ENDED_EARLY: "mentorship_ended",
}


def tell_pair_about_transition(
    session: Session, mentorship: Mentorship, record: MentorshipTransition, by: User | None
) -> int:
    """Tell both people that their mentoring was paused, resumed or ended; not the one who did it."""
    kind = _TOLD.get(record.to_status)
    if record.from_status is MentorshipStatus.PAUSED and record.to_status is MentorshipStatus.ACTIVE:
        kind = "mentorship_paused"  # resuming is told under the same kind as pausing: one switch for both
    if kind is None:
        return 0
    told = 0
    for recipient in (mentorship.mentor, mentorship.mentee):
        if by is not None and recipient.user_id == by.id:
            continue
        told += _notify(
            session,
            recipient,
            mentorship,
            kind,
            f"mentorship-transition:{record.id}:{recipient.id}",
            status=record.to_status.value,
            by_name=by.display_name if by is not None else "",
        )
    return told


def remind_fit_check(session: Session, mentorship: Mentorship, member: Membership) -> bool:
    """The fit check is open and this person has not answered: ask once."""
    partner = mentorship.mentee if member.id == mentorship.mentor_id else mentorship.mentor
    return _notify(
        session,
        member,
        mentorship,
        "fit_check_due",
        f"fit-check-due:{mentorship.id}:{member.id}",
        partner_name=partner.user.display_name,
        path=pair_path(mentorship),
    )


def remind_review(session: Session, mentorship: Mentorship, member: Membership, period: int) -> bool:
    """A review round is open and this person has not answered it: ask once per round."""
    return _notify(
        session,
        member,
        mentorship,
        "review_due",
        f"review-due:{mentorship.id}:{period}:{member.id}",
        path=pair_path(mentorship) + "/reviews/new",
    )


def tell_partner_erased(session: Session, mentorship: Mentorship, recipient: Membership) -> bool:
    """Tell the one left in a pair under way that their partner's account was removed and the coordination will
    get in touch; once per pair and person. Nothing of the erased person goes into it, not even the label."""
    return _notify(
        session,
        recipient,
        mentorship,
        "partner_erased",
        f"partner-erased:{mentorship.id}:{recipient.user_id}",
        path=pair_path(mentorship),
    )
