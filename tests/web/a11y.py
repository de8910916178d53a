"""A link-following crawler that checks every page it reaches: axe-core's WCAG 2.2 A/AA rules (also on what
<details> and <dialog> fold away), no sideways scrolling, no text cut off, no link posing as a button, no
server error.

It follows same-origin links only (GET: links never change state here), skips downloads, the API and logout,
and visits one page per path pattern. axe-core comes from the npm package (`make assets`) and is loaded as an
init script, so the pages' strict Content-Security-Policy (no inline scripts) stays on while it runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = (
    "async () => (await axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']}))"
    ".violations.map(v => ({id: v.id, help: v.help, targets: v.nodes.map(n => n.target.join(' '))}))"
).replace("%s", str(WCAG_TAGS))
# Downloads, the API and its docs, and anything that is not a page of ours.
SKIP_PATH = re.compile(r"(^/(api|vendor|static)/)|(\.(csv|ics|json|svg|png|pdf)$)|(^/logout)")
NUMBER = re.compile(r"/\d+(?=/|$)")


def pattern(path: str) -> str:
    """A page's shape: /programs/1/participants/7 and /programs/2/participants/9 are the same page."""
    return NUMBER.sub("/{id}", path)


@dataclass(frozen=True)
class Finding:
    rule: str
    page: str  # path pattern
    view: str  # "de 375"
    targets: tuple[str, ...]
    help: str = ""


@dataclass
class CrawlResult:
    pages: list[str] = field(default_factory=list)  # full paths (with query) in visiting order
    findings: list[Finding] = field(default_factory=list)


def same_origin_links(tab: Any, origin: str) -> list[str]:
    hrefs: list[str] = tab.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.href.split('#')[0])")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or SKIP_PATH.search(parts.path):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def settle(tab: Any) -> None:
    """Wait until htmx's load-triggered requests (e.g. the to-do badge) have been swapped in."""
    tab.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=5000)


# Outermost elements that stick out past the right edge of the viewport (what makes the page scroll sideways).
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
  .filter(e => e.parentElement.getBoundingClientRect().right <= innerWidth + 0.5)
  .filter(e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
    if (getComputedStyle(a).overflowX !== 'visible') return false;  // scrolled or cut inside a box, not the page
    return true; })
  .slice(0, 5).map(e => `${describe(e)} (${Math.round(e.getBoundingClientRect().right - innerWidth)}px)`)"""
# Text cut off sideways by a box that hides its overflow ("Vermeiden" shown as "Vermeide"); the
# visually-hidden pattern (a 1px clipped box) is meant to be cut, and form fields scroll their own text.
CLIPPED = """() => [...document.querySelectorAll('body *')]
  .filter(e => !e.matches('input, textarea, select')).filter(e => { const s = getComputedStyle(e);
    return ['hidden', 'clip'].includes(s.overflowX) && e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 1
      && s.textOverflow !== 'ellipsis' && e.checkVisibility(); })
  .slice(0, 5).map(e => `${describe(e)} (${e.scrollWidth - e.clientWidth}px cut)`)"""
# Unfold every closed <details> and show every closed <dialog> (not modal, so all at once); true if any.
OPEN_ALL = """() => { const closed = [...document.querySelectorAll('details:not([open]), dialog:not([open])')];
  closed.forEach(e => e.tagName === 'DETAILS' ? (e.open = true) : e.show()); return closed.length > 0; }"""
DESCRIBE = """() => { window.describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
  + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
  + (e.textContent.trim() ? ` "${e.textContent.trim().replace(/\\s+/g, ' ').slice(0, 30)}"` : ''); }"""


def check(tab: Any, path: str, view: str) -> list[Finding]:
    """axe's WCAG 2.2 A/AA violations on the open page, sideways scrolling, and text cut off sideways."""
    page = pattern(path)
    found = [Finding(v["id"], page, view, tuple(v["targets"]), v["help"]) for v in tab.evaluate(AXE_RUN)]
    tab.evaluate(DESCRIBE)
    width, inner = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:
        found.append(Finding("horizontal-overflow", page, view, tuple(tab.evaluate(WIDE)), f"{width}px > {inner}px"))
    fake = tab.evaluate("() => [...document.querySelectorAll('a[role=button]')].map(describe)")
    if fake:  # announced as a button, yet Space does nothing on a link
        found.append(Finding("link-as-button", page, view, tuple(fake), "a link with role=button: a button or a link"))
    clipped = tab.evaluate(CLIPPED)
    if clipped:
        found.append(Finding("clipped-content", page, view, tuple(clipped), "text cut off by overflow: hidden"))
    if tab.evaluate(OPEN_ALL):  # what is folded away (details, dialogs) is checked unfolded too
        known = {(f.rule, f.targets) for f in found}
        found += [
            Finding(v["id"], page, f"{view} unfolded", tuple(v["targets"]), v["help"])
            for v in tab.evaluate(AXE_RUN)
            if (v["id"], tuple(v["targets"])) not in known
        ]
    return found


def visit(tab: Any, url: str, view: str) -> list[Finding]:
    """Open a page; a server error is a finding of its own."""
    response = tab.goto(url, wait_until="load")
    settle(tab)
    status = response.status if response is not None else 0
    return [Finding("server-error", pattern(urlsplit(url).path), view, (), f"HTTP {status}")] if status >= 500 else []


def crawl(tab: Any, origin: str, start: Iterable[str], view: str, *, limit: int = 60) -> CrawlResult:
    """Breadth-first over same-origin links from `start`, one page per path pattern, checking each."""
    result = CrawlResult()
    queue = list(start)
    seen: set[str] = set()
    while queue and len(result.pages) < limit:
        path = queue.pop(0)
        key = pattern(urlsplit(path).path)
        if key in seen:
            continue
        seen.add(key)
        failed = visit(tab, origin + path, view)
        landed = urlsplit(tab.url)
        if pattern(landed.path) != key and pattern(landed.path) in seen:
            continue  # a redirect to a page already checked
        seen.add(pattern(landed.path))
        result.pages.append(path)
        result.findings += failed + check(tab, landed.path, view)
        queue += [link for link in same_origin_links(tab, origin) if pattern(urlsplit(link).path) not in seen]
    return result


def recheck(tab: Any, origin: str, paths: Iterable[str], view: str) -> list[Finding]:
    """The same pages again, e.g. in the other language or at the other width."""
    findings: list[Finding] = []
    for path in paths:
        findings += visit(tab, origin + path, view)
        findings += check(tab, urlsplit(tab.url).path, view)
    return findings


@contextmanager
def axe_context(
    browser: Any, viewport: dict[str, int], errors: list[str], state: Any = None, cookies: list[Any] = ()
) -> Iterator[Any]:
    """A browser context (with a logged-in `state`) whose every page has axe loaded; JavaScript errors are collected."""
    context = browser.new_context(viewport=viewport, locale="en-US", storage_state=state)
    context.add_cookies(list(cookies))
    context.add_init_script(path=str(AXE))
    tab = context.new_page()
    tab.set_default_timeout(10000)
    tab.on("pageerror", lambda error: errors.append(f"{tab.url}: {error}"))
    try:
        yield tab
    finally:
        context.close()


def report(findings: list[Finding]) -> str:
    """One line per rule, page and target, with the views (language, width) it showed in."""
    grouped: dict[tuple[str, str, str], list[str]] = {}
    helps: dict[str, str] = {}
    for finding in findings:
        helps[finding.rule] = finding.help
        for target in finding.targets or ("(page)",):
            grouped.setdefault((finding.rule, finding.page, target), []).append(finding.view)
    lines = [
        f"{rule} on {page}: {target} [{', '.join(sorted(set(views)))}]"
        for (rule, page, target), views in sorted(grouped.items())
    ]
    rules = "\n".join(f"  {rule}: {helps[rule]}" for rule in sorted(helps))
    return f"{len(lines)} violations:\n" + "\n".join(lines) + "\nRules:\n" + rules
