"""Dependencies point one way: a domain never imports a domain built on top of it.

mentorships is below meetings (meetings plans from the agreement; mentorships learns about meetings only
through registered hooks and panels), and the matching engine is a pure library.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mentorloom"
# package -> packages it must never import
_ABOVE_AUDIT = ("programs", "mentorships", "meetings", "engagement", "health", "matching", "profiles", "notifications")
FORBIDDEN = {
    # the audit log sits low: every domain records into it, it imports none of them (accounts only for typing)
    "audit": tuple(f"mentorloom.{name}" for name in _ABOVE_AUDIT),
    "mentorships": ("mentorloom.meetings", "mentorloom.engagement"),
    "meetings": ("mentorloom.engagement",),
    "notifications": ("mentorloom.engagement",),
    "programs": ("mentorloom.meetings", "mentorloom.mentorships", "mentorloom.engagement"),
    "profiles": ("mentorloom.meetings", "mentorloom.mentorships", "mentorloom.engagement"),
    "matching/engine": ("mentorloom.meetings", "mentorloom.mentorships", "sqlalchemy", "fastapi"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_from_a_higher_domain(package: str) -> None:
    offenders = []
    for path in sorted((SRC / package).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package]):
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from mentorloom.meetings import series\nimport mentorloom.meetings.feed\n")
    assert imported_modules(module) == {"mentorloom.meetings", "mentorloom.meetings.feed"}
