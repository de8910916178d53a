"""Translations (Babel): the request's locale lives in a context variable.

Catalogues are the .po files under locale/; they are compiled in memory on first use, so a
fresh checkout needs no build step and an edited .po file shows up after a restart.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED_LOCALES = ("en", "de")
DEFAULT_LOCALE = "en"

_current_locale: ContextVar[str] = ContextVar("mentorloom_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def get_locale() -> str:
    return _current_locale.get()


def _supported(locale: str) -> str:
    return locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE


def set_locale(locale: str) -> None:
    _current_locale.set(_supported(locale))


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Render in a locale for a while, e.g. an e-mail in the recipient's language."""
    token = _current_locale.set(_supported(locale))
    try:
        yield
    finally:
        _current_locale.reset(token)


def gettext(message: str, **variables: Any) -> str:
    text = translations(get_locale()).ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(get_locale()).ungettext(singular, plural, n)
    return text % {"num": n, **variables}


def raw_gettext(message: str) -> str:
    return translations(get_locale()).ugettext(message)


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_locale()).ungettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction only (pybabel knows N_); whoever shows it translates it then."""
    return message


def lazy_gettext(message: str) -> LazyProxy:
    """A string translated when rendered, for module-level labels."""
    return LazyProxy(gettext, message, enable_cache=False)


def negotiate_locale(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick de or en from an Accept-Language header; ``default`` (the instance's) when it names neither."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in SUPPORTED_LOCALES:
            return code
    return _supported(default)


_ = gettext
