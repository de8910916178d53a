"""`match-csv --mentors … --mentees …`: match two participant CSV files without a running instance.

The files go through the same importer as the product (same validation, same normalisation) into a
throwaway SQLite database, so a file that imports into Mentorloom matches the same way from the command line.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from mentorloom.db import Base, Database
from mentorloom.errors import ValidationFailed
from mentorloom.matching.engine import Options, match
from mentorloom.matching.filematch import FileMatchError, write_rows_atomically
from mentorloom.matching.inputs import build_inputs
from mentorloom.matching.service import engine_mode
from mentorloom.profiles.embeddings import encoder_named
from mentorloom.profiles.importer import import_participants
from mentorloom.profiles.service import embed_profiles, stale_embedding_ids
from mentorloom.profiles.tags import embed_tags, stale_tag_ids
from mentorloom.programs.models import Membership, Role
from mentorloom.programs.schemas import ProgramIn, ProgramSettings
from mentorloom.programs.service import create_program


def _import(session: Any, program_id: int, path: Path, role: Role) -> None:
    try:
        import_participants(session, program_id, path.read_bytes())
    except ValidationFailed as exc:
        first = (exc.errors or [{}])[0]
        where = f', line {first["line"]}, column "{first.get("column")}"' if first.get("line") else ""
        more = f" (and {len(exc.errors) - 1} more problems)" if len(exc.errors) > 1 else ""
        raise FileMatchError(f"{path.name}{where}: {first.get('message', exc.detail)}{more}") from exc
    wrong = session.query(Membership).filter(Membership.program_id == program_id, Membership.role != role)
    if role is Role.MENTOR and wrong.count():
        raise FileMatchError(f"{path.name}: every row must have role mentor")


def match_profile_files(
    mentors: Path, mentees: Path, out: Path, mode: str = "optimal", text_encoder: str = "use"
) -> dict[str, Any]:
    """Match mentees to mentors from two participant CSV files; writes mentee/mentor e-mails and scores.

    Texts and tags are embedded by the same encoder and the same functions as an instance's jobs, so a file
    matches here as it would in a program configured with that encoder (the instance default: "use").
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/match.db")
        Base.metadata.create_all(database.engine)
        try:
            with database.session() as session:
                program = create_program(session, ProgramIn(name="match-csv"))
                _import(session, program.id, Path(mentors), Role.MENTOR)
                _import(session, program.id, Path(mentees), Role.MENTEE)
                encoder = encoder_named(text_encoder)
                embed_profiles(session, stale_embedding_ids(session, program.id, encoder.name), encoder)
                embed_tags(session, stale_tag_ids(session, encoder.name), encoder)
                session.expire_all()
                inputs = build_inputs(session, program)
                emails = {m.id: m.user.email for m in session.query(Membership).filter_by(program_id=program.id)}
        finally:
            database.dispose()
    settings = ProgramSettings(matching_mode="stable" if mode == "stable" else "optimal")
    result = match(
        inputs.mentees,
        inputs.mentors,
        mode=engine_mode(settings),  # type: ignore[arg-type]
        weights=inputs.weights,
        rules=inputs.rules,
        labels=inputs.labels,
        options=Options(explain=False),
    )
    rows = [
        [emails[mid], emails[inputs.mentor_ids[j]] if j >= 0 else "", f"{result.pair_score[i]:.3f}" if j >= 0 else ""]
        for i, (mid, j) in enumerate(zip(inputs.mentee_ids, result.assignment.tolist(), strict=True))
    ]
    write_rows_atomically(out, rows)
    return {
        "mode": mode,
        "text_encoder": encoder.name,
        "total_score": round(result.total_score, 3),
        "matched": result.matched,
        "unmatched": result.unmatched,
        "blocking_pairs": result.blocking_pairs,
        "seconds": round(time.perf_counter() - started, 3),
    }
