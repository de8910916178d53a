"""A message as HTML: everything escaped, http(s) addresses turned into links, and line breaks kept.

Every piece of the text is escaped on its own and only the address pieces are wrapped in a link, so nothing the
author typed can become markup; only
addresses starting with http:// or https:// are linked (`javascript:`, `data:` and the like stay plain text),
and every link opens without giving the other site this page (`rel="noopener noreferrer nofollow"`).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# An address runs to the next space, angle bracket, quote or backtick; closing punctuation after it is not part of it.
_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"
REL = "noopener noreferrer nofollow"


def _trim(url: str) -> str:
    """Without closing punctuation, except a ")" that closes a "(" of the address (Wikipedia-style links)."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def render(text: str) -> Markup:
    """The text escaped piece by piece; only the pieces that are http(s) addresses become links."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = _trim(match.group(0))
        if len(url) <= len(match.group(0).split("://", 1)[0]) + 3:
            continue  # nothing after the scheme
        parts.append(str(escape(text[position : match.start()])))
        shown = str(escape(url))
        parts.append(f'<a href="{shown}" rel="{REL}" target="_blank">{shown}</a>')
        position = match.start() + len(url)
    parts.append(str(escape(text[position:])))
    html = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>\n")
    return Markup(html)


def excerpt(text: str, limit: int = 200) -> str:
    """The start of a message for a mail: at most `limit` characters, cut at a word where possible."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(",.;:– -") + " …"
