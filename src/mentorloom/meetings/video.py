"""Where a video meeting happens: the pair's own Jitsi Meet room, or a fixed link the pair chose instead.

The room name is random (96 bits) and made once per pair: anyone who could guess it could join the call.
"""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.meetings import series
from mentorloom.meetings.models import PairMeetingSettings
from mentorloom.mentorships.access import lock
from mentorloom.mentorships.models import Mentorship


def pair_settings(session: Session, mentorship: Mentorship) -> PairMeetingSettings:
    """The pair's meeting settings, made with a fresh room name the first time they are needed."""
    found = session.get(PairMeetingSettings, mentorship.id)
    if found is None:
        found = PairMeetingSettings(mentorship_id=mentorship.id, video_room=f"mentorloom-{secrets.token_hex(12)}")
        try:
            with session.begin_nested():  # both people opening the meetings at once: the second takes the first's room
                session.add(found)
        except IntegrityError:
            found = session.get(PairMeetingSettings, mentorship.id, populate_existing=True)
            if found is None:  # the unique violation came from something else
                raise
    return found


def video_url(settings: Settings, pair: PairMeetingSettings) -> str:
    if pair.video_link:
        return pair.video_link
    return f"{settings.video_base_url.rstrip('/')}/{pair.video_room}"


def set_fixed_link(session: Session, mentorship: Mentorship, link: str) -> PairMeetingSettings:
    """Use a link of the pair's own (Teams, Zoom, …) instead of the room; an empty link goes back to the room.

    Not in a pair whose partner was erased: nobody meets them any more (the pages no longer show the link)."""
    lock(session, mentorship)
    series.require_both_present(session, mentorship, "video")
    link = link.strip()
    if link and not (link.startswith(("https://", "http://")) and len(link) <= 500 and " " not in link):
        raise ValidationFailed(_("Enter a web address starting with https://."), field="video_link")
    pair = pair_settings(session, mentorship)
    pair.video_link = link
    session.flush()
    return pair
