"""What the pair and the coordinators are told about meetings, through the one notification service.

Each person's mail carries a calendar made in their own language (summary: "Mentoring: <partner>"). Keys make
every notice idempotent: a move is told once per SEQUENCE, a reminder once per meeting and time, an overdue
nudge once per silence (the key changes when a meeting is held), a digest once per program, person and week.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.i18n import N_, use_locale
from mentorloom.meetings import feed, overdue, series
from mentorloom.meetings.models import Meeting, MeetingSeries, MeetingStatus
from mentorloom.mentorships import hooks
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.lifecycle import FINAL
from mentorloom.mentorships.models import Mentorship, MentorshipStatus, MentorshipTransition
from mentorloom.notifications.kinds import register_kind
from mentorloom.notifications.service import notify
from mentorloom.programs.mails import mail_locale
from mentorloom.programs.models import Membership, Program, Role

register_kind("meeting_invitation", N_("A meeting was planned or moved (with a calendar invitation)"))
register_kind("meeting_cancelled", N_("A meeting was cancelled"))
register_kind("meeting_reminder", N_("Reminder the day before a meeting"))
register_kind("meeting_followup", N_("After a meeting: did it take place, and how did it go?"))
register_kind("meeting_overdue", N_("No meeting for a while"))
register_kind("coordinator_digest", N_("Weekly summary of the program (coordinators)"))

REMINDER_AHEAD = timedelta(hours=24)
FOLLOWUP_WITHIN = timedelta(days=3)


def meetings_path(mentorship: Mentorship, meeting: Meeting | None = None) -> str:
    path = f"/programs/{mentorship.program_id}/mentorships/{mentorship.id}/meetings"
    return f"{path}/{meeting.id}" if meeting else path


def _people(mentorship: Mentorship) -> tuple[Membership, Membership]:
    return mentorship.mentor, mentorship.mentee


def _tell(
    session: Session,
    member: Membership,
    mentorship: Mentorship,
    kind: str,
    key: str,
    link: str,
    ics: bytes | None = None,
    **context: object,
) -> bool:
    partner = mentorship.mentee if member.id == mentorship.mentor_id else mentorship.mentor
    entry = notify(
        session,
        user=member.user,
        kind=kind,
        key=key,
        program_id=mentorship.program_id,
        link=link,
        locale=mail_locale(session, member),
        attachments_ics=ics.decode() if ics else None,
        name=member.user.display_name,
        partner_name=partner.user.display_name,
        program_name=member.program.name,
        path=link,
        **context,
    )
    return entry is not None


def series_planned(
    session: Session, settings: Settings, seat: Seat, item: MeetingSeries, replaced: MeetingSeries | None
) -> None:
    """Both people get the new series as an invitation; a replaced series goes out shortened (or cancelled)."""
    mentorship = seat.mentorship
    occurrences = series.occurrences_of(session, item)
    first = occurrences[0].starts_at.isoformat() if occurrences else ""
    for member in _people(mentorship):
        with use_locale(mail_locale(session, member)):
            ics = feed.series_invitation(session, settings, item, occurrences, member.user)
        _tell(
            session,
            member,
            mentorship,
            "meeting_invitation",
            f"series:{item.id}:{item.sequence}:{member.user_id}",
            meetings_path(mentorship),
            ics,
            first_start=first,
            count=len(occurrences),
            planned_by=seat.user.display_name,
            series=True,
        )
        if replaced is not None:
            _replaced(session, settings, mentorship, member, replaced)
    if replaced is not None:
        # A meeting of the old series that the pair had written something for stays, as a single meeting with
        # a UID of its own, and the shortened old series no longer holds it: without an invitation of its own
        # it left both calendars. Singles told before are told under the same key and not again.
        ahead = session.scalars(
            select(Meeting)
            .where(
                Meeting.mentorship_id == mentorship.id,
                Meeting.series_id.is_(None),
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.ends_at >= utcnow(),
            )
            .order_by(Meeting.starts_at)
        ).all()
        for meeting in ahead:
            tell_meeting_change(session, settings, mentorship, meeting, seat.user.display_name)


def _replaced(
    session: Session, settings: Settings, mentorship: Mentorship, member: Membership, replaced: MeetingSeries
) -> None:
    kept = series.occurrences_of(session, replaced)
    with use_locale(mail_locale(session, member)):
        if kept:
            ics = feed.series_invitation(session, settings, replaced, kept, member.user)
        else:  # nothing of it took place: calendars drop the whole series
            ics = feed.series_cancellation(session, settings, replaced, member.user)
    if not kept:
        _tell(
            session,
            member,
            mentorship,
            "meeting_cancelled",
            f"series-cancel:{replaced.id}:{member.user_id}",
            meetings_path(mentorship),
            ics,
            start=replaced.created_at.isoformat(),
            changed_by="",
            series=True,
        )
        return
    _tell(
        session,
        member,
        mentorship,
        "meeting_invitation",
        f"series:{replaced.id}:{replaced.sequence}:{member.user_id}",
        meetings_path(mentorship),
        ics,
        first_start=kept[0].starts_at.isoformat(),
        count=len(kept),
        planned_by="",
        series=True,
        ended=True,
    )


def series_stopped(session: Session, settings: Settings, mentorship: Mentorship, item: MeetingSeries) -> None:
    """A series ended with its meetings ahead cancelled: one notice per person, not one per occurrence.

    With meetings of it that took place, calendars keep those (the cancelled ones become EXDATEs); with none,
    they drop the whole series.
    """
    took_place = [m for m in series.occurrences_of(session, item) if m.status is not MeetingStatus.CANCELLED]
    for member in _people(mentorship):
        if took_place:
            _replaced(session, settings, mentorship, member, item)
            continue
        with use_locale(mail_locale(session, member)):
            ics = feed.series_cancellation(session, settings, item, member.user)
        _tell(
            session,
            member,
            mentorship,
            "meeting_cancelled",
            f"series-cancel:{item.id}:{member.user_id}",
            meetings_path(mentorship),
            ics,
            start=item.created_at.isoformat(),
            changed_by="",
            series=True,
        )


def meeting_changed(session: Session, settings: Settings, seat: Seat, meeting: Meeting) -> None:
    """A meeting added, moved or cancelled: REQUEST or CANCEL, one per SEQUENCE and person."""
    tell_meeting_change(session, settings, seat.mentorship, meeting, seat.user.display_name)


def tell_meeting_change(
    session: Session, settings: Settings, mentorship: Mentorship, meeting: Meeting, changed_by: str
) -> None:
    cancelled = meeting.status is MeetingStatus.CANCELLED
    for member in _people(mentorship):
        with use_locale(mail_locale(session, member)):
            ics = feed.meeting_invitation(session, settings, meeting, member.user)
        _tell(
            session,
            member,
            mentorship,
            "meeting_cancelled" if cancelled else "meeting_invitation",
            f"meeting:{meeting.id}:{meeting.sequence}:{member.user_id}",
            meetings_path(mentorship, meeting),
            ics,
            start=meeting.starts_at.isoformat(),
            changed_by=changed_by,
            moved=meeting.moved or meeting.sequence > 0,
            series=False,
        )


@hooks.after_transition
def end_series_with_the_mentorship(
    session: Session, mentorship: Mentorship, record: MentorshipTransition, by: User | None
) -> None:
    """A mentorship that ended (completed, ended early, declined) meets no more: its series ends now."""
    if record.to_status not in FINAL:
        return
    running = series.active_series(session, mentorship)
    now, settings = utcnow(), Settings()
    if running is not None:
        series.end_series(session, running, cut=now)
        for member in _people(mentorship):
            _replaced(session, settings, mentorship, member, running)
    later = list(
        session.scalars(
            select(Meeting).where(
                Meeting.mentorship_id == mentorship.id,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.starts_at > now,
            )
        )
    )
    for meeting in later:  # single meetings still ahead are off too (what the pair wrote on them stays)
        meeting.status = MeetingStatus.CANCELLED
        meeting.sequence += 1
        tell_meeting_change(session, settings, mentorship, meeting, by.display_name if by else "")


# --- periodic ------------------------------------------------------------------------------------------


def _pair_meetings(session: Session, condition: object) -> list[tuple[Meeting, Mentorship]]:
    rows = session.execute(
        select(Meeting, Mentorship)
        .join(Mentorship, Mentorship.id == Meeting.mentorship_id)
        .where(condition, Mentorship.status == MentorshipStatus.ACTIVE)  # type: ignore[arg-type]
        .order_by(Meeting.starts_at)
    )
    return [(m, ms) for m, ms in rows]


def send_reminders(session: Session, now: datetime) -> int:
    """Meetings in the next 24 hours: remind both people once (again after a move)."""
    due = _pair_meetings(
        session,
        (Meeting.status == MeetingStatus.SCHEDULED)
        & (Meeting.starts_at > now + timedelta(hours=1))
        & (Meeting.starts_at <= now + REMINDER_AHEAD),
    )
    sent = 0
    for meeting, mentorship in due:
        for member in _people(mentorship):
            sent += _tell(
                session,
                member,
                mentorship,
                "meeting_reminder",
                f"reminder:{meeting.id}:{meeting.sequence}:{member.user_id}",
                meetings_path(mentorship, meeting),
                start=meeting.starts_at.isoformat(),
            )
    return sent


def send_followups(session: Session, now: datetime) -> int:
    """A meeting ended in the last three days and nobody said whether it took place: ask both, once."""
    due = _pair_meetings(
        session,
        (Meeting.status == MeetingStatus.SCHEDULED)
        & (Meeting.ends_at <= now)
        & (Meeting.ends_at > now - FOLLOWUP_WITHIN),
    )
    sent = 0
    for meeting, mentorship in due:
        for member in _people(mentorship):
            sent += _tell(
                session,
                member,
                mentorship,
                "meeting_followup",
                f"followup:{meeting.id}:{member.user_id}",
                meetings_path(mentorship, meeting),
                start=meeting.starts_at.isoformat(),
            )
    return sent


def send_overdue_nudges(session: Session, now: datetime) -> int:
    """Once per silence: a friendly nudge to both people of an overdue pair."""
    sent = 0
    for program in session.scalars(select(Program)):
        for item in overdue.overdue_in_program(session, program, now):
            mentorship = session.get(Mentorship, item.mentorship_id)
            assert mentorship is not None
            if series.one_side_erased(mentorship):  # nobody to meet: the coordination gets in touch instead
                continue
            since = (item.last_held_at or mentorship.cycle_started_at or mentorship.created_at).date().isoformat()
            for member in _people(mentorship):
                sent += _tell(
                    session,
                    member,
                    mentorship,
                    "meeting_overdue",
                    f"overdue:{mentorship.id}:{since}:{member.user_id}",
                    meetings_path(mentorship),
                    days=item.days_since,
                )
    return sent


def send_coordinator_digests(session: Session, now: datetime) -> int:
    """Weekly, per program and coordinator: active and overdue pairs, meetings held and planned (counts only)."""
    week = now.isocalendar()
    sent = 0
    for program in session.scalars(select(Program)):
        coordinators = list(
            session.scalars(
                select(Membership).where(Membership.program_id == program.id, Membership.role == Role.COORDINATOR)
            )
        )
        if not coordinators:
            continue
        figures = _week_figures(session, program, now)
        for member in coordinators:
            entry = notify(
                session,
                user=member.user,
                kind="coordinator_digest",
                key=f"coord-digest:{program.id}:{member.user_id}:{week.year}-{week.week}",
                program_id=program.id,
                link=f"/programs/{program.id}/mentorships",
                locale=mail_locale(session, member),
                name=member.user.display_name,
                program_name=program.name,
                path=f"/programs/{program.id}/mentorships",
                figures=figures,
            )
            sent += entry is not None
    return sent


def _week_figures(session: Session, program: Program, now: datetime) -> dict[str, int]:
    def count(*conditions: object) -> int:
        query = select(func.count()).select_from(Meeting).where(Meeting.program_id == program.id, *conditions)  # type: ignore[arg-type]
        return session.scalar(query) or 0

    active = session.scalar(
        select(func.count())
        .select_from(Mentorship)
        .where(Mentorship.program_id == program.id, Mentorship.status == MentorshipStatus.ACTIVE)
    )
    return {
        "active_pairs": active or 0,
        "overdue_pairs": len(overdue.overdue_in_program(session, program, now)),
        "held_last_week": count(Meeting.status == MeetingStatus.HELD, Meeting.starts_at > now - timedelta(days=7)),
        "planned_next_week": count(
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at > now,
            Meeting.starts_at <= now + timedelta(days=7),
        ),
    }
