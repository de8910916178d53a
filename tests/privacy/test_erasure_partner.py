"""Erasing a partner of a pair that has not ended: the mentorship keeps its state, the other partner and every
coordinator of the program are told once (a second erasure sends nothing), nothing of the erased person but the
neutral label is in those notices, the other partner's pair home says what happens now, and the health dashboard
puts the pair first among the pairs at risk. An ended mentorship triggers nothing."""

from __future__ import annotations

from html import unescape

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.health import dashboard, service
from mentorloom.health.models import PairHealth
from mentorloom.health.score import AT_RISK
from mentorloom.i18n import use_locale
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.notifications.inbox import entry_title
from mentorloom.notifications.models import Notification, OutboxMail
from mentorloom.notifications.service import compose
from mentorloom.privacy.erasure import erase_person
from mentorloom.privacy.pairs import tell_about_pairs
from mentorloom.programs.models import Membership, Role
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio

KINDS = ("partner_erased", "pair_partner_erased")


def coordinators(session: Session, pair: Pair) -> list[User]:
    rows = session.scalars(
        select(Membership).where(Membership.program_id == pair.program.id, Membership.role == Role.COORDINATOR)
    )
    return [m.user for m in rows]


def notices(session: Session) -> list[Notification]:
    session.flush()
    return list(session.scalars(select(Notification).where(Notification.kind.in_(KINDS)).order_by(Notification.id)))


def mails(session: Session) -> list[OutboxMail]:
    session.flush()
    return list(session.scalars(select(OutboxMail).where(OutboxMail.template.in_(KINDS)).order_by(OutboxMail.id)))


def erased_pair(session: Session, status: MentorshipStatus = MentorshipStatus.ACTIVE) -> tuple[Pair, str, str]:
    """A pair with two coordinators whose mentee was erased; returns the mentee's old name and address."""
    pair = make_pair(session, started_days_ago=20)
    pair.mentorship.status = status
    coordinator_user(session, pair.program, "Second Coordinator")
    mentee = pair.mentee.user
    old_name, old_email = mentee.display_name, mentee.email
    erase_person(session, mentee, by=None)
    return pair, old_name, old_email


@pytest.mark.parametrize("status", [MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED])
def test_the_other_partner_and_each_coordinator_are_told_once(
    db_session: Session, settings: Settings, status: MentorshipStatus
) -> None:
    pair, old_name, old_email = erased_pair(db_session, status)
    mentor, mentee, ms = pair.mentor.user, pair.mentee.user, pair.mentorship
    coords = coordinators(db_session, pair)
    assert len(coords) == 2
    told = notices(db_session)
    assert sorted((n.kind, n.user_id) for n in told) == sorted(
        [("partner_erased", mentor.id)] + [("pair_partner_erased", c.id) for c in coords]
    )
    partner_notice = next(n for n in told if n.kind == "partner_erased")
    assert partner_notice.link == f"/programs/{pair.program.id}/mentorships/{ms.id}"
    for notice in told:
        if notice.kind == "pair_partner_erased":
            assert notice.link == f"/programs/{pair.program.id}/health/pairs/{ms.id}"
    sent = mails(db_session)
    assert sorted((m.template, m.to_address) for m in sent) == sorted(
        [("partner_erased", mentor.email)] + [("pair_partner_erased", c.email) for c in coords]
    )
    assert db_session.get(Mentorship, ms.id).status is status  # type: ignore[union-attr]

    # Nothing more on a second erasure, nor when the pairs are told again.
    erase_person(db_session, mentee, by=None)
    assert tell_about_pairs(db_session, mentee) == 0
    assert len(notices(db_session)) == 3 and len(mails(db_session)) == 3

    # The erased person appears only as the neutral label; the coordinators' mail names the pair and what to do.
    for notice in told:
        with use_locale("en"):
            title = entry_title(notice)
        assert old_name not in title and old_email not in title and old_name not in str(notice.context)
        if notice.kind == "pair_partner_erased":  # stored in English at the erasure, read in German
            with use_locale("de"):
                german = entry_title(notice)
            assert f"Person {mentee.id} (gelöscht)" in german and "Erased person" not in german
            german_mail = next(m for m in sent if m.template == "pair_partner_erased")
            german_mail.locale = "de"
            german_body = compose(db_session, settings, german_mail).get_body(preferencelist=("plain",))
            text = german_body.get_content()  # type: ignore[union-attr]
            assert f"Person {mentee.id} (gelöscht)" in text and "Erased person" not in text
            german_mail.locale = "en"
    for mail in sent:
        body = compose(db_session, settings, mail).get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        for text in (body, mail.subject, str(mail.context)):
            assert old_name not in text and old_email not in text
        if mail.template == "pair_partner_erased":
            assert mentee.display_name in body and mentor.display_name in body
            assert f"http://testserver/programs/{pair.program.id}/health/pairs/{ms.id}" in body
            assert "end the mentorship or arrange a new match" in body
        else:
            assert mentee.display_name not in body
            assert "will get in touch with you" in body
            assert f"http://testserver/programs/{pair.program.id}/mentorships/{ms.id}" in body


@pytest.mark.parametrize("status", [MentorshipStatus.COMPLETED, MentorshipStatus.ENDED_EARLY])
def test_an_ended_mentorship_triggers_nothing(db_session: Session, status: MentorshipStatus) -> None:
    pair = make_pair(db_session, started_days_ago=200)
    pair.mentorship.status, pair.mentorship.ended_at = status, utcnow()
    erase_person(db_session, pair.mentee.user, by=None)
    assert notices(db_session) == [] and mails(db_session) == []
    assert pair.mentorship.status is status


def test_the_pair_is_first_among_the_pairs_at_risk(db_session: Session) -> None:
    quiet = make_pair(db_session, started_days_ago=70)  # never met: at risk on its own
    pair = make_pair(db_session, started_days_ago=2, program=quiet.program)  # new and well: healthy
    service.recompute_program(db_session, pair.program)
    assert db_session.get_one(PairHealth, pair.mentorship.id).band != AT_RISK
    erase_person(db_session, pair.mentor.user, by=None)  # the pair is scored again at once
    health = db_session.get_one(PairHealth, pair.mentorship.id, populate_existing=True)
    assert health.band == AT_RISK
    listed = dashboard.flagged_page(db_session, pair.program)
    assert [f.mentorship.id for f in listed.items][:2] == [pair.mentorship.id, quiet.mentorship.id]
    first = listed.items[0]
    assert first.reasons[0].code == "partner_erased" and not first.may_nudge
    service.recompute_program(db_session, pair.program)  # the daily job keeps the mark: it reads the account
    assert db_session.get_one(PairHealth, pair.mentorship.id, populate_existing=True).band == AT_RISK


async def test_the_partner_sees_the_card_and_the_coordination_the_reason(app: FastAPI, db_session: Session) -> None:
    pair, old_name, _email = erased_pair(db_session)
    ms = pair.mentorship
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        home = await c.get(f"/programs/{pair.program.id}/mentorships/{ms.id}")
        assert home.status_code == 200, home.text
        html = unescape(home.text)
        assert "data-partner-erased" in html
        assert (
            "Your partner's account was removed. The program coordination has been told and will get in touch"
            " about how you go on." in html
        )
        assert 'id="next-step"' not in html and "data-guidance-panel" not in html and old_name not in html
        assert html.index("data-partner-erased") < html.index('id="agreement"')  # on top of the pair's work
    coord = coordinators(db_session, pair)[0]
    async with browser(app, db_session, coord) as (c, _token):
        page = await c.get(f"/programs/{pair.program.id}/health")
        assert page.status_code == 200, page.text
        text = unescape(page.text)
        assert 'data-band-count="at_risk"><strong>1<' in text
        row = text[text.index(f'data-pair="{ms.id}"') :]
        reasons = row[row.index('class="reasons"') :]
        assert reasons.index('data-reason="partner_erased"') < reasons.index("</ul>")
        assert reasons.split("<li ")[1].startswith('data-reason="partner_erased">A partner\'s account was erased.')
        # never nudged and no nudge possible: neither the button nor an undated "Nudged" mark
        actions = row[row.index('class="flagged-actions"') : row.index("</li>", row.index('class="flagged-actions"'))]
        assert "Nudge the pair" not in actions and "Nudged" not in actions
        detail = await c.get(f"/programs/{pair.program.id}/health/pairs/{ms.id}")
        assert detail.status_code == 200 and 'data-reason="partner_erased"' in detail.text
        assert "Nudge the pair" not in detail.text and 'data-component="partner"' not in detail.text
        c.cookies.set("ml_lang", "de")
        german = await c.get(f"/programs/{pair.program.id}/health")
        assert "Das Konto einer Person aus dem Paar wurde gelöscht." in german.text
        # the label was written in the erasing admin's English; a German reader reads it in German
        erased_id = pair.mentee.user.id
        assert f"Person {erased_id} (gelöscht)" in german.text and "Erased person" not in german.text


async def test_a_paused_pair_is_marked_on_its_health_page(app: FastAPI, db_session: Session) -> None:
    pair, _name, _email = erased_pair(db_session, MentorshipStatus.PAUSED)
    coord = coordinators(db_session, pair)[0]
    async with browser(app, db_session, coord) as (c, _token):
        detail = await c.get(f"/programs/{pair.program.id}/health/pairs/{pair.mentorship.id}")
        assert detail.status_code == 200 and 'data-reason="partner_erased"' in detail.text
        assert "arrange a new match" in detail.text
