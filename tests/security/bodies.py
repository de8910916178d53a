"""A minimal valid body for every API route that takes one, so a refusal can only come from the permission check.

Bodies are valid in shape (FastAPI checks them before the endpoint runs, which would answer 422 to everyone);
whether the allowed persona's call then succeeds or meets a conflict (409, 422 from the service) does not
matter to the matrix, only that nobody refused gets through.
"""

from __future__ import annotations

from typing import Any

from mentorloom.mentorships.reviews import STATEMENTS

P = "/api/v1/programs/{program_id}"
M = P + "/mentorships/{mentorship_id}"
EVENT = {"title": "E", "starts_at": "2027-05-02T18:00", "ends_at": "2027-05-02T19:00", "timezone": "Europe/Berlin"}
LINK = {"url": "https://example.org/x", "title": "x"}
REASON = {"reason": ""}
LOCK = {"lock_version": 0}


def api_body(method: str, path: str, ids: dict[str, Any]) -> Any:
    """The JSON body for one API route (None: the route takes none)."""
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/me/tokens"): {"name": "t"},
        ("POST", "/api/v1/programs"): {"name": "New program"},
        ("PUT", P): {"name": "Program A"},
        ("POST", P + "/invitations"): {"email": "new.person@example.org", "name": "New", "role": "mentee"},
        ("PUT", P + "/participants/{membership_id}/profile"): {"name": "Mentee"},
        ("POST", P + "/participants/import"): b"name,email,role\n",
        ("POST", P + "/matching/runs"): {},
        ("POST", P + "/matching/proposals/{proposal_id}/swap"): {"other_id": ids["proposal_id"]},
        ("POST", P + "/matching/proposals/{proposal_id}/answer"): {"answer": "accepted"},
        ("PUT", P + "/matching/preferences"): {"prefer": [], "avoid": []},
        ("PUT", P + "/matching/participants/{membership_id}/avoid"): {"avoid": []},
        ("POST", P + "/matching/requests"): {"mentor_id": ids["mentor_membership"]},
        ("POST", P + "/mentorships"): {"mentor_id": ids["mentor_membership"], "mentee_id": ids["other_membership"]},
        ("POST", M + "/end-early"): {"closure_reason": "other"},
        ("PUT", M + "/planned-end"): {"planned_end_on": "2028-01-01"},
        ("POST", M + "/fit-check"): {"fits": True},
        ("PATCH", M + "/agreement"): LOCK,
        ("POST", M + "/agreement/confirm"): LOCK,
        ("POST", M + "/agreement/versions"): LOCK,
        ("POST", M + "/goals"): {"title": "T"},
        ("PATCH", M + "/goals/{key}"): LOCK,
        ("POST", M + "/goals/{key}/revisions"): {**LOCK, "reason": "r"},
        ("POST", M + "/goals/{key}/progress"): {"progress": 10},
        ("POST", M + "/reviews"): {"scores": dict.fromkeys(STATEMENTS, 3)},
        ("POST", M + "/reviews/suggestion-to-agreement"): {"period": ids["review_period"], "side": "mentor"},
        ("POST", M + "/meetings/series"): {
            "weekday": 2,
            "local_time": "18:00",
            "timezone": "Europe/Berlin",
            "starts_on": "2027-06-01",
        },
        ("POST", M + "/meetings"): {"starts_at": "2027-05-04T10:00", "timezone": "Europe/Berlin"},
        ("POST", M + "/meetings/{meeting_id}/move"): {"starts_at": "2027-03-03T10:00"},
        ("POST", M + "/meetings/{meeting_id}/outcome"): {"outcome": "held"},
        ("POST", M + "/meetings/{meeting_id}/agenda"): {"text": "x"},
        ("PUT", M + "/meetings/{meeting_id}/notes"): {"notes": "x", "notes_version": 0},
        ("PUT", M + "/meetings/{meeting_id}/private-note"): {"text": "x"},
        ("POST", M + "/meetings/{meeting_id}/action-items"): {"title": "x", "owner": "mentor"},
        ("PATCH", M + "/action-items/{item_id}"): {"done": True},
        ("PUT", M + "/meetings/{meeting_id}/feedback"): {"usefulness": 3},
        ("PUT", M + "/meetings-video"): {"video_link": "https://example.org/room"},
        ("POST", M + "/milestones"): {"title": "x"},
        ("PUT", M + "/celebration-sharing"): {"share": False},
        ("POST", M + "/kudos"): {"text": "x"},
        ("PATCH", M + "/kudos/{kudos_id}"): {"shared": False},
        ("POST", M + "/reflections"): {"challenge": "x"},
        ("POST", M + "/resources"): LINK,
        ("POST", P + "/library"): LINK,
        ("POST", P + "/events"): EVENT,
        ("PUT", P + "/events/{event_id}"): EVENT,
        ("PUT", P + "/events/{event_id}/rsvp"): {"answer": "yes"},
        ("POST", M + "/messages"): {"body": "x"},
        ("PATCH", M + "/messages/{message_id}"): {"body": "x"},
        ("POST", P + "/health/pairs/{mentorship_id}/notes"): {"text": "x"},
        ("POST", P + "/health/evidence/apply"): {"before": {}, "after": {}},
        ("POST", M + "/pulse"): {"score": 3},
        ("PUT", "/api/v1/notifications/preferences"): {"preferences": {}},
    }
    for action in ("decline", "pause", "resume", "complete", "finish"):
        bodies[("POST", M + "/" + action)] = REASON
    return bodies.get((method, path))
