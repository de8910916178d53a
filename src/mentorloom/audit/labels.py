"""Reader-facing names of audit actions and targets (the stored values stay English codes)."""

from __future__ import annotations

from mentorloom.audit.models import AuditAction
from mentorloom.i18n import N_, gettext

ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.SIGN_IN: N_("Signed in"),
    AuditAction.SIGN_IN_FAILED: N_("Sign-in failed"),
    AuditAction.SIGN_OUT: N_("Signed out"),
    AuditAction.PASSWORD_CHANGED: N_("Password changed"),
    AuditAction.PASSWORD_RESET: N_("Password reset"),
    AuditAction.ROLE_CHANGED: N_("Role changed"),
    AuditAction.ADMIN_GRANTED: N_("Administrator rights granted"),
    AuditAction.ADMIN_REVOKED: N_("Administrator rights revoked"),
    AuditAction.INVITATION_SENT: N_("Invitation sent"),
    AuditAction.INVITATION_ACCEPTED: N_("Invitation accepted"),
    AuditAction.TOKEN_CREATED: N_("API token created"),
    AuditAction.TOKEN_REVOKED: N_("API token revoked"),
    AuditAction.PROGRAM_CREATED: N_("Program created"),
    AuditAction.PROGRAM_SETTINGS_CHANGED: N_("Program settings changed"),
    AuditAction.PARTICIPANTS_IMPORTED: N_("Participants imported"),
    AuditAction.PARTICIPANTS_EXPORTED: N_("Participants exported"),
    AuditAction.MATCHING_PUBLISHED: N_("Matching published"),
    AuditAction.MENTORSHIP_STATE_CHANGED: N_("Mentorship state changed"),
    AuditAction.DATA_EXPORTED: N_("Personal data exported"),
    AuditAction.PERSON_ERASED: N_("Person erased"),
    AuditAction.RETENTION_ANONYMISED: N_("Anonymised after the retention period"),
    AuditAction.AUDIT_EXPORTED: N_("Audit log exported"),
}

TARGET_LABELS: dict[str, str] = {
    "user": N_("Person"),
    "program": N_("Program"),
    "membership": N_("Membership"),
    "mentorship": N_("Mentorship"),
    "match_run": N_("Matching run"),
    "api_token": N_("API token"),
    "audit_log": N_("Audit log"),
}


def action_label(action: str) -> str:
    """The translated name of a stored action (the code itself for one this version does not know)."""
    try:
        return gettext(ACTION_LABELS[AuditAction(action)])
    except ValueError:
        return action


def target_label(target_type: str) -> str:
    return gettext(TARGET_LABELS[target_type]) if target_type in TARGET_LABELS else target_type
