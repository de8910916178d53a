"""Pages of celebrations and reflections: free text renders escaped, forms refuse at the field and write nothing,
the pair home shows the celebration card, coordinators get 403 on reflections, empty states lead on."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.engagement import kudos, milestones, reflections
from mentorloom.engagement.models import Milestone, Reflection
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import MentorshipStatus
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser, field_error
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio
SCRIPT = "<script>alert(1)</script>"
MINE = ("celebrations", "reflections.retrospective", "meetings")


@pytest.fixture(autouse=True)
def only_our_panels(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pair home with the cards of this feature (others' cards are tested by their own tests)."""
    monkeypatch.setattr(extensions, "_panels", {k: v for k, v in extensions._panels.items() if k in MINE})


async def test_script_in_titles_notes_kudos_and_reflections_renders_inert(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=100)
    mentor = seat_for(db_session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    mentee = seat_for(db_session, pair.mentee.user, pair.program.id, pair.mentorship.id)
    mine = milestones.create(db_session, mentor, {"title": f"Title {SCRIPT}"})
    milestones.reach(db_session, mentor, mine, f"Note {SCRIPT}")
    milestones.create(db_session, mentor, {"title": f"Planned {SCRIPT}"})
    milestones.set_sharing(db_session, mentor, True)
    milestones.set_sharing(db_session, mentee, True)
    kudos.give(db_session, mentee, f"Kudos {SCRIPT}", shared=True)
    reflections.create(db_session, mentee, {"challenge": f"Challenge {SCRIPT}", "visibility": "partner"})
    base = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    async with browser(app, db_session, pair.mentor.user) as (client, _token):
        for url in (
            base,
            f"{base}/milestones",
            f"{base}/kudos",
            f"{base}/reflections",
            f"/programs/{pair.program.id}/celebrations",
        ):
            page = await client.get(url)
            assert page.status_code == 200, url
            assert SCRIPT not in page.text, url
            assert "&lt;script&gt;" in page.text, url
        home = await client.get(base)
        assert "data-celebration" in home.text and "Title &lt;script&gt;" in home.text
        assert "Give kudos" in home.text and "Write a reflection" in home.text


async def test_milestone_and_kudos_forms(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    base = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    async with browser(app, db_session, pair.mentee.user) as (client, token):
        empty = await client.get(f"{base}/milestones")
        assert "Nothing reached yet" in empty.text and "Plan a milestone" in empty.text
        long = await client.post(f"{base}/milestones", data={"csrf_token": token, "title": "t" * 201})
        assert long.status_code == 422 and field_error(long.text, "f-title")
        assert (db_session.scalar(select(func.count()).select_from(Milestone)) or 0) == 0
        made = await client.post(f"{base}/milestones", data={"csrf_token": token, "title": "First talk"})
        assert made.status_code == 303
        mid = db_session.scalars(select(Milestone.id)).one()
        reached = await client.post(
            f"{base}/milestones/{mid}/reach", data={"csrf_token": token, f"reach{mid}.note": "n" * 2001}
        )
        assert reached.status_code == 422 and field_error(reached.text, f"f-reach{mid}-note")
        reached = await client.post(
            f"{base}/milestones/{mid}/reach", data={"csrf_token": token, f"reach{mid}.note": "Done"}
        )
        assert reached.status_code == 303
        page = await client.get(f"{base}/milestones")
        assert "First talk" in page.text and "Done" in page.text
        share = await client.post(f"{base}/celebration-sharing", data={"csrf_token": token, "share": "yes"})
        assert share.status_code == 303
        sent = await client.post(f"{base}/kudos", data={"csrf_token": token, "text": "k" * 501})
        assert sent.status_code == 422 and field_error(sent.text, "f-text")
        sent = await client.post(f"{base}/kudos", data={"csrf_token": token, "text": "Thank you"})
        assert sent.status_code == 303
        assert "Thank you" in (await client.get(f"{base}/kudos")).text


async def test_reflection_pages_and_coordinators(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    base = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    async with browser(app, db_session, pair.mentor.user) as (client, token):
        empty = await client.get(f"{base}/reflections")
        assert "No reflections yet" in empty.text
        bad = await client.post(
            f"{base}/reflections",
            data={"csrf_token": token, "challenge": "C", "goal_key": "nope", "visibility": "private"},
        )
        assert bad.status_code == 422 and field_error(bad.text, "f-goal_key")
        assert (db_session.scalar(select(func.count()).select_from(Reflection)) or 0) == 0
        ok = await client.post(
            f"{base}/reflections",
            data={"csrf_token": token, "challenge": "Mine only", "learned": "Secret lesson", "visibility": "private"},
        )
        assert ok.status_code == 303
        page = await client.get(f"{base}/reflections")
        assert "Mine only" in page.text and "data-private" in page.text
    async with browser(app, db_session, pair.mentee.user) as (client, _token):
        assert "Mine only" not in (await client.get(f"{base}/reflections")).text
        assert "Secret lesson" not in (await client.get(f"{base}/reflections/lessons.txt")).text
    coord = coordinator_user(db_session, pair.program, "Clara Coordinator")
    async with browser(app, db_session, coord) as (client, _token):
        assert (await client.get(f"{base}/reflections")).status_code == 403
        assert (await client.get(f"{base}/milestones")).status_code == 403
        home = await client.get(base)
        assert "Mine only" not in home.text
        assert (await client.get(f"{base}/kudos")).status_code == 200


async def test_the_completing_pair_sees_its_lessons_for_the_retrospective(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, status=MentorshipStatus.COMPLETING)
    seat = seat_for(db_session, pair.mentee.user, pair.program.id, pair.mentorship.id)
    reflections.create(
        db_session, seat, {"challenge": "Shared one", "learned": "We learned it", "visibility": "partner"}
    )
    base = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    async with browser(app, db_session, pair.mentor.user) as (client, token):
        home = await client.get(base)
        assert "lessons-for-retro" in home.text and "Shared one" in home.text
        pulled = await client.post(f"{base}/reflections/to-retrospective", data={"csrf_token": token})
        assert pulled.status_code == 303
        home = await client.get(base)
        assert "We learned it" in home.text


async def test_deleting_asks_first(app: FastAPI, db_session: Session) -> None:
    """Each delete button opens a dialog; only the dialog's own button posts the delete."""
    pair = make_pair(db_session, started_days_ago=100)
    mentee = seat_for(db_session, pair.mentee.user, pair.program.id, pair.mentorship.id)
    planned = milestones.create(db_session, mentee, {"title": "Speak up in the team meeting"})
    given = kudos.give(db_session, mentee, "Thanks for the tips")
    written = reflections.create(db_session, mentee, {"challenge": "Lost my temper"})
    base = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    pages = {
        f"{base}/milestones": ("milestone", planned.id, "Delete this milestone?"),
        f"{base}/kudos": ("kudos", given.id, "Delete these kudos?"),
        f"{base}/reflections": ("reflection", written.id, "Delete this reflection?"),
    }
    async with browser(app, db_session, pair.mentee.user) as (client, _token):
        for url, (kind, item_id, question) in pages.items():
            text = (await client.get(url)).text
            dialog = f'<dialog id="dlg-{kind}-{item_id}"'
            assert f'data-dialog-open="dlg-{kind}-{item_id}"' in text and dialog in text, url
            form_at = text.index(f'/{item_id}/delete"')
            assert text.rfind(dialog, 0, form_at) > text.rfind("</dialog>", 0, form_at), (
                "the delete posts from the dialog"
            )
            assert question in text
