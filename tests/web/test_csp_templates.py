"""No inline code the strict CSP would refuse, found without a browser: templates, static scripts, HTML built in Python.

The browser refuses such code silently (a dead button, a lost layout), so these checks read the source instead.
tests/web/test_security_headers.py holds the basic template check; this adds what it does not see: any letter case,
htmx features that need eval() or inject a <style>, the static scripts, and markup assembled in Python.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mentorloom.templating import TEMPLATE_DIR

SOURCE = TEMPLATE_DIR.parent
STATIC = SOURCE / "static"
# files people download and open from disk, never served under the CSP
OFFLINE = {"privacy/export.html"}

INLINE = re.compile(
    r"""\sstyle\s*=|<style\b|\son[a-z]+\s*=|javascript:|\shx-on[:-]|"""
    # htmx evaluates these with Function(), which the policy (no unsafe-eval) refuses: the request never happens
    r"""\shx-(?:vals|headers|vars)\s*=\s*['"]\s*(?:js|javascript):|\shx-trigger\s*=\s*['"][^'"]*\[""",
    re.IGNORECASE,
)
# an inline script or style is allowed only with this response's nonce
UNNONCED = re.compile(r"<(script|style)\b(?![^>]*\bsrc=)(?![^>]*\bnonce=\"\{\{ csp_nonce \}\}\")[^>]*>", re.IGNORECASE)


def served_templates() -> list[Path]:
    found = [
        path
        for path in sorted(TEMPLATE_DIR.rglob("*.html"))
        if path.relative_to(TEMPLATE_DIR).as_posix() not in OFFLINE
    ]
    assert len(found) > 50
    return found


@pytest.mark.parametrize("template", served_templates(), ids=lambda p: p.relative_to(TEMPLATE_DIR).as_posix())
def test_a_template_has_no_inline_style_handler_or_script(template: Path) -> None:
    text = template.read_text()
    problems = [m.group(0).strip() for m in INLINE.finditer(text)] + [m.group(0) for m in UNNONCED.finditer(text)]
    assert not problems, f"{template.name}: move these into static/app.css or static/app.js: {problems}"


def test_the_checks_find_what_they_look_for() -> None:
    for bad in (
        '<div style="width: 3%">',
        "<div STYLE='x'>",
        '<button onclick="go()">',
        '<a href="javascript:void(0)">',
        '<input hx-on:click="x()">',
        "<div hx-vals='js:{a: 1}'>",
        "<input hx-trigger=\"keyup[key=='Enter']\">",
    ):
        assert INLINE.search(bad), bad
    assert UNNONCED.search("<script>alert(1)</script>") and UNNONCED.search("<style>p {}</style>")
    assert not UNNONCED.search('<script src="/static/app.js" defer></script>')
    assert not UNNONCED.search('<script nonce="{{ csp_nonce }}">')
    assert not INLINE.search('<div class="bar" hx-trigger="input changed delay:250ms" data-on="1">')


def test_htmx_neither_evaluates_code_nor_injects_its_style() -> None:
    """htmx's defaults would add a <style> for its indicators (refused) and evaluate hx-on/js: attributes (refused)."""
    base = (TEMPLATE_DIR / "base.html").read_text()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", base)
    assert config, "base.html sets htmx's configuration"
    assert '"allowEval": false' in config.group(1) and '"includeIndicatorStyles": false' in config.group(1)


@pytest.mark.parametrize("script", sorted(STATIC.glob("*.js")), ids=lambda p: p.name)
def test_a_static_script_writes_no_inline_style_or_code(script: Path) -> None:
    """element.style.x = ... is allowed (CSSOM); a style or on* attribute in markup or via setAttribute is not."""
    text = script.read_text()
    assert not re.search(r"\beval\(|new Function\(|setTimeout\(\s*['\"]|setInterval\(\s*['\"]", text), script.name
    assert not re.search(r"setAttribute\(\s*['\"](style|on[a-z]+)['\"]", text, re.IGNORECASE), script.name
    assert not re.search(r"""['"`][^'"`]*<[a-z][^>]*\s(style|on[a-z]+)=""", text, re.IGNORECASE), script.name


def test_no_python_builds_markup_with_inline_style_or_handlers() -> None:
    """HTML assembled in Python (Markup, chart images, message links) obeys the same rule as the templates."""
    tag = re.compile(r"<[a-z][^>]*\s(style|on[a-z]+)\s*=|<(script|style)\b", re.IGNORECASE)
    found = []
    for module in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(module.read_text())
        # a regular expression that finds such markup (e.g. to strip pygal's scripts) builds none
        patterns = {
            id(arg)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            for arg in node.args
        }
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        skip = docstrings | patterns
        found += [
            f"{module.relative_to(SOURCE)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and tag.search(node.value)
        ]
    assert not found, found
