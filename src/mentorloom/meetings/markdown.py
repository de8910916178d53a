"""Shared notes are Markdown: rendered by markdown-it (CommonMark, no raw HTML) and sanitised by nh3.

markdown-it with html disabled already escapes tags; nh3 is the second wall, so a link to `javascript:` or an
attribute a future plugin lets through still cannot run in the partner's browser.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h3", "h4", "hr", "del"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable("strikethrough")


def render(text: str) -> Markup:
    html = _parser().render(text)
    # Headings shrink by two levels: the notes sit under the page's own h1/h2.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>", f"</h{level + 2}>")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
