"""The demo's meetings: Sophie and Jürgen's ten monthly meetings with the next one ahead, and the later pairs'.

Built through the meeting services like the rest of the demo. Each series is planned from the confirmed
agreement with the clock set to the days after it was confirmed (`series.plan` takes `now`), so its past
occurrences exist; Sophie and Jürgen's ten past meetings are held (`record_outcome` takes `now` too) with an
agenda, shared notes, action items, goal progress and feedback from both sides. The timestamps the services
stamp with "now" are moved back afterwards, as in demo_pair.

Hannah and Lea meet every month. David and Jonas held their last meeting about two months ago and missed the
ones since, so they are overdue.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from mentorloom.db import utcnow
from mentorloom.demo_pair import Demo
from mentorloom.meetings import recurrence, series, service
from mentorloom.meetings.models import FeedbackVisibility, Meeting
from mentorloom.meetings.recurrence import Plan
from mentorloom.mentorships import goals
from mentorloom.mentorships.models import GoalStatus, Side
from mentorloom.programs.models import Cadence

BERLIN, LONDON = "Europe/Berlin", "Europe/London"
PAIR_PLANNED_ON = 5.5  # Sophie planned the series soon after both confirmed the agreement (day 5)
LATER_PLANNED_ON = 10.5  # the later pairs confirmed theirs on day 10
# Both profiles offer Tuesday mornings and Thursday afternoons: the pair meets on one of them, at this time.
PAIR_TIMES = {1: time(10, 0), 3: time(15, 0)}
QUIET_SINCE_DAYS = 62  # David and Jonas's last meeting, at least; allowed are 1.5 × 30 days


@dataclass(frozen=True)
class Rating:
    """One side's feedback on a meeting: usefulness 1-5, what went well, what to change, who sees it."""

    usefulness: int
    went_well: str = ""
    to_change: str = ""
    private: bool = False


@dataclass(frozen=True)
class Todo:
    """An action item: its owner, title, due and done so many days after the meeting (None: still open)."""

    owner: str
    title: str
    due_days: int
    done_days: int | None = None


@dataclass(frozen=True)
class Held:
    """One of Sophie and Jürgen's past meetings: agenda (side, text), Sophie's notes, what came out of it."""

    agenda: list[tuple[str, str]]
    notes: str
    mentee: Rating
    mentor: Rating
    todos: list[Todo] | None = None
    progress: list[tuple[int, str, int, str]] | None = None  # (goal number, side, percent, note)
    mentor_adds: str = ""  # Jürgen's addition to the shared notes
    private_note: str = ""  # Sophie's own note
    moved_days: int = 0  # moved by this many days beforehand


PAIR_MEETINGS: list[Held] = [
    Held(
        agenda=[
            ("mentee", "Unsere drei Ziele durchgehen und Prioritäten setzen"),
            ("mentor", "Wie bereiten wir die Treffen vor?"),
        ],
        notes="## Ziele\n"
        "- Zuerst **Verhandeln**: In den nächsten Wochen stehen drei Lieferantengespräche an.\n"
        "- Die Teamleitung wird früher frei – Ziel 2 ziehen wir vor.\n\n"
        "## Vorbereitung\n"
        "- Sophie schreibt bis drei Tage vorher eine konkrete Frage in die Agenda.\n"
        "- Jürgen bringt ein Beispiel aus seiner Praxis mit.",
        mentee=Rating(3, "Gutes Kennenlernen, die Ziele sind jetzt klar.", "Mehr Zeit für konkrete Fälle."),
        mentor=Rating(4, "Sophie kommt mit klaren Fragen."),
        todos=[
            Todo("mentee", "Stärkenprofil ausfüllen und mitbringen", 14, 10),
            Todo("mentee", "Zielpreis, Schmerzgrenze und Alternative für das Lieferantengespräch notieren", 7, 5),
        ],
        progress=[(0, "mentee", 20, "Lieferantengespräch mit Zielpreis und Alternativen im Rollenspiel vorbereitet.")],
    ),
    Held(
        agenda=[
            ("mentee", "Nachbesprechung: meine erste Lieferantenverhandlung"),
            ("mentee", "Welcher Führungsstil passt zu mir?"),
        ],
        notes="## Lieferantenverhandlung\n"
        "- 4\u00a0% Rabatt erreicht, den Zielpreis fast getroffen.\n"
        "- Gut: die Schmerzgrenze vorher aufgeschrieben. Nächstes Mal früher schweigen und die Gegenseite reden "
        "lassen.\n\n"
        "## Führungsstile\n"
        "- Stärkenprofil besprochen: Sophie führt eher coachend.\n"
        "- Jürgen erzählt von seinem ersten Jahr als Teamleiter.",
        mentee=Rating(4, "Die Nachbesprechung war sehr konkret."),
        mentor=Rating(4, "Gut vorbereitet.", "Mehr Zeit für das zweite Thema einplanen."),
        todos=[
            Todo("mentor", "Buchempfehlung zu Führungsstilen schicken", 3, 1),
            Todo("mentee", "Einen ersten Entwurf für den 90-Tage-Plan schreiben", 21, 18),
        ],
        progress=[
            (0, "mentee", 40, "Erste Lieferantenverhandlung selbst geführt: 4\u00a0% Rabatt erreicht."),
            (1, "mentor", 20, "Führungsstile besprochen; Sophie hat ihr Stärkenprofil erstellt."),
        ],
    ),
    Held(
        agenda=[
            ("mentee", "Entwurf des 90-Tage-Plans besprechen"),
            ("mentor", "Erste Woche: Einzelgespräche mit allen im Team?"),
        ],
        notes="## 90-Tage-Plan\n"
        "- Tag 1–30: zuhören, Einzelgespräche mit allen im Team, keine großen Änderungen.\n"
        "- Tag 31–60: zwei schnelle Verbesserungen, die das Team selbst vorschlägt.\n"
        "- Tag 61–90: die Ziele für das nächste Halbjahr gemeinsam festlegen.",
        mentor_adds="Jürgen: „Schreib dir auf, was du in den ersten Wochen *nicht* ändern willst.“",
        mentee=Rating(4, "Der Plan ist viel klarer geworden."),
        mentor=Rating(4, "Ein durchdachter Entwurf."),
        todos=[Todo("mentee", "Den Plan mit meiner Führungskraft abstimmen", 21, 20)],
        progress=[(1, "mentee", 60, "Entwurf des 90-Tage-Plans steht; Jürgen hat ihn kommentiert.")],
    ),
    Held(
        agenda=[("mentee", "Verlängerung des Rahmenvertrags mit der Druckerei vorbereiten")],
        notes="## Rahmenvertrag Druckerei\n"
        "- Ziel: ein Jahr verlängern, ohne Preiserhöhung.\n"
        "- Alternative: Das Angebot einer zweiten Druckerei liegt vor.\n"
        "- Rollenspiel mit Jürgen als hartem Einkäufer – im zweiten Durchgang deutlich ruhiger.",
        mentee=Rating(4, "Das Rollenspiel hat mir Sicherheit gegeben."),
        mentor=Rating(5, "Im zweiten Durchgang hat Sophie souverän reagiert."),
        todos=[Todo("mentee", "Die Verhandlung führen und kurz berichten", 14, 9)],
        moved_days=1,  # Jürgen was travelling
    ),
    Held(
        agenda=[
            ("mentee", "Rückmeldung meiner Führungskraft zum 90-Tage-Plan"),
            ("mentee", "Ergebnis der Verhandlung mit der Druckerei"),
        ],
        notes="## Druckerei\n"
        "- Rahmenvertrag um ein Jahr verlängert, der Preis bleibt.\n\n"
        "## Teamleitung\n"
        "- Der Plan ist abgestimmt; Sophie übernimmt das Team zum Monatsanfang.\n"
        "- Erste Woche: Einzelgespräche und ein gemeinsames Frühstück mit dem Team.",
        mentee=Rating(5, "Ein echter Meilenstein – danke für die Geduld mit meinem Plan."),
        mentor=Rating(5, "Schön zu sehen, wie viel Sophie sich jetzt zutraut."),
        todos=[Todo("mentor", "Kontakt zu Nadine aus dem Vertrieb herstellen (auch neu in der Teamleitung)", 7, 3)],
        progress=[
            (0, "mentee", 70, "Zweite Verhandlung: Rahmenvertrag mit der Druckerei verlängert, ohne Preiserhöhung."),
            (1, "mentee", 100, "Plan mit meiner Führungskraft abgestimmt; ich übernehme das Team zum Monatsanfang."),
        ],
    ),
    Held(
        agenda=[("mentor", "Wie laufen die ersten Wochen im Team?")],
        notes="## Erste Wochen im Team\n"
        "- Viel los, kaum Zeit für die Vorbereitung.\n"
        "- Wir haben nur kurz über die Einzelgespräche gesprochen.",
        mentee=Rating(3, "Gut, dass wir uns trotzdem gesehen haben.", "Ich muss besser vorbereitet kommen.", True),
        mentor=Rating(3, "Ein ehrlicher Zwischenstand.", "Nächstes Mal ein konkretes Thema statt nur Oberfläche."),
        private_note="Ich war kaum vorbereitet und habe mich gehetzt gefühlt. Nächstes Mal offen sagen, dass mir "
        "gerade die Zeit fehlt – und vorher eine Frage aufschreiben.",
    ),
    Held(
        agenda=[
            ("mentee", "Kürzer vorbereiten: eine Frage pro Treffen"),
            ("mentee", "Budgetverhandlung für mein Team"),
        ],
        notes="## Vorbereitung\n"
        "- Neue Regel: Sophie schreibt eine Frage in die Agenda, mehr nicht.\n\n"
        "## Budgetverhandlung\n"
        "- Argumente: zwei offene Stellen, die Kampagnen im Herbst.\n"
        "- Zielbudget, Schmerzgrenze und Alternative (eine Agentur statt einer neuen Stelle) notiert.",
        mentee=Rating(4, "Die neue Regel entlastet mich."),
        mentor=Rating(4, "Klarer Fokus."),
        todos=[Todo("mentee", "Das Budgetgespräch führen", 14, 12)],
    ),
    Held(
        agenda=[
            ("mentee", "Budget: das Ergebnis"),
            ("mentee", "Rollenspiel: Feedback an einen Kollegen, der Termine nicht hält"),
        ],
        notes="## Budget\n"
        "- Durchgesetzt: eine zusätzliche Stelle im Team. Damit ist das erste Ziel erreicht.\n\n"
        "## Rollenspiel Feedback\n"
        "- Aufbau: Beobachtung – Wirkung – Wunsch.\n"
        "- Der erste Durchgang war zu weich, der zweite klar und freundlich.",
        mentee=Rating(5, "Ziel erreicht! Und das Rollenspiel war Gold wert."),
        mentor=Rating(5, "Eine beeindruckende Entwicklung seit unserem ersten Treffen."),
        progress=[
            (0, "mentee", 100, "Dritte Verhandlung: eine zusätzliche Stelle fürs Team durchgesetzt. Ziel erreicht."),
            (2, "mentor", 30, "Ein Feedbackgespräch im Rollenspiel geübt; der zweite Durchgang war richtig gut."),
        ],
    ),
    Held(
        agenda=[
            ("mentee", "Feedback an meine eigene Führungskraft – wie sage ich es?"),
            ("mentor", "Zweites Rollenspiel"),
        ],
        notes="## Feedback nach oben\n"
        "- Anlass: Entscheidungen kommen oft sehr kurzfristig ins Team.\n"
        "- Rollenspiel mit Jürgen als Führungskraft: mit einer Frage einsteigen statt mit Kritik.\n\n"
        "## Nächste Schritte\n"
        "- Das Gespräch in den nächsten Wochen führen.",
        mentee=Rating(5, "Ich fühle mich gut vorbereitet."),
        mentor=Rating(4, "Gutes Rollenspiel.", "Mehr Zeit für die Nachbesprechung lassen."),
        todos=[Todo("mentee", "Feedbackgespräch mit meiner Führungskraft führen", 70)],
        progress=[(2, "mentee", 60, "Zweites Rollenspiel geübt und das erste echte Feedbackgespräch im Team geführt.")],
    ),
    Held(
        agenda=[
            ("mentee", "Das Gespräch mit meiner Führungskraft ist verschoben – wie bleibe ich dran?"),
            ("mentor", "Ausblick auf die letzten Monate unseres Mentorings"),
        ],
        notes="## Feedback nach oben\n"
        "- Der Termin ist verschoben; Sophie fragt aktiv nach einem neuen.\n\n"
        "## Ausblick\n"
        "- Noch zwei Treffen bis zum Abschluss.\n"
        "- Für den Abschlussrückblick: Was nehmen wir beide mit?",
        mentee=Rating(5, "Gut, einen Plan für die letzten Monate zu haben."),
        mentor=Rating(5, "Sophie führt inzwischen durch unsere Treffen."),
        todos=[
            Todo("mentee", "Ideen für den Abschlussrückblick sammeln", 35),
            Todo("mentor", "Eigene Erfahrungen aus dem ersten Führungsjahr aufschreiben", 14, 6),
        ],
    ),
]
NEXT_AGENDA = [
    ("mentee", "Nachbesprechung: Feedbackgespräch mit meiner Führungskraft"),
    ("mentor", "Den Abschlussrückblick vorbereiten"),
]
# What the later pairs rate their meetings (they leave no words): (mentor, mentee) per held meeting.
LATER_RATINGS = [(4, 4), (4, 5), (5, 4), (4, 4), (5, 5), (4, 5)]


def load_meetings(pair: Demo, later: list[Demo]) -> None:
    """Sophie and Jürgen's year of meetings; Hannah and Lea meet monthly, David and Jonas have gone quiet."""
    _pair_meetings(pair)
    regular, quiet = later
    _monthly_held(regular)
    _gone_quiet(quiet)


def next_pair_day(now: datetime) -> date:
    """The demo pair's next meeting: a Tuesday or Thursday in the next days, on the same n-th weekday each
    month (the 29th to 31st are not)."""
    day = now.astimezone(recurrence.zone(BERLIN)).date() + timedelta(days=2)
    while day.weekday() not in PAIR_TIMES or day.day > 28:
        day += timedelta(days=1)
    return day


def _pair_meetings(demo: Demo) -> None:
    """A monthly series on the weekday of the next meeting, starting ten meetings back; each of those held."""
    ahead = next_pair_day(utcnow())
    weekday, week = ahead.weekday(), (ahead.day - 1) // 7 + 1
    until_ahead = Plan(Cadence.MONTHLY, weekday, PAIR_TIMES[weekday], BERLIN, demo.start.date(), ahead, "weekday", week)
    starts = recurrence.plan_occurrences(until_ahead)
    first = starts[-(len(PAIR_MEETINGS) + 1)].astimezone(recurrence.zone(BERLIN)).date()
    meetings = _plan(demo, replace(until_ahead, starts_on=first, until=_end(demo)), PAIR_PLANNED_ON)
    past = [m for m in meetings if m.starts_at < utcnow()]
    assert len(past) == len(PAIR_MEETINGS), "the series starts ten meetings before the next one"
    for n, (meeting, spec) in enumerate(zip(past, PAIR_MEETINGS, strict=True)):
        _hold(demo, meeting, spec, next_start=meetings[n + 1].starts_at)
    upcoming = meetings[len(past)]
    for n, (side, text) in enumerate(NEXT_AGENDA):
        item = service.add_agenda_item(demo.session, demo.seats[side], upcoming, text, demo.seats[side].user)
        item.created_at = utcnow() - timedelta(days=2 - n, hours=3)
    demo.session.flush()


def _end(demo: Demo) -> date:
    assert demo.mentorship.planned_end_on is not None
    return demo.mentorship.planned_end_on


def _plan(demo: Demo, plan: Plan, on_day: float) -> list[Meeting]:
    """The mentee plans the series on day `on_day`; its meetings, oldest first."""
    seat = demo.seats["mentee"]
    made, _replaced = series.plan(demo.session, seat, plan, series.Details(), seat.user, now=demo.day(on_day))
    demo.stamp(made, on_day, "created_at")
    meetings = series.occurrences_of(demo.session, made)
    for meeting in meetings:
        demo.stamp(meeting, on_day, "created_at", "updated_at")
    return meetings


def _hold(demo: Demo, meeting: Meeting, spec: Held, next_start: datetime) -> None:
    """Agenda beforehand, the meeting held, notes, action items, progress and both sides' feedback."""
    session, seats, program = demo.session, demo.seats, demo.program
    if spec.moved_days:
        local = meeting.starts_at.astimezone(recurrence.zone(BERLIN)) + timedelta(days=spec.moved_days)
        when = service.When(local.date(), local.replace(tzinfo=None), BERLIN)
        service.move(session, seats["mentor"], meeting, when)
    start, end = meeting.starts_at, meeting.ends_at
    for n, (side, text) in enumerate(spec.agenda):
        item = service.add_agenda_item(session, seats[side], meeting, text, seats[side].user)
        item.created_at = start - timedelta(days=3 - n)
    sophie, juergen = seats["mentee"], seats["mentor"]
    service.record_outcome(session, sophie, meeting, "held", sophie.user, now=end + timedelta(minutes=10))
    service.save_notes(session, sophie, meeting, spec.notes, meeting.notes_version, sophie.user)
    if spec.mentor_adds:
        notes = f"{spec.notes}\n\n{spec.mentor_adds}"
        service.save_notes(session, juergen, meeting, notes, meeting.notes_version, juergen.user)
    meeting.updated_at = end + timedelta(hours=2)
    for todo in spec.todos or []:
        owner = seats[todo.owner]
        due = (start + timedelta(days=todo.due_days)).date()
        task = service.add_action_item(session, owner, meeting, todo.title, Side(todo.owner), due, owner.user)
        task.created_at = end - timedelta(minutes=5)
        if todo.done_days is not None:
            service.set_done(session, task, True, owner.user)
            task.done_at = min(start + timedelta(days=todo.done_days), next_start)
    for goal, side, percent, note in spec.progress or []:
        status = GoalStatus.ACHIEVED if percent == 100 else None
        entry = goals.record_progress(
            session, seats[side], program, demo.goal_keys[goal], progress=percent, status=status, note=note
        )
        entry.created_at = end - timedelta(minutes=10)
    for n, (side, rating) in enumerate((("mentee", spec.mentee), ("mentor", spec.mentor))):
        feedback = service.give_feedback(
            session,
            seats[side],
            meeting,
            usefulness=rating.usefulness,
            went_well=rating.went_well,
            to_change=rating.to_change,
            visibility=FeedbackVisibility.PRIVATE if rating.private else FeedbackVisibility.PARTNER,
        )
        feedback.created_at = end + timedelta(hours=1 + 3 * n)
    if spec.private_note:
        own = service.save_private_note(session, meeting, spec.private_note, sophie.user)
        own.updated_at = end + timedelta(minutes=30)
    session.flush()


def _monthly_held(demo: Demo) -> None:
    """Hannah and Lea: the second Thursday of each month in the afternoon, every meeting so far held."""
    plan = Plan(
        Cadence.MONTHLY, 3, time(14, 0), BERLIN, demo.day(LATER_PLANNED_ON + 1).date(), _end(demo), week_of_month=2
    )
    for n, meeting in enumerate(_plan(demo, plan, LATER_PLANNED_ON)):
        if meeting.ends_at + timedelta(hours=1) > utcnow():  # not yet, or too recent for anyone to have said
            break
        _held_with_ratings(demo, meeting, LATER_RATINGS[n % len(LATER_RATINGS)])


def _gone_quiet(demo: Demo) -> None:
    """David and Jonas: monthly on a weekday afternoon in London; held until about two months ago, missed since."""
    last = (utcnow() - timedelta(days=QUIET_SINCE_DAYS)).astimezone(recurrence.zone(LONDON)).date()
    while last.weekday() > 3 or last.day > 28:  # a Monday to Thursday with the same place in every month
        last -= timedelta(days=1)
    plan = Plan(
        Cadence.MONTHLY,
        last.weekday(),
        time(16, 0),
        LONDON,
        demo.day(LATER_PLANNED_ON + 1).date(),
        _end(demo),
        week_of_month=(last.day - 1) // 7 + 1,
    )
    jonas = demo.seats["mentee"]
    for n, meeting in enumerate(_plan(demo, plan, LATER_PLANNED_ON)):
        if meeting.starts_at.astimezone(recurrence.zone(LONDON)).date() <= last:
            _held_with_ratings(demo, meeting, LATER_RATINGS[n % len(LATER_RATINGS)])
        elif meeting.ends_at + timedelta(days=1) <= utcnow():  # Jonas said so the next day
            when = meeting.ends_at + timedelta(days=1)
            service.record_outcome(demo.session, jonas, meeting, "missed", jonas.user, now=when)


def _held_with_ratings(demo: Demo, meeting: Meeting, ratings: tuple[int, int]) -> None:
    """Held, as the mentee said half an hour later; both rate it for their partner and leave no words."""
    mentee = demo.seats["mentee"]
    service.record_outcome(
        demo.session, mentee, meeting, "held", mentee.user, now=meeting.ends_at + timedelta(minutes=30)
    )
    for n, (side, usefulness) in enumerate(zip(("mentor", "mentee"), ratings, strict=True)):
        feedback = service.give_feedback(
            demo.session,
            demo.seats[side],
            meeting,
            usefulness=usefulness,
            went_well="",
            to_change="",
            visibility=FeedbackVisibility.PARTNER,
        )
        feedback.created_at = meeting.ends_at + timedelta(hours=2 + n)
    demo.session.flush()
