"""The German catalogue is complete and well-formed, and pages answer in the reader's language."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi import FastAPI

from mentorloom import i18n
from mentorloom.templating import build_environment, render_mail

ROOT = Path(__file__).resolve().parents[1]
# The same keywords as `make locale` (pybabel's defaults, N_ included, plus the lazy ones).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(locale: str) -> Catalog:
    with (i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    """The singular and plural forms of a msgid or msgstr, as a list."""
    if value is None:
        return [""]
    return [value] if isinstance(value, str) else list(value)


def _lone_percents(text: str) -> int:
    return PLACEHOLDER.sub("", text).replace("%%", "").count("%")


def _placeholder_problems(msgid: str, msgstr: str) -> list[str]:
    problems = []
    if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr)):
        problems.append("placeholders differ")
    # Jinja's newstyle gettext always applies %, so a lone % in a translation breaks the page.
    if _lone_percents(msgstr) != _lone_percents(msgid):
        problems.append("a lone % (write %% for a percent sign)")
    return problems


def test_german_catalogue_is_complete_without_fuzzy_entries_and_keeps_placeholders() -> None:
    catalog = _catalog("de")
    assert catalog.num_plurals == 2
    untranslated, fuzzy, broken = [], [], []
    for message in list(catalog)[1:]:
        ids, strings = _forms(message.id), _forms(message.string)
        if message.fuzzy:
            fuzzy.append(ids[0])
        if len(strings) != len(ids) or not all(s.strip() for s in strings):
            untranslated.append(ids[0])
            continue
        for msgid, msgstr in zip(ids, strings, strict=True):
            broken += [f"{msgid!r} → {msgstr!r}: {p}" for p in _placeholder_problems(msgid, msgstr)]
    assert not untranslated, "untranslated in de/messages.po:\n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy in de/messages.po (review, then drop the flag):\n" + "\n".join(fuzzy)
    assert not broken, "\n".join(broken)
    assert not [(m.id, errors) for m, errors in catalog.check()]


def test_english_catalogue_keeps_the_source_strings() -> None:
    catalog = _catalog("en")
    assert all(not any(_forms(m.string)) for m in list(catalog)[1:])
    with i18n.use_locale("en"):
        assert i18n.ngettext("%(num)d month", "%(num)d months", 3) == "3 months"
        assert i18n.gettext("My programs") == "My programs"


def test_every_string_in_the_sources_has_a_german_translation() -> None:
    """Extract as `make locale` does; a newly marked string fails here until it is translated."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in _catalog("de") if m.id and m.string}
    missing = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT / "src", method_map, options_map, keywords=KEYWORDS
    ):
        ids = _forms(message)
        entry = translated.get(ids[0])
        if entry is None or (len(ids) > 1 and not entry.pluralizable):
            missing.append(f"{filename}:{lineno}: {ids[0]!r}")
    assert not missing, (
        f"{len(missing)} string(s) missing from src/mentorloom/locale/de/LC_MESSAGES/messages.po — "
        "run `make locale` and translate them:\n" + "\n".join(sorted(set(missing)))
    )


def test_lazy_labels_and_plurals_follow_the_locale() -> None:
    from mentorloom.profiles.vocab import LANGUAGES, WORK_VALUES

    with i18n.use_locale("de"):
        assert str(WORK_VALUES["balance"]) == "Work-Life-Balance"
        assert str(LANGUAGES["de"]) == "Deutsch"
        assert i18n.ngettext("%(num)d month", "%(num)d months", 1) == "1 Monat"
        assert i18n.ngettext("%(num)d month", "%(num)d months", 12) == "12 Monate"
        assert i18n.ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", 10) == (
            "Verwenden Sie mindestens 10 Zeichen."
        )
    assert str(WORK_VALUES["balance"]) == "Work-life balance"


def test_invitation_mail_in_german() -> None:
    with i18n.use_locale("de"):
        subject, body = render_mail(
            build_environment(),
            "invitation",
            name="Ana",
            program_name="Mentoring 2026",
            role_label=i18n.gettext("mentee"),
            days=7,
            link="https://mentorloom.example/invitation/abc",
        )
    assert subject == "Einladung zu Mentoring 2026 auf Mentorloom"
    assert body.startswith("Guten Tag Ana,")
    assert "wir laden Sie ein, im Programm „Mentoring 2026“ als Mentee mitzumachen." in body
    assert "(7 Tage gültig)" in body


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_login_page_in_german_by_cookie(client: httpx.AsyncClient) -> None:
    client.cookies.set("ml_lang", "de")
    response = await client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-language"] == "de"
    assert '<html lang="de"' in response.text
    assert "Willkommen zurück" in response.text and "Passwort vergessen?" in response.text
    assert "Welcome back" not in response.text

    wrong = await client.post(
        "/login", data={"email": "x@example.org", "password": "nope", "csrf_token": client.cookies.get("ml_csrf")}
    )
    assert wrong.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist nicht korrekt." in wrong.text


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("accept_language", "expected", "text"),
    [("de-DE,de;q=0.9,en;q=0.8", "de", "Willkommen zurück"), ("fr-FR, en;q=0.5", "en", "Welcome back")],
)
async def test_login_page_follows_accept_language(
    client: httpx.AsyncClient, accept_language: str, expected: str, text: str
) -> None:
    response = await client.get("/login", headers={"Accept-Language": accept_language})
    assert response.headers["content-language"] == expected
    assert text in response.text


@pytest.mark.anyio
@pytest.mark.parametrize(("accept_language", "text"), [(None, "Willkommen zurück"), ("fr-FR", "Willkommen zurück")])
async def test_the_instance_default_locale_applies_when_the_browser_names_neither(
    app: FastAPI, client: httpx.AsyncClient, accept_language: str | None, text: str
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"default_locale": "de"})
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = await client.get("/login", headers=headers)
    assert response.headers["content-language"] == "de" and text in response.text
