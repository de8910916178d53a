"""The download: the export's JSON and a readable, self-contained HTML page of it, zipped."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime
from typing import Any

from jinja2 import Environment

from mentorloom.dates import format_day, format_moment
from mentorloom.i18n import N_, gettext

JSON_NAME = "mentorloom-data.json"
HTML_NAME = "mentorloom-data.html"

# Headings and field names on the readable page; a key without an entry shows as written in the JSON.
LABELS = {
    "account": N_("Your account"),
    "memberships": N_("Programs and profiles"),
    "mentorships": N_("Mentorships"),
    "mentor_requests": N_("Mentoring requests"),
    "avoid_list": N_("People you asked not to be matched with"),
    "match_offers": N_("Suggested partners you were asked about"),
    "events": N_("Events"),
    "library_resources": N_("Links you shared with the program library"),
    "notifications": N_("Notifications"),
    "mails": N_("E-mails to you"),
    "audit_events": N_("Your actions in the audit log"),
    "id": N_("Number"),
    "email": N_("E-mail address"),
    "display_name": N_("Name"),
    "is_admin": N_("Administrator"),
    "is_active": N_("Active"),
    "locale": N_("Language"),
    "created_at": N_("Created"),
    "last_login_at": N_("Last login"),
    "api_tokens": N_("API tokens"),
    "calendar_feed": N_("Calendar feed"),
    "program_id": N_("Program number"),
    "program_name": N_("Program"),
    "role": N_("Role"),
    "profile": N_("Profile"),
    "bio": N_("About you"),
    "values": N_("Values"),
    "values_note": N_("Note on your values"),
    "languages": N_("Languages"),
    "timezone": N_("Time zone"),
    "availability": N_("Availability"),
    "department": N_("Department"),
    "line_manager_email": N_("Line manager's e-mail address"),
    "capacity": N_("Number of mentees"),
    "skills": N_("Skills"),
    "interests": N_("Interests"),
    "status": N_("Status"),
    "my_side": N_("Your side"),
    "partner_name": N_("Your partner"),
    "started_at": N_("Started"),
    "ended_at": N_("Ended"),
    "transitions": N_("History"),
    "agreements": N_("Agreements"),
    "goals": N_("Goals"),
    "goal_progress": N_("Goal progress"),
    "goal_revisions": N_("Goal changes"),
    "fit_check": N_("Your fit check"),
    "retrospectives": N_("Closing retrospectives"),
    "reviews": N_("Reviews"),
    "meetings": N_("Meetings"),
    "meeting_series": N_("Regular meetings"),
    "shares_celebrations": N_("You share celebrations with the program"),
    "decline_reason": N_("Your reason for declining"),
    "agenda": N_("Agenda"),
    "notes": N_("Shared notes"),
    "my_private_note": N_("Your private note"),
    "feedback": N_("Feedback"),
    "action_items": N_("Action items"),
    "reflections": N_("Reflections"),
    "kudos": N_("Kudos"),
    "messages": N_("Messages"),
    "milestones": N_("Milestones"),
    "resources": N_("Shared links"),
    "pulses": N_("Pulse"),
    "title": N_("Title"),
    "description": N_("Description"),
    "body": N_("Message"),
    "text": N_("Text"),
    "note": N_("Note"),
    "reason": N_("Reason"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "location": N_("Place"),
    "entries": N_("Entries"),
    "preferences": N_("Settings"),
    "subject": N_("Subject"),
    "sent_at": N_("Sent"),
    "action": N_("Action"),
    "at": N_("When"),
    "name": N_("Name"),
    "prefix": N_("Token start"),
    "last_used_at": N_("Last used"),
    "revoked_at": N_("Revoked"),
    "updated_at": N_("Changed"),
    "source": N_("How it started"),
    "end_reason": N_("How it ended"),
    "closure_reason": N_("Reason for the end"),
    "cycle": N_("Cycle"),
    "planned_end_on": N_("Planned end"),
    "anonymised_at": N_("Texts removed on"),
    "from_status": N_("From"),
    "to_status": N_("To"),
    "version": N_("Version"),
    "cadence": N_("Rhythm"),
    "format": N_("Format"),
    "planned_months": N_("Planned months"),
    "mentor_expectations": N_("Mentor's expectations"),
    "mentee_expectations": N_("Mentee's expectations"),
    "mentor_feedback_style": N_("Mentor's feedback style"),
    "mentee_feedback_style": N_("Mentee's feedback style"),
    "mentor_preferred_channel": N_("Mentor's preferred channel"),
    "mentee_preferred_channel": N_("Mentee's preferred channel"),
    "confirmed_by_mentor_at": N_("Confirmed by the mentor"),
    "confirmed_by_mentee_at": N_("Confirmed by the mentee"),
    "key": N_("Key"),
    "success_criteria": N_("Success criteria"),
    "target_date": N_("Target date"),
    "goal_key": N_("Goal"),
    "progress": N_("Progress"),
    "before": N_("Before"),
    "after": N_("After"),
    "fits": N_("Fits"),
    "answered_at": N_("Answered"),
    "side": N_("Side"),
    "author_side": N_("Written by"),
    "owner_side": N_("Whose task"),
    "from_side": N_("From"),
    "what_worked": N_("What worked"),
    "what_we_learned": N_("What we learned"),
    "what_next": N_("What comes next"),
    "period": N_("Round"),
    "shared_with_partner": N_("Shared with your partner"),
    "change_suggestion": N_("Suggested change"),
    "submitted_at": N_("Submitted"),
    "answers": N_("Answers"),
    "usefulness": N_("Usefulness"),
    "went_well": N_("What went well"),
    "to_change": N_("What to change"),
    "visibility": N_("Who may read it"),
    "due_on": N_("Due"),
    "done_at": N_("Done"),
    "challenge": N_("Challenge"),
    "what_happened": N_("What happened"),
    "learned": N_("What you learned"),
    "next_time": N_("Next time"),
    "shared": N_("Shared"),
    "edited_at": N_("Edited"),
    "mine": N_("Written by you"),
    "target_on": N_("Target day"),
    "reached_at": N_("Reached"),
    "url": N_("Address"),
    "why": N_("Why"),
    "score": N_("Score"),
    "stuck": N_("Stuck"),
    "stuck_text": N_("What you are stuck on"),
    "message": N_("Message"),
    "response_note": N_("Answer"),
    "responded_at": N_("Answered"),
    "kind": N_("Kind"),
    "person": N_("Person"),
    "my_answer": N_("Your answer"),
    "cancelled_at": N_("Cancelled"),
    "context": N_("Details"),
    "link": N_("Link"),
    "read_at": N_("Read"),
    "template": N_("Kind of e-mail"),
    "target_type": N_("Target"),
    "target_id": N_("Target number"),
    "origin": N_("From where"),
    "detail": N_("Details"),
}

# Stored codes shown as words (values of the export's enums); a code without an entry shows as stored.
VALUES = {
    "mentor": N_("Mentor"),
    "mentee": N_("Mentee"),
    "coordinator": N_("Coordinator"),
    "active": N_("Active"),
    "paused": N_("Paused"),
    "proposed": N_("Proposed"),
    "completing": N_("Completing"),
    "completed": N_("Completed"),
    "declined": N_("Declined"),
    "ended_early": N_("Ended early"),
    "held": N_("Held"),
    "cancelled": N_("Cancelled"),
    "private": N_("Private"),
    "draft": N_("Draft"),
    "in_person": N_("In person"),
    "phone": N_("Phone"),
    "async": N_("Written check-in"),
    "monthly": N_("Monthly"),
    "weekly": N_("Weekly"),
    "biweekly": N_("Every two weeks"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "maybe": N_("Maybe"),
    "email": N_("E-mail"),
    "chat": N_("Chat"),
}

ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def label(key: Any) -> str:
    """The readable name of a JSON key in the current language."""
    text = LABELS.get(str(key))
    return gettext(text) if text else str(key)


def shown(value: str) -> str:
    """A text for the page: ISO dates and moments in the reader's language and zone, anything else as it is."""
    if ISO_MOMENT.match(value):
        return format_moment(value)
    if ISO_DAY.match(value):
        return format_day(date.fromisoformat(value))
    return gettext(VALUES[value]) if value in VALUES else value


def render_html(env: Environment, data: dict[str, Any]) -> str:
    sections = [key for key in data if key not in ("format", "format_version", "exported_at")]
    template = env.get_template("privacy/export.html")
    exported = datetime.fromisoformat(data["exported_at"])
    return template.render(
        data=data, sections=sections, label=label, shown=shown, json_name=JSON_NAME, exported=exported
    )


def build_zip(env: Environment, data: dict[str, Any]) -> bytes:
    """The zip the person downloads: the JSON for programs, the HTML page for people."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))
        archive.writestr(HTML_NAME, render_html(env, data))
    return buffer.getvalue()
