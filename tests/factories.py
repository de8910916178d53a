"""Small keyword-only factories for tests."""

from __future__ import annotations

import itertools
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.programs.models import Membership, Program, Role

_seq = itertools.count(1)


def make_user(session: Session, *, email: str | None = None, name: str = "Test Person", is_admin: bool = False) -> User:
    user = User(email=email or f"user{next(_seq)}@example.org", display_name=name, is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def make_program(session: Session, *, name: str = "Test program", language: str = "en") -> Program:
    program = Program(name=name, language=language, settings={})
    session.add(program)
    session.flush()
    return program


def make_membership(
    session: Session, *, program: Program, user: User | None = None, role: Role = Role.MENTEE
) -> Membership:
    membership = Membership(program_id=program.id, user_id=(user or make_user(session)).id, role=role)
    session.add(membership)
    session.flush()
    return membership


def make_token(session: Session, user: User) -> dict[str, str]:
    """Authorization headers with a fresh personal API token for `user`."""
    from mentorloom.accounts.service import create_api_token

    _token, raw = create_api_token(session, user, "tests")
    session.flush()
    return {"Authorization": f"Bearer {raw}"}


def set_password(session: Session, user: User, password: str = "correct horse battery") -> str:
    from mentorloom.accounts.security import hash_password

    user.password_hash = hash_password(password)
    session.flush()
    return password


def mailed(outbox: Path) -> list[tuple[str, str, str]]:
    """(recipient, subject, body) of every .eml file in an outbox, oldest first."""
    out = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        out.append((str(message["To"]), str(message["Subject"]), message.get_content()))  # type: ignore[attr-defined]
    return out


def mailed_links(outbox: Path, marker: str) -> list[str]:
    """Paths of links containing `marker` in the .eml files of an outbox, oldest first."""
    links = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        body = message_from_bytes(path.read_bytes(), policy=policy.default).get_content()  # type: ignore[attr-defined]
        links += [line.strip().removeprefix("http://testserver") for line in body.splitlines() if marker in line]
    return links
