"""Participant import/export and tags against SQLite and PostgreSQL: all rows or none, updates not duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.errors import Conflict, NotFound, ValidationFailed
from mentorloom.profiles import csv_format, importer
from mentorloom.profiles.importer import ImportSummary, export_participants, import_participants
from mentorloom.profiles.models import Profile, ProfileInterest, ProfileSkill, SkillKind, Tag, TagKind
from mentorloom.profiles.tags import get_or_create_tags, suggest_tags
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_membership, make_program, make_user

HEADER = "email,name,role,department,line_manager_email,timezone,languages,values,interests,expertise,wanted_skills,capacity,availability,bio"  # noqa: E501
ANNA = 'anna@example.org,Anna Müller,mentor,Vertrieb,Boss@Example.org,Europe/Berlin,de|en,growth|Ehrlichkeit,Klettern|Jazz,Verhandlungsführung:4|Python:3,,2,Mon 09:00-12:00,"Zwei\nZeilen"'  # noqa: E501
BEN = "Ben@Example.org,Ben Smith,mentee,IT,,UTC,en,,jazz,,python:1|Public speaking:2,,Tue 18:00-20:00,"
CARLA = "carla@example.org,Carla Groß,Mentorin,,,,de,,,Führung:5,,,,"
GOOD = "\r\n".join([HEADER, ANNA, BEN, CARLA]) + "\r\n"


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def members(session: Session, program: Program) -> dict[str, Membership]:
    stmt = select(Membership).where(Membership.program_id == program.id)
    return {m.user.email: m for m in session.scalars(stmt)}


def profile_of(session: Session, program: Program, email: str) -> Profile:
    profile = session.get(Profile, members(session, program)[email].id)
    assert profile is not None
    return profile


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """Collects the SQL statements sent while the block runs."""
    seen: list[str] = []
    connection = session.connection()

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_good_file_imports(db_session: Session) -> None:
    program = make_program(db_session)
    summary = import_participants(db_session, program.id, GOOD.encode())
    assert summary == ImportSummary(created=3, updated=0, unchanged=0)
    assert summary.as_dict() == {"created": 3, "updated": 0, "unchanged": 0}

    by_email = members(db_session, program)
    assert {email: m.role for email, m in by_email.items()} == {
        "anna@example.org": Role.MENTOR,
        "ben@example.org": Role.MENTEE,
        "carla@example.org": Role.MENTOR,
    }
    assert by_email["anna@example.org"].user.password_hash is None  # invited, not yet activated
    anna = profile_of(db_session, program, "anna@example.org")
    assert (anna.department, anna.line_manager_email, anna.timezone) == (
        "Vertrieb",
        "boss@example.org",
        "Europe/Berlin",
    )
    assert (anna.languages, anna.values, anna.capacity, anna.bio) == (
        ["de", "en"],
        ["growth", "honesty"],
        2,
        "Zwei\nZeilen",
    )
    assert anna.availability == [{"day": 0, "start": "09:00", "end": "12:00"}]
    assert [(s.tag.label, s.kind, s.weight) for s in anna.skills] == [
        ("Verhandlungsführung", SkillKind.EXPERTISE, 4),
        ("Python", SkillKind.EXPERTISE, 3),
    ]
    ben = profile_of(db_session, program, "ben@example.org")
    # Tags are shared: Ben's "python" and "jazz" are Anna's "Python" and "Jazz".
    assert [(s.tag.label, s.kind, s.weight) for s in ben.skills] == [
        ("Python", SkillKind.WANTED, 1),
        ("Public speaking", SkillKind.WANTED, 2),
    ]
    assert [i.tag.label for i in ben.interests] == ["Jazz"]
    assert profile_of(db_session, program, "carla@example.org").capacity == 1


def test_semicolon_file_with_bom_imports(db_session: Session) -> None:
    program = make_program(db_session)
    text = "\r\n".join([HEADER.replace(",", ";"), CARLA.replace(",", ";")])
    assert import_participants(db_session, program.id, b"\xef\xbb\xbf" + text.encode()).created == 1
    assert list(members(db_session, program)) == ["carla@example.org"]


def test_reimport_updates_instead_of_duplicating(db_session: Session) -> None:
    program = make_program(db_session)
    import_participants(db_session, program.id, GOOD.encode())
    users, skills = count(db_session, User), count(db_session, ProfileSkill)

    shouting = GOOD.replace("anna@example.org", "ANNA@Example.ORG")  # e-mail addresses ignore case
    assert import_participants(db_session, program.id, shouting.encode()) == ImportSummary(unchanged=3)
    assert profile_of(db_session, program, "anna@example.org").version == 1  # untouched rows keep their version

    changed = GOOD.replace("Python:3", "Python:5").replace("Ben Smith", "Benjamin Smith").replace("Mentorin", "mentee")
    changed = changed.replace("Führung:5,,", ",Führung:1,")
    summary = import_participants(db_session, program.id, changed.encode())
    assert summary == ImportSummary(created=0, updated=3, unchanged=0)
    assert (count(db_session, User), count(db_session, ProfileSkill)) == (users, skills)
    assert count(db_session, Membership) == 3
    anna = profile_of(db_session, program, "anna@example.org")
    assert [(s.tag.label, s.weight) for s in anna.skills] == [("Verhandlungsführung", 4), ("Python", 5)]
    assert anna.version == 2
    assert members(db_session, program)["ben@example.org"].user.display_name == "Benjamin Smith"
    carla = profile_of(db_session, program, "carla@example.org")
    assert members(db_session, program)["carla@example.org"].role is Role.MENTEE
    assert (carla.capacity, [(s.kind, s.weight) for s in carla.skills]) == (0, [(SkillKind.WANTED, 1)])


def test_existing_accounts_are_found_and_keep_their_own_name(db_session: Session) -> None:
    program = make_program(db_session)
    other_program = make_program(db_session, name="Other")
    active = make_user(db_session, email="anna@example.org", name="Anna M.")
    active.password_hash = "set-by-anna"
    invited = make_user(db_session, email="ben@example.org", name="B.")
    make_membership(db_session, program=other_program, user=invited, role=Role.MENTOR)
    users = count(db_session, User)

    summary = import_participants(db_session, program.id, GOOD.encode())
    assert summary.created == 3 and count(db_session, User) == users + 1
    assert members(db_session, program)["anna@example.org"].user.display_name == "Anna M."
    assert members(db_session, program)["ben@example.org"].user.display_name == "Ben Smith"
    assert members(db_session, other_program)["ben@example.org"].role is Role.MENTOR


def test_bad_file_lists_every_bad_row_and_writes_nothing(db_session: Session) -> None:
    program = make_program(db_session)
    before = [count(db_session, model) for model in (User, Membership, Profile, Tag)]
    bad = "\r\n".join(
        [
            HEADER,
            ANNA,
            BEN.replace("UTC", "Berlin"),
            CARLA,
            "dora@example.org,Dora,mentee,,,,,,Neues Hobby,,Neue Fähigkeit:7,,Wed 10:00-09:00,",
            ANNA.replace("Anna Müller", "Anna Zwei"),
        ]
    )
    with pytest.raises(ValidationFailed) as caught:
        import_participants(db_session, program.id, bad.encode())
    assert [(e["line"], e["column"]) for e in caught.value.errors] == [
        (4, "timezone"),
        (6, "wanted_skills"),
        (6, "availability"),
        (7, "email"),
    ]
    assert all(e["message"] for e in caught.value.errors)
    assert [count(db_session, model) for model in (User, Membership, Profile, Tag)] == before


def test_coordinator_listed_as_mentor_is_an_error_for_that_line(db_session: Session) -> None:
    program = make_program(db_session)
    coordinator = make_user(db_session, email="carla@example.org")
    make_membership(db_session, program=program, user=coordinator, role=Role.COORDINATOR)
    before = [count(db_session, model) for model in (User, Membership, Profile, Tag)]
    with pytest.raises(ValidationFailed) as caught:
        import_participants(db_session, program.id, GOOD.encode())
    assert [(e["line"], e["column"]) for e in caught.value.errors] == [(5, "role")]
    assert [count(db_session, model) for model in (User, Membership, Profile, Tag)] == before

    as_coordinator = GOOD.replace("Mentorin", "Koordinatorin")
    # Carla's account was never activated, so the file may correct her name: that is her update.
    assert import_participants(db_session, program.id, as_coordinator.encode()).as_dict() == {
        "created": 2,
        "updated": 1,
        "unchanged": 0,
    }
    assert db_session.get(Profile, members(db_session, program)["carla@example.org"].id) is None


def test_export_then_import_changes_nothing(db_session: Session) -> None:
    program = make_program(db_session)
    import_participants(db_session, program.id, GOOD.encode())
    make_membership(db_session, program=program, role=Role.COORDINATOR)  # coordinators have no profile

    exported = export_participants(db_session, program.id)
    assert exported.splitlines()[0] == ",".join(csv_format.COLUMNS)
    assert import_participants(db_session, program.id, exported.encode()) == ImportSummary(unchanged=4)
    assert export_participants(db_session, program.id) == exported
    german = export_participants(db_session, program.id, delimiter=";")
    assert import_participants(db_session, program.id, german.encode()) == ImportSummary(unchanged=4)

    mentors = export_participants(db_session, program.id, role=Role.MENTOR)
    assert [line.split(",")[0] for line in mentors.splitlines()[1:] if "@" in line.split(",")[0]] == [
        "anna@example.org",
        "carla@example.org",
    ]


def test_unknown_program(db_session: Session) -> None:
    with pytest.raises(NotFound):
        import_participants(db_session, 987654, GOOD.encode())
    with pytest.raises(NotFound):
        export_participants(db_session, 987654)


def _many(count: int, *, revision: int = 0) -> bytes:
    lines = [HEADER]
    for i in range(count):
        role = "mentor" if i % 3 == 0 else "mentee"
        skills = f"Skill {i % 40}:{1 + revision},,3" if role == "mentor" else f",Skill {i % 40}:{1 + revision},"
        lines.append(f"p{i}@example.org,Person {i},{role},,,,de,,Hobby {i % 25},{skills},,Rev {revision}")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_large_import_uses_a_bounded_number_of_statements_and_reports_progress(db_session: Session) -> None:
    program = make_program(db_session)
    progress: list[tuple[int, int]] = []
    with statements(db_session) as sent:
        summary = import_participants(db_session, program.id, _many(1200), progress=lambda *p: progress.append(p))
    assert summary.created == 1200
    assert progress == [(0, 1200), (500, 1200), (1000, 1200), (1200, 1200)]
    # A per-row query anywhere would show up as well over a thousand statements.
    assert len(sent) < 60, sent

    with statements(db_session) as sent:
        summary = import_participants(db_session, program.id, _many(1200, revision=1))
    assert summary.updated == 1200 and len(sent) < 60
    assert count(db_session, Membership) == 1200
    assert count(db_session, ProfileSkill) == 1200


def test_profile_edited_during_the_import_is_not_overwritten(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = make_program(db_session)
    import_participants(db_session, program.id, GOOD.encode())
    plan_profiles = importer._plan_profiles

    def plan_then_someone_saves(*args: Any) -> Any:
        plan = plan_profiles(*args)
        db_session.execute(update(Profile).values(version=Profile.version + 1))
        return plan

    monkeypatch.setattr(importer, "_plan_profiles", plan_then_someone_saves)
    with pytest.raises(Conflict):
        import_participants(db_session, program.id, GOOD.replace("Python:3", "Python:4").encode())


# --- tags


def test_get_or_create_tags_in_bulk(db_session: Session) -> None:
    existing = Tag(kind=TagKind.SKILL, key="python", label="Python")
    db_session.add(existing)
    db_session.flush()
    with statements(db_session) as sent:
        tags = get_or_create_tags(
            db_session, TagKind.SKILL, ["  PYTHON ", "Verhandlungsfu\u0308hrung", "VERHANDLUNGSFÜHRUNG", "", "Go"]
        )
    assert sorted(tags) == ["go", "python", "verhandlungsführung"]
    assert tags["python"].id == existing.id
    assert tags["verhandlungsführung"].label == "Verhandlungsführung"  # first-seen spelling, NFC
    # one SELECT, one INSERT, one SELECT of the new ids, and the one waiting job that embeds new tags
    assert len(sent) <= 5
    assert sum("INSERT INTO jobs" in statement for statement in sent) <= 1
    assert get_or_create_tags(db_session, TagKind.INTEREST, ["Python"])["python"].id != existing.id


def test_get_or_create_tags_rejects_unusable_labels(db_session: Session) -> None:
    before = count(db_session, Tag)
    with pytest.raises(ValidationFailed) as caught:
        get_or_create_tags(db_session, TagKind.SKILL, ["Ok", "a|b", "x" * 81])
    assert len(caught.value.errors) == 2
    assert count(db_session, Tag) == before


def test_suggest_tags_by_prefix_most_used_first(db_session: Session) -> None:
    program = make_program(db_session)
    dora = "dora@example.org,Dora Dorn,mentor,,,,de,,,Pyramiden:2|100% Einsatz:3|Public_Relations:1,,,,"
    import_participants(db_session, program.id, "\r\n".join([HEADER, ANNA, BEN, CARLA, dora]).encode())
    tags = get_or_create_tags(db_session, TagKind.SKILL, ["Pyramiden"])

    def labels(kind: TagKind, prefix: str) -> list[str]:
        return [t.label for t in suggest_tags(db_session, program.id, kind, prefix)]

    assert labels(TagKind.SKILL, "py") == ["Python", "Pyramiden"]
    assert labels(TagKind.SKILL, " VERHANDLUNGSFU\u0308") == ["Verhandlungsführung"]
    assert labels(TagKind.SKILL, "100%") == ["100% Einsatz"]
    assert labels(TagKind.SKILL, "public_") == ["Public_Relations"]
    assert labels(TagKind.INTEREST, "py") == []
    assert suggest_tags(db_session, program.id, TagKind.SKILL, "", limit=1)[0].label == "Python"  # Anna's and Ben's
    assert tags["pyramiden"] in suggest_tags(db_session, program.id, TagKind.SKILL, "p", limit=50)


def test_export_reads_tags_created_elsewhere(db_session: Session) -> None:
    program = make_program(db_session)
    import_participants(db_session, program.id, "\r\n".join([HEADER, CARLA]).encode())
    membership = members(db_session, program)["carla@example.org"]
    odd = Tag(kind=TagKind.INTEREST, key="a|b", label="A|B")
    db_session.add(odd)
    db_session.flush()
    db_session.add(ProfileInterest(profile_id=membership.id, tag_id=odd.id))
    db_session.flush()
    exported = export_participants(db_session, program.id)
    assert ",A/B," in exported  # the list separator would split the tag on the way back
