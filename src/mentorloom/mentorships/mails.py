"""Mails between the two people of a pair, queued in the same transaction as the change they tell about."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import Agreement, Side
from mentorloom.notifications.service import queue_mail
from mentorloom.programs.mails import mail_locale


def ask_partner_to_confirm(session: Session, seat: Seat, agreement: Agreement) -> bool:
    """Tell the partner that a draft they can confirm is waiting for them; once per version and person.

    A draft without goals cannot be confirmed yet, so it asks nobody; later saves of the same version
    (the pair working on it together) do not send again.
    """
    if not agreement.goals or seat.side is None:
        return False
    mentorship = seat.mentorship
    recipient = mentorship.mentee if seat.side is Side.MENTOR else mentorship.mentor
    user = recipient.user
    mail = queue_mail(
        session,
        key=f"agreement-confirm:{agreement.id}:{recipient.id}",
        to=user.email,
        locale=mail_locale(session, recipient),
        template="agreement_waiting",
        program_id=mentorship.program_id,
        name=user.display_name,
        partner_name=seat.user.display_name,
        program_name=recipient.program.name,
        version=agreement.version,
        mentorship_id=mentorship.id,
    )
    return mail is not None
