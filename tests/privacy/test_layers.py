"""privacy sits above every domain: it reads and anonymises them all, so no domain may import it (only the app,
the CLI and the job registry reach it)."""

from __future__ import annotations

from pathlib import Path

from tests.test_layers import SRC, imported_modules

ALLOWED = {"app.py", "cli.py", "privacy", "jobs/registry.py"}


def test_no_domain_imports_privacy() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if str(relative) in ALLOWED or relative.parts[0] in ALLOWED:
            continue
        if any(
            name == "mentorloom.privacy" or name.startswith("mentorloom.privacy.") for name in imported_modules(path)
        ):
            offenders.append(str(relative))
    assert offenders == []


def test_the_check_would_see_an_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from mentorloom.privacy import erasure\n")
    assert "mentorloom.privacy" in imported_modules(module)
