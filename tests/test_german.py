"""German as a native speaker writes it (../shared/GERMAN-STYLE.md), checked where a machine can.

1. No English identifier on a German page or in a German mail: every page reachable for each role of the
   demo, crawled in German, and every mail in every variant.
2. Every counter goes through ngettext: a number placeholder next to a noun is a plural entry, and no template
   prints a count next to a translated noun by itself.
3. No grammatical agreement built around a placeholder: in German, a placeholder stands after a colon or in a
   fixed slot (a name, number or date), never as the subject or object a verb or adjective must agree with.
4. Glossary: the forbidden words never appear in a German translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import urldefrag, urlsplit

import httpx
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import i18n
from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.demo import DEMO_PASSWORD, load_demo
from mentorloom.matching import service as matching
from mentorloom.matching.models import MatchRun, MentorRequest
from mentorloom.notifications.models import OutboxMail
from mentorloom.notifications.service import compose
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Membership, Program
from mentorloom.templating import TEMPLATE_DIR, build_environment, render_mail

ROOT = Path(__file__).resolve().parents[1]
PO = i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "messages.po"


def _catalog() -> Catalog:
    with PO.open("rb") as fh:
        return read_po(fh, locale="de")


def _entries() -> list[Message]:
    return [m for m in _catalog() if m.id]


def _ids(m: Message) -> list[str]:
    return list(m.id) if isinstance(m.id, tuple | list) else [m.id]


def _strs(m: Message) -> list[str]:
    return list(m.string) if isinstance(m.string, tuple | list) else [m.string]


# --- 1. no English identifiers in German output ---------------------------------------------------------------

# Case-sensitive: German writes Mentee and Mentor:in with a capital; a lower-case "mentee" is a raw role value.
ENGLISH_IDENTIFIERS: list[tuple[str, str]] = [
    (r"\b(?:mentee|mentor|coordinator|admin)s?\b", "a raw role value"),
    (r"\b[a-z]+_[a-z_]+\b", "a field name or enum value (snake_case)"),
    (r"\b(?:Factory|localtime|posixrules|Zulu|UCT)\b|\bEtc/", "a raw time-zone name"),
    (r"\b(?:Europe|America|Asia|Africa|Australia|Pacific|Atlantic|Indian|Antarctica)/[A-Z]\w+", "an IANA zone id"),
    (r"\b[A-Z][a-z]+[A-Za-z]*\.[A-Z][A-Z_]{2,}\b", "a Python enum"),
    (
        r"\b(?:pending|accepted|declined|expired|withdrawn|proposed|active|paused|completing|completed|queued"
        r"|running|ready|published|discarded|offered|rejected|locked|draft|confirmed|achieved|dropped)\b",
        "an English status value",
    ),
    (r"\b(?:Match|Matches|Tandem)\b", "an English or forbidden word for a proposal"),
    (r"\b(?:the|and|your|you|with|this|for|of|to|is|are)\b", "English words (a string not marked for translation?)"),
]
_EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+")


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes and the attributes screen readers and tooltips read."""

    SKIP: ClassVar[set[str]] = {"script", "style"}
    SPOKEN: ClassVar[set[str]] = {"title", "aria-label", "placeholder", "alt", "data-label"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0
        self._glue = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "wbr":  # a break opportunity inside a word: the reader still sees one word
            self._glue = True
            return
        if tag in self.SKIP:
            self._skip += 1
        values = dict(attrs)
        self.parts += [v for k, v in attrs if k in self.SPOKEN and v]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            if self._glue and self.parts:
                self.parts[-1] += data.strip()
            else:
                self.parts.append(data.strip())
        self._glue = False


def visible(html: str) -> tuple[str, list[str]]:
    parser = VisibleText()
    parser.feed(html)
    return _EMAIL_OR_URL.sub(" ", "\n".join(parser.parts)), parser.links


def _untranslated_sources() -> dict[str, str]:
    """English msgids of three words or more whose German differs: seen on a German page, they leaked."""
    found: dict[str, str] = {}
    for m in _entries():
        for msgid, msgstr in zip(_ids(m), _strs(m), strict=False):
            text = re.split(r"%\(\w+\)[sd]", msgid)
            for chunk in text:
                chunk = chunk.strip(" .:,;()–—")
                if len(chunk.split()) >= 3 and msgstr and chunk not in msgstr:
                    found[chunk] = msgid
    return found


def english_in(text: str, sources: dict[str, str]) -> list[str]:
    problems = []
    for pattern, what in ENGLISH_IDENTIFIERS:
        problems += [f"{what}: {hit!r}" for hit in sorted(set(re.findall(pattern, text)))]
    problems += [f"untranslated: {chunk!r}" for chunk in sources if chunk in text]
    return problems


def _context_of(text: str, needle: str) -> str:
    at = text.find(needle)
    return text[max(0, at - 60) : at + len(needle) + 60].replace("\n", " ¶ ") if at >= 0 else ""


SKIP_LINKS = re.compile(r"^/(?:api/|static/|logout)|\.csv$|/export")


async def crawl(client: httpx.AsyncClient, start: str = "/", limit: int = 120) -> dict[str, str]:
    """GET every same-site page reachable from `start` by links (no forms), in German; {path: visible text}."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = await client.get(path)
        assert response.status_code in (200, 303), f"{path}: {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
            seen[path] = ""
            continue
        assert response.headers["content-language"] == "de", path
        text, links = visible(response.text)
        seen[path] = text
        for link in links:
            link = urldefrag(link).url
            internal = link.startswith("/") and not link.startswith("//")
            if internal and not SKIP_LINKS.search(urlsplit(link).path) and link not in seen and link not in queue:
                queue.append(link)
    return seen


def _demo_world(session: Session) -> int:
    """The demo with a matching run: proposals under review, then a second state of offers and a request."""
    program_id = load_demo(session)
    assert program_id is not None
    # Participants' own words are theirs to write in any language; the demo has a few English ones.
    for profile in session.scalars(select(Profile).join(Membership).where(Membership.program_id == program_id)):
        profile.bio = "Ich freue mich auf den Austausch."
    session.get_one(Program, program_id).description = "Ein Jahr Mentoring für Nachwuchskräfte."
    session.flush()
    return program_id


def _user(session: Session, email: str) -> User:
    return session.scalars(select(User).where(User.email == email)).one()


async def _login(client: httpx.AsyncClient, email: str) -> None:
    client.cookies.clear()
    client.cookies.set("ml_lang", "de")
    await client.get("/login")
    response = await client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": client.cookies.get("ml_csrf")}
    )
    assert response.status_code == 303, response.text
    client.cookies.set("ml_lang", "de")


def _report(pages: dict[str, str], sources: dict[str, str]) -> list[str]:
    """Each problem once, with the first page it is on and its context there."""
    first: dict[str, str] = {}
    for path, text in pages.items():
        for problem in english_in(text, sources):
            needle = problem.split(": ", 1)[1].strip("'\"")
            first.setdefault(problem, f"{path}: {problem} … {_context_of(text, needle)}")
    return list(first.values())


@pytest.mark.anyio
async def test_every_page_a_role_reaches_reads_german_without_english_identifiers(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    program_id = _demo_world(db_session)
    program = db_session.get_one(Program, program_id)
    coordinator = _user(db_session, "coordinator@demo.mentorloom.org")
    run = matching.start_run(db_session, program, coordinator)
    matching.compute_run(db_session, run)
    db_session.flush()
    sources = _untranslated_sources()

    await _login(client, "coordinator@demo.mentorloom.org")
    pages = await crawl(client)
    assert f"/programs/{program_id}/matching/runs/{run.id}" in pages  # the review of proposals was reached
    problems = _report(pages, sources)

    matching.publish(db_session, db_session.get_one(MatchRun, run.id))
    tom = db_session.scalars(
        select(Membership)
        .join(User)
        .where(User.email == "tom@demo.mentorloom.org", Membership.program_id == program_id)
    ).one()
    lukas = db_session.scalars(
        select(Membership)
        .join(User)
        .where(User.email == "lukas@demo.mentorloom.org", Membership.program_id == program_id)
    ).one()
    db_session.add(
        MentorRequest(
            program_id=program_id,
            mentee_id=tom.id,
            mentor_id=lukas.id,
            message="Ich würde gern von Ihnen lernen.",
            expires_at=utcnow() + timedelta(days=7),
        )
    )
    db_session.flush()
    for email in (
        "coordinator@demo.mentorloom.org",
        "mentor@demo.mentorloom.org",
        "mentee@demo.mentorloom.org",
        "lukas@demo.mentorloom.org",
        "tom@demo.mentorloom.org",
        "admin@demo.mentorloom.org",
    ):
        await _login(client, email)
        problems += [f"{email} {p}" for p in _report(await crawl(client), sources)]
    problems = list(dict.fromkeys(problems))
    assert not problems, f"{len(problems)} English leftovers on German pages:\n" + "\n".join(problems)

    # The mails this made (offers to both sides of each pair), as they go out to German readers.
    people = [u.display_name for u in db_session.scalars(select(User))]
    german = [m for m in db_session.scalars(select(OutboxMail)) if m.locale == "de"]
    assert german, "publishing sends offer mails"
    for mail in german:
        message = compose(db_session, settings, mail)
        # Invitations carry a calendar as a second part: read the text part.
        body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]
        name = db_session.scalars(select(User.display_name).where(User.email == mail.to_address)).one()
        problems += [
            f"mail {mail.template} to {mail.to_address}: {p}"
            for p in german_mail_problems(str(message["Subject"]), body, salutation=f"Guten Tag {name},", names=people)
        ]
    assert not problems, f"{len(problems)} English leftovers on German pages:\n" + "\n".join(problems)


# --- mails ----------------------------------------------------------------------------------------------------

MAIL_VARIANTS: dict[str, list[dict[str, object]]] = {
    "invitation": [{"role_label": "mentee", "days": 7, "link": "https://x.example/invitation/t"}],
    "password_reset": [{"hours": 2, "link": "https://x.example/reset/t"}],
    "match_offer": [{"partner_name": "Jürgen Weiß"}, {"partner_name": "Jürgen Weiß", "days": 1, "link": "https://x"}],
    "match_answer": [
        {"partner_name": "Jürgen Weiß", "outcome": outcome, "mentorship_id": 3}
        for outcome in ("started", "partner_accepted", "declined")
    ],
    "request_sent": [{"partner_name": "Tom Becker", "message_text": "Ich würde gern von Ihnen lernen."}],
    "request_answered": [
        {"partner_name": "Lukas Öztürk", "accepted": True, "note": "Gern!"},
        {"partner_name": "Lukas Öztürk", "accepted": False, "note": "Mir fehlt gerade die Zeit."},
        {"partner_name": "Lukas Öztürk", "accepted": False, "note": ""},
    ],
    "agreement_waiting": [{"partner_name": "Jürgen Weiß", "version": 2, "mentorship_id": 3}],
    "agreement_new_version": [{"partner_name": "Jürgen Weiß", "version": 3, "path": "/programs/1/mentorships/3"}],
    "review_due": [{"path": "/programs/1/mentorships/3"}],
    "health_nudge": [
        {"partner_name": "Jürgen Weiß", "program_name": "Mentoring 2027", "path": "/programs/1/mentorships/3"}
    ],
    "inactivity_warning": [
        {
            "program_name": "Mentoring 2027",
            "concludes_day": "9. März 2027",
            "quiet_days": quiet,
            "partner_name": "Jürgen Weiß",
            "limit_days": limit,
            "path": "/programs/1/mentorships/3",
        }
        for quiet, limit in ((83, 90), (1, 1))
    ],
    "pulse_open": [{"partner_name": "Jürgen Weiß", "path": "/programs/1/mentorships/3"}],
    "pulse_stuck": [
        {"mentee_name": "Lukas Öztürk", "text": text, "path": "/programs/1/mentorships/3"}
        for text in ("Ich komme mit meiner Bewerbung nicht weiter.", "")
    ],
    "fit_check_due": [{"partner_name": "Jürgen Weiß", "path": "/programs/1/mentorships/3"}],
    "pair_message": [
        {"partner_name": "Jürgen Weiß", "count": 1, "excerpts": ["Bis Dienstag!"], "more": 0, "path": "/p"},
        {"partner_name": "Jürgen Weiß", "count": 7, "excerpts": ["Eins", "Zwei", "Drei"], "more": 2, "path": "/p"},
    ],
    "mentorship_paused": [{"status": status, "path": "/programs/1/mentorships/3"} for status in ("paused", "active")],
    "mentorship_ended": [
        {"status": status, "path": "/programs/1/mentorships/3"} for status in ("completed", "ended_early")
    ],
    "partner_erased": [{"path": "/programs/1/mentorships/3"}],
    "pair_partner_erased": [
        {
            "mentor_name": "Person 7 (gelöscht)",
            "mentee_name": "Lukas Öztürk",
            "partner_name": "Lukas Öztürk",
            "path": "/programs/1/health/pairs/3",
        }
    ],
    "meeting_invitation": [
        {
            "partner_name": "Jürgen Weiß",
            "series": True,
            "planned_by": "Jürgen Weiß",
            "first_start": "2027-03-02T17:00:00+00:00",
            "path": "/p",
        },
        {"partner_name": "Jürgen Weiß", "series": True, "ended": True, "path": "/p"},
        {
            "partner_name": "Jürgen Weiß",
            "moved": True,
            "changed_by": "Jürgen Weiß",
            "start": "2027-03-02T17:00:00+00:00",
            "path": "/p",
        },
        {
            "partner_name": "Jürgen Weiß",
            "changed_by": "Jürgen Weiß",
            "start": "2027-03-02T17:00:00+00:00",
            "path": "/p",
        },
    ],
    "meeting_cancelled": [
        {
            "partner_name": "Jürgen Weiß",
            "changed_by": "Jürgen Weiß",
            "start": "2027-03-02T17:00:00+00:00",
            "path": "/p",
        },
        {"partner_name": "Jürgen Weiß", "changed_by": "", "start": "2027-03-02T17:00:00+00:00", "path": "/p"},
        {
            "partner_name": "Jürgen Weiß",
            "series": True,
            "changed_by": "",
            "start": "2027-03-02T17:00:00+00:00",
            "path": "/p",
        },
    ],
    "meeting_reminder": [{"partner_name": "Jürgen Weiß", "start": "2027-03-02T17:00:00+00:00", "path": "/p"}],
    "meeting_followup": [{"partner_name": "Jürgen Weiß", "start": "2027-03-02T17:00:00+00:00", "path": "/p"}],
    "meeting_overdue": [{"partner_name": "Jürgen Weiß", "days": days, "path": "/p"} for days in (1, 52)],
    "coordinator_digest": [
        {
            "path": "/p",
            "figures": {"active_pairs": 12, "overdue_pairs": 1, "held_last_week": 4, "planned_next_week": 5},
        }
    ],
    **{
        kind: [{"by": "Jürgen Weiß", "title": "Sommertreffen", "start": "2027-03-02T17:00:00+00:00", "path": "/p"}]
        for kind in ("event_invitation", "event_updated", "event_cancelled", "event_seat_freed")
    },
    "milestone_reached": [
        {"partner_name": "Jürgen Weiß", "milestone_title": "Erstes Treffen", "note": "", "path": "/p"},
        {"partner_name": "Jürgen Weiß", "milestone_title": "Vortrag gehalten", "note": "Geschafft!", "path": "/p"},
    ],
    "kudos_received": [
        {"partner_name": "Tom Becker", "author_name": "Jürgen Weiß", "from_coordination": False, "text": "Danke!"},
        {"partner_name": "Tom Becker", "author_name": "Lukas Öztürk", "from_coordination": True, "text": "Toll!"},
    ],
    "resource_shared": [
        {"partner_name": "Jürgen Weiß", "title": "BATNA", "url": "https://x.example/a", "why": "", "path": "/p"},
        {"partner_name": "Jürgen Weiß", "title": "BATNA", "url": "https://x.example/a", "why": "Lies!", "path": "/p"},
    ],
    "digest": [
        {"items": [{"title": "Jürgen Weiß bittet Sie, Version 2 zu bestätigen", "url": "https://x.example/p/1"}]},
        {"items": [{"title": "Ihr Mentoring ist pausiert", "url": ""}, {"title": "Treffen", "url": "https://x"}]},
    ],
}
SALUTATION = "Guten Tag Sophie Müller,"
SIGN_OFF = "Viele Grüße – Ihre Programmkoordination"
# A German mail goes on in lower case after "Guten Tag …," — except for a name or the polite Sie.
CAPITALS_AFTER_SALUTATION = {"Sie", "Ihnen", "Ihr", "Ihre", "Ihren", "Ihrem", "Ihrer", "Jürgen", "Tom", "Lukas"}


def german_mails() -> Iterable[tuple[str, str, str]]:
    env = build_environment()
    for template, variants in MAIL_VARIANTS.items():
        for extra in variants:
            context = {"name": "Sophie Müller", "program_name": "Mentoring 2027", "base_url": "https://x.example"}
            context |= {"program_id": 1, **extra}
            if template == "invitation":
                with i18n.use_locale("de"):
                    context["role_label"] = i18n.gettext(str(extra["role_label"]))
            with i18n.use_locale("de"):
                subject, body = render_mail(env, template, **context)
            yield f"{template} {extra}", subject, body


def test_every_mail_template_is_a_mail_template() -> None:
    assert sorted(p.stem for p in (TEMPLATE_DIR / "mail").glob("*.txt") if not p.stem.startswith("_")) == sorted(
        MAIL_VARIANTS
    ), "a new mail template: add its variants to MAIL_VARIANTS"


@pytest.mark.parametrize(
    ("name", "subject", "body"),
    [pytest.param(*mail, id=f"{mail[0].split()[0]}-{i}") for i, mail in enumerate(german_mails())],
)
def test_german_mail_greets_goes_on_in_lower_case_and_signs_off(name: str, subject: str, body: str) -> None:
    problems = german_mail_problems(subject, body, salutation=SALUTATION)
    assert not problems, f"{name}: {problems}\n{body}"


def german_mail_problems(subject: str, body: str, *, salutation: str, names: Iterable[str] = ()) -> list[str]:
    problems = english_in(subject + "\n" + _EMAIL_OR_URL.sub(" ", body), _untranslated_sources())
    lines = [line for line in body.splitlines() if line.strip()]
    first_word = re.split(r"[\s,:]", lines[1])[0]
    capitals = CAPITALS_AFTER_SALUTATION | {n.split()[0] for n in names}
    checks = {
        f"greets with {salutation!r}": lines[0] == salutation,
        f"goes on in lower case, not {first_word!r}": first_word[:1].islower() or first_word in capitals,
        f"signs off with {SIGN_OFF!r}": lines[-1] == SIGN_OFF,
        "no blunt or system words": "abgelehnt" not in body and "Zuordnung" not in body,
        "German quotes": not re.search(r'"|”|“(?=\w)', body),
    }
    return problems + [check for check, ok in checks.items() if not ok]


# --- 2. every counter through ngettext ------------------------------------------------------------------------

NUMBER_NAMES = {"n", "num", "count", "days", "hours", "weeks", "months", "limit", "max", "min", "total", "found"}
# Numbers that name something rather than count it: "version 3", "line 12", "level 4 of 5".
IDENTIFIERS = {"version", "id", "page", "pages", "position", "lock", "level", "period", "other", "low", "high"}
# Words after a number that are no counted noun: the number is a position, a score or part of "N of M".
NOT_A_NOUN = {
    "of", "to", "and", "or", "has", "have", "is", "are", "was", "after", "before", "in", "on", "at", "for",
    "from", "with", "than", "more", "done", "MB", "percent",
}  # fmt: skip
NUMBER_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def counted_nouns(msgid: str) -> list[str]:
    """The words a number placeholder of `msgid` counts, e.g. "days" in "valid for %(days)d days"."""
    counted = []
    for match in NUMBER_PLACEHOLDER.finditer(msgid):
        name, kind = match.groups()
        if (kind != "d" and name not in NUMBER_NAMES) or name in IDENTIFIERS:
            continue
        rest = msgid[match.end() :]
        words = re.match(r" ((?:open |weak |more |ruled-out |marked )?)([A-Za-z][a-z-]+)", rest)
        if words and words.group(2) not in NOT_A_NOUN:
            counted.append(words.group(1) + words.group(2))
    return counted


def test_counted_nouns_heuristic() -> None:
    assert counted_nouns("valid for %(days)d days") == ["days"]
    assert counted_nouns("You can have up to %(n)s open requests") == ["open requests"]
    assert counted_nouns("Page %(page)s of %(pages)s") == []
    assert counted_nouns("Fit %(score)s of 100") == []
    assert counted_nouns("Column %(position)d has no name.") == []
    assert counted_nouns("The file is larger than %(mb)d MB.") == []


def test_every_counter_in_the_catalogue_is_a_plural_entry() -> None:
    singular_counters = [
        f"{m.id!r} counts {nouns}" for m in _entries() if not m.pluralizable and (nouns := counted_nouns(m.id))
    ]
    assert not singular_counters, "use ngettext for these counters:\n" + "\n".join(singular_counters)


# A count printed next to a translated label, e.g. <strong>{{ n }}</strong> <span>{{ _("mentors") }}</span>:
# "1 Mentor:innen". The label must come from ngettext with the same number.
TEMPLATE_COUNT_THEN_LABEL = re.compile(
    r"{{\s*(?P<count>[^{}()]*(?:\|number|\|length|count|num|total)[^{}]*)}}"
    r"\s*(?:(?:<(?!/?(?:dd|dt|div|li|td|th|p|h\d)\b)[^>]+>|{%[^%]*%})\s*)*{{\s*(?:_\(|m\.role_plural\()"
)


def test_no_template_prints_a_count_next_to_a_gettext_label() -> None:
    found = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in TEMPLATE_COUNT_THEN_LABEL.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(TEMPLATE_DIR)}:{line}: {match.group(0)[:110]!r}")
    assert not found, "print counted labels with ngettext (see the `counted` filter):\n" + "\n".join(found)


# --- 3. no grammatical agreement around a placeholder --------------------------------------------------------

# Placeholders in a fixed slot: a person's or program's name (no article, no inflection), a number, a date, a
# version, a code, a quoted value. German may write them anywhere.
FIXED_SLOTS = {
    "healthy", "risk", "factor", "open",
    "name", "partner", "mentee", "mentor", "a", "b", "x", "y", "email", "program", "file", "title", "goal", "who",
    "num", "n", "count", "days", "hours", "version", "lock", "date", "day", "time", "start", "id", "page", "pages",
    "pct", "percent", "score", "level", "minimum", "limit", "length", "max", "low", "high", "mb", "position",
    "other", "found", "expected", "period", "progress", "locked", "value", "column", "tag", "char", "item",
    "reason", "error", "problem", "codes", "ids", "example", "allowed", "answer", "note", "text", "tz", "role",
    "zone", "format", "skill", "label", "url", "when", "end", "min", "author", "cycle", "names", "lines",
}  # fmt: skip
# Placeholders whose value is a phrase or a list (values, a status, a wish): German puts them after a colon or
# a dash, or in quotes or brackets, never as a subject or object that a verb or adjective would agree with.
PHRASES = {"values", "interests", "languages", "skills", "items", "last", "wish", "status", "current", "target"}
# A label before a list agrees with the list's length (Gemeinsame Sprache: Deutsch / Gemeinsame Sprachen: …).
LISTS = {"values", "interests", "languages", "skills"}
# msgid: why its German may keep a phrase placeholder in running text
AGREEMENT_ALLOWLIST: dict[str, str] = {
    "%(items)s and %(last)s": "joins a list: „a, b und c“ agrees with nothing",
}


def _framed(before: str, after: str) -> bool:
    before = before.rstrip()
    if before.endswith("„"):
        return after.startswith("“")
    return before.endswith((":", "–", "(", "—"))


def placeholder_in_agreement(msgstr: str) -> list[str]:
    """Phrase placeholders that stand in running text instead of after a colon, dash, quote or bracket."""
    return [
        match.group(1)
        for match in NUMBER_PLACEHOLDER.finditer(msgstr)
        if match.group(1) in PHRASES and not _framed(msgstr[: match.start()], msgstr[match.end() :])
    ]


def test_no_german_agreement_is_built_around_a_placeholder() -> None:
    found, unknown = [], set()
    for m in _entries():
        msgid = _ids(m)[0]
        unknown |= {name for name, _kind in NUMBER_PLACEHOLDER.findall(msgid)} - FIXED_SLOTS - PHRASES
        if msgid in AGREEMENT_ALLOWLIST:
            continue
        for msgstr in _strs(m):
            if names := placeholder_in_agreement(msgstr):
                found.append(f"{msgid!r} → {msgstr!r}: {names}")
        lists = set(re.findall(r"\w: %\((\w+)\)s", msgid)) & LISTS
        if lists and not m.pluralizable:
            found.append(f"{msgid!r}: a label before the list {lists} must agree with its length (ngettext)")
    assert not unknown, f"classify these placeholders as FIXED_SLOTS or PHRASES: {sorted(unknown)}"
    assert not found, "put these placeholders after a colon (Gemeinsame Werte: %(values)s):\n" + "\n".join(found)


# --- 4. glossary ---------------------------------------------------------------------------------------------

FORBIDDEN_GERMAN: list[tuple[str, str]] = [
    (r"Zuordnung", "„Vorschlag“ (a proposal), „Matching“ (the process)"),
    (r"zugeordnet|zuordnen", "„vorschlagen“ or „zusammenbringen“"),
    (r"Tandem", "„Paar“ (coordinators) or „Mentoring“"),
    (r"\b(?:der|das|den|dem|einen|ein|neuen|kein) Match\b|\bMatch\b", "„Vorschlag“"),
    (r"\b(?:das|ein|jenes|dieses|kein) Mentee\b", "the plural or a rephrasing"),
    (r"\w+:in\b", None),  # checked below: only forms whose stem does not change
    (
        r"\b(?:[Ee]ine?|[Dd]ie|[Dd]er|[Dd]en|[Dd]em|Ihre?|[Kk]eine?|[Jj]ede)\s+(?:\w+\s+)?\w+:in\b",
        "no article: name, „diese Person“",
    ),
    (r"\w+:(?:n|r)\b", "no article: name, „diese Person“"),
    (r"Fassung", "„Version“"),
    (r"Mein Matching", "„Vorschläge & Anfragen“"),
    (r"Passungs-Check", "„Passungscheck“"),
    (r"Beziehungsrückblick\w*|\bRückblick\w*|abschließende\w* Rückblick", "„Rückschau“, „Abschlussrückblick“"),
    (r"\bdas Programm (?:findet|sieht|schlägt)|\bNur das Programm\b", "„die Programmkoordination“ or „wir“"),
    (r"[a-zäöü]\"|\"[A-Za-zÄÖÜ]|“\w", "German quotes „…“"),
    (r"\w…", "a space before the ellipsis"),
    (r"(?:\d|%\(\w+\)[ds]) (?:%|MB\b)|z\. B\.", "a non-breaking space"),
    (r"\w—\w|\s—\s|\s-\s", "a spaced en dash"),
    (r"\bSie können\b", "a direct instruction"),
]
# Colon forms whose stem stays the same when the ending goes away (Mentor:in → Mentor, Mentorin).
COLON_FORMS = {"Mentor:in", "Mentor:innen", "Koordinator:in", "Koordinator:innen", "Administrator:in"}
COLON_FORMS |= {"Administrator:innen", "Partner:in", "Partner:innen", "Teilnehmer:innen"}


def test_glossary_words_and_typography_in_the_german_catalogue() -> None:
    found = []
    for m in _entries():
        for msgstr in _strs(m):
            for pattern, instead in FORBIDDEN_GERMAN:
                for hit in re.findall(pattern, msgstr):
                    if instead is None:
                        if hit not in COLON_FORMS:
                            found.append(f"{msgstr!r}: {hit!r} (a colon form that changes the stem)")
                        continue
                    found.append(f"{msgstr!r}: {hit!r} → {instead}")
    assert not found, f"{len(found)} glossary or typography problems:\n" + "\n".join(found)


def test_no_ellipsis_is_glued_to_a_translated_label_in_templates() -> None:
    """German sets a space before "…" ("Pausieren …"): the ellipsis belongs in the msgid ("%(label)s…")."""
    found = [
        f"{path.relative_to(TEMPLATE_DIR)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in sorted(TEMPLATE_DIR.rglob("*.html"))
        for text in [path.read_text(encoding="utf-8")]
        for match in re.finditer(r"_\([^{}]*\)\s*\}\}…", text)
    ]
    assert not found, "write the ellipsis inside the msgid:\n" + "\n".join(found)
