"""The download: the export's JSON and a readable, self-contained HTML page of it, zipped."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from jinja2 import Environment

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
}


def label(key: Any) -> str:
    """The readable name of a JSON key in the current language."""
    text = LABELS.get(str(key))
    return gettext(text) if text else str(key)


def render_html(env: Environment, data: dict[str, Any]) -> str:
    sections = [key for key in data if key not in ("format", "format_version", "exported_at")]
    template = env.get_template("privacy/export.html")
    exported = datetime.fromisoformat(data["exported_at"])
    return template.render(data=data, sections=sections, label=label, json_name=JSON_NAME, exported=exported)


def build_zip(env: Environment, data: dict[str, Any]) -> bytes:
    """The zip the person downloads: the JSON for programs, the HTML page for people."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False))
        archive.writestr(HTML_NAME, render_html(env, data))
    return buffer.getvalue()
