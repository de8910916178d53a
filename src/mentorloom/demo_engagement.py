"""The demo between meetings: Sophie and Jürgen's milestones (the automatic ones from their year of meetings and
goals, and one they planned and reached), kudos, a shared reflection on a setback, two shared articles, the
program library, an upcoming program event that is nearly full, and a short conversation with one message
Sophie has not read yet.

Everything goes through the engagement services, so the rules (privacy, capacity, notices) hold; only the
timestamps the services stamp with "now" are moved back afterwards, to read like a year of real use.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.demo_pair import Demo
from mentorloom.engagement import events, kudos, messages, milestones, reflections, resources
from mentorloom.engagement.models import Milestone, ReflectionVisibility, RsvpAnswer
from mentorloom.engagement.resources import ResourceFields
from mentorloom.engagement.schemas.events import EventIn
from mentorloom.meetings import recurrence
from mentorloom.mentorships.models import GoalProgress, GoalStatus

BERLIN = "Europe/Berlin"
PLANNED_MILESTONE = (
    "Erste eigene Gehaltsverhandlung geführt",
    "Mit der Vorbereitung aus unseren Treffen: Ziel, Schmerzgrenze, Alternativen. Ergebnis: 6 % mehr.",
    120,  # reached on day 120
)
KUDOS = (
    "Sophie, wie du das Feedbackgespräch mit deiner Führungskraft vorbereitet hast, war beeindruckend klar. "
    "Danke, dass du jedes Treffen so gut vorbereitest!",
    260,
)
REFLECTION = dict(
    challenge="Die Lieferantenverhandlung im Frühjahr lief schief",
    what_happened="Ich habe zu früh ein Angebot genannt und mich danach nur noch nach unten verhandeln lassen.",
    learned="Ohne klare Alternative (BATNA) gebe ich zu schnell nach. Pausen aushalten ist eine Stärke.",
    next_time="Vorher schriftlich festhalten: Ziel, Schmerzgrenze, Alternative – und das erste Angebot "
    "der anderen Seite abwarten.",
)
# (url, title, why, tags, the goal by its index in GOALS, sharer, day)
PAIR_LINKS = [
    (
        "https://de.wikipedia.org/wiki/BATNA",
        "BATNA: die beste Alternative kennen",
        "Genau das hat mir in der Lieferantenverhandlung gefehlt – lies vor allem den Teil zur Vorbereitung.",
        ["verhandlung", "batna"],
        0,
        "mentor",
        140,
    ),
    (
        "https://de.wikipedia.org/wiki/Feedback",
        "Feedback geben – die Grundlagen",
        "Für unser Thema Feedback nach oben: die Grundregeln, auf die ich selbst achte.",
        ["feedback", "leadership"],
        2,
        "mentor",
        250,
    ),
]
LIBRARY = [
    (
        "https://www.gallup.com/de/engagement-index-deutschland.aspx",
        "Was Teams wirklich bindet",
        "Kurzer Überblick für alle, die bald ein Team übernehmen.",
        ["leadership", "team"],
    ),
    (
        "https://de.wikipedia.org/wiki/GROW-Modell",
        "Das GROW-Modell für Mentoring-Gespräche",
        "Eine einfache Struktur für jedes Treffen: Ziel, Realität, Optionen, Wille.",
        ["mentoring", "gesprächsführung"],
    ),
    (
        "https://de.wikipedia.org/wiki/Adam_Grant",
        "Adam Grant: Geben und Nehmen im Beruf",
        "Warum Großzügigkeit im Beruf trägt – ein guter Anlass für ein Gespräch mit Ihrem Gegenüber.",
        ["karriere", "netzwerk"],
    ),
]
EVENT: dict[str, object] = dict(
    title="Netzwerkabend: Verhandeln im Alltag",
    description="Kurzer Impuls von Jürgen Weber, danach Austausch in kleinen Runden.\n"
    "Für alle Mentor:innen und Mentees des Programms. Getränke und Snacks gibt es vor Ort.",
    location="Berlin, Zentrale, Raum 4.12",
    capacity=4,
)
CONVERSATION = [  # (side, text, hours ago)
    ("mentee", "Hallo Jürgen, kurze Frage vor unserem Treffen: Darf ich dir meinen 90-Tage-Plan vorab schicken?", 30),
    (
        "mentor",
        "Gern! Schick ihn bis Montag, dann lese ich ihn in Ruhe. Schau dir vorher noch das hier an: "
        "https://de.wikipedia.org/wiki/Feedback",
        28,
    ),
    ("mentee", "Danke, mache ich. Bis Montag!", 27),
    ("mentor", "Noch ein Gedanke: Kommst du zum Netzwerkabend? Ich halte dort den Impuls.", 3),
]


def load_engagement(session: Session, settings: Settings, pair: Demo, coordinator: User, later: list[Demo]) -> None:
    _milestones(pair)
    _kudos_and_reflection(pair)
    _links(session, pair, coordinator)
    _event(session, settings, pair, coordinator, later)
    _conversation(pair)


def _milestones(pair: Demo) -> None:
    """The automatic ones (their meetings and goals raised most already), one of their own, both sharing."""
    session, mentee, mentor = pair.session, pair.seats["mentee"], pair.seats["mentor"]
    milestones.detect(session, pair.mentorship)  # the months together, taken from the start date
    _date_goal_milestones(pair)
    title, note, day = PLANNED_MILESTONE
    own = milestones.create(session, mentee, {"title": title, "goal_key": pair.goal_keys[0]})
    pair.stamp(own, day - 30, "created_at")
    milestones.reach(session, mentee, own, note)
    pair.stamp(own, day, "reached_at")
    for seat in (mentee, mentor):
        milestones.set_sharing(session, seat, True)


def _date_goal_milestones(pair: Demo) -> None:
    """A goal's milestone was stamped when its progress was recorded, before demo_meetings moved that entry back
    to its meeting: give it the moment of the entry that achieved the goal."""
    session = pair.session
    for milestone in session.scalars(
        select(Milestone).where(Milestone.mentorship_id == pair.mentorship.id, Milestone.code.like("goal:%"))
    ):
        achieved = session.scalar(
            select(func.max(GoalProgress.created_at)).where(
                GoalProgress.mentorship_id == pair.mentorship.id,
                GoalProgress.goal_key == (milestone.code or "").removeprefix("goal:"),
                GoalProgress.status == GoalStatus.ACHIEVED,
            )
        )
        if achieved is not None:
            milestone.reached_at = achieved
    session.flush()


def _kudos_and_reflection(pair: Demo) -> None:
    session, mentee, mentor = pair.session, pair.seats["mentee"], pair.seats["mentor"]
    text, day = KUDOS
    pair.stamp(kudos.give(session, mentor, text, shared=True), day, "created_at")
    shared = reflections.create(
        session, mentee, {**REFLECTION, "goal_key": pair.goal_keys[0], "visibility": ReflectionVisibility.PARTNER}
    )
    pair.stamp(shared, 100, "created_at", "updated_at")


def _links(session: Session, pair: Demo, coordinator: User) -> None:
    for url, title, why, tags, goal, side, day in PAIR_LINKS:
        fields = ResourceFields(url=url, title=title, why=why, goal_key=pair.goal_keys[goal], tags=tags)
        pair.stamp(resources.share(session, pair.seats[side], fields), day, "created_at", "updated_at")
    for url, title, why, tags in LIBRARY:
        resources.add_to_library(
            session, pair.program, coordinator, ResourceFields(url=url, title=title, why=why, tags=tags)
        )


def _event(session: Session, settings: Settings, pair: Demo, coordinator: User, later: list[Demo]) -> None:
    """A program evening in twelve days with four seats: three taken, one maybe; one seat left."""
    day = (utcnow() + timedelta(days=12)).astimezone(recurrence.zone(BERLIN)).date()
    body = EventIn.model_validate(
        EVENT
        | {"starts_at": f"{day.isoformat()}T18:00", "ends_at": f"{day.isoformat()}T20:30", "timezone": BERLIN}
        | {"audience": "program"}
    )
    program = pair.program
    event = events.create_event(session, settings, events.program_seat(session, coordinator, program.id), body)
    regular, quiet = later
    answers = [
        (pair.seats["mentor"].user, RsvpAnswer.YES),
        (pair.seats["mentee"].user, RsvpAnswer.YES),
        (regular.seats["mentee"].user, RsvpAnswer.YES),
        (quiet.seats["mentor"].user, RsvpAnswer.MAYBE),
    ]
    for user, reply in answers:
        events.answer(session, settings, events.event_access(session, user, program.id, event.id), reply)


def _conversation(pair: Demo) -> None:
    """A few messages over the last days; Sophie has read all but Jürgen's latest."""
    session, now = pair.session, utcnow()
    sent = [
        messages.send(session, pair.seats[side], text, now=now - timedelta(hours=ago))
        for side, text, ago in CONVERSATION
    ]
    messages.mark_read(session, pair.seats["mentor"])
    messages.mark_read(session, pair.seats["mentee"], up_to=sent[-2].id)
