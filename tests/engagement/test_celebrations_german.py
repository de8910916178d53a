"""Celebrations and reflections in German: the mails greet, go on in lower case and sign off, with no English
left; the pages read German (Meilensteine, Anerkennung, Gelernte Lektionen)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom import i18n
from mentorloom.engagement import milestones
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import seat_for
from mentorloom.templating import build_environment, render_mail
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import make_pair
from tests.test_german import SALUTATION, german_mail_problems

pytestmark = pytest.mark.anyio

# The variants of this feature's mails (for tests/test_german.py's MAIL_VARIANTS as well).
VARIANTS: dict[str, list[dict[str, object]]] = {
    "milestone_reached": [
        {"partner_name": "Jürgen Weiß", "milestone_title": "Erstes Treffen", "note": "", "path": "/p"},
        {"partner_name": "Jürgen Weiß", "milestone_title": "Vortrag gehalten", "note": "Geschafft!", "path": "/p"},
    ],
    "kudos_received": [
        {"partner_name": "Tom Becker", "author_name": "Jürgen Weiß", "from_coordination": False, "text": "Danke!"},
        {"partner_name": "Tom Becker", "author_name": "Lukas Öztürk", "from_coordination": True, "text": "Toll!"},
    ],
}


@pytest.mark.parametrize(("template", "extra"), [(t, v) for t, vs in VARIANTS.items() for v in vs])
def test_german_mails(template: str, extra: dict[str, object]) -> None:
    context = {"name": "Sophie Müller", "program_name": "Mentoring 2027", "base_url": "https://x.example"}
    with i18n.use_locale("de"):
        subject, body = render_mail(build_environment(), template, **context, program_id=1, **extra)
    assert not german_mail_problems(subject, body, salutation=SALUTATION), body
    assert str(extra.get("text", extra.get("milestone_title"))) in body


async def test_german_pages(app: FastAPI, db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    keep = ("celebrations", "reflections.retrospective", "meetings")
    monkeypatch.setattr(extensions, "_panels", {k: v for k, v in extensions._panels.items() if k in keep})
    pair = make_pair(db_session, started_days_ago=100)
    pair.mentor.user.locale = "de"
    milestones.detect(db_session, pair.mentorship)
    seat = seat_for(db_session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    milestones.set_sharing(db_session, seat, True)
    db_session.flush()
    base = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    async with browser(app, db_session, pair.mentor.user) as (client, _token):
        expected = {
            base: "Meilensteine und Erfolge",
            f"{base}/milestones": "3 Monate gemeinsam",
            f"{base}/kudos": "Anerkennung aussprechen",
            f"{base}/reflections": "Gelernte Lektionen",
            f"{base}/reflections/new": "Reflexion schreiben",
            f"/programs/{pair.program.id}/celebrations": "Hier gibt es noch nichts zu feiern",
        }
        for url, text in expected.items():
            page = await client.get(url)
            assert page.status_code == 200 and text in page.text, url
