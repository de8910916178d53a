"""Every kind of the product is registered where the preferences page finds it, with a mail and an entry text."""

from __future__ import annotations

import subprocess
import sys

from mentorloom.notifications.kinds import all_kinds
from mentorloom.templating import TEMPLATE_DIR

EXPECTED = {
    "password_reset", "invitation",
    "match_offer", "match_answer", "request_sent", "request_answered",
    "agreement_waiting", "agreement_new_version", "review_due", "fit_check_due",
    "mentorship_paused", "mentorship_ended",
    "meeting_invitation", "meeting_reminder", "meeting_followup", "meeting_overdue", "meeting_cancelled",
    "coordinator_digest",
}  # fmt: skip


def test_every_kind_is_known_with_its_mail_and_its_entry_text() -> None:
    kinds = {kind.name: kind for kind in all_kinds()}
    assert set(kinds) >= EXPECTED
    assert {name for name, kind in kinds.items() if kind.security} == {"password_reset", "invitation"}
    for kind in kinds.values():
        assert (TEMPLATE_DIR / "mail" / f"{kind.template}.txt").exists(), kind.name
        if not kind.security:  # security mails are queued directly and have no in-app entry
            assert (TEMPLATE_DIR / "notifications" / "kinds" / f"{kind.name}.txt").exists(), kind.name


def test_a_fresh_process_lists_every_kind_without_importing_the_domains_first() -> None:
    # what a worker or a script sees: only the registry's own module list brings the kinds in
    code = "from mentorloom.notifications.kinds import all_kinds; print(' '.join(k.name for k in all_kinds()))"
    names = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert names >= EXPECTED
