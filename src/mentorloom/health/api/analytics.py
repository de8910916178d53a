"""/api/v1 endpoints of program analytics and retention (coordinators and admins): aggregates only, counts from
1 to 4 hidden as {"value": null, "suppressed": true}."""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.db import utcnow
from mentorloom.health import analytics, exports, retention
from mentorloom.health.ranges import parse_range
from mentorloom.health.schemas.analytics import AnalyticsOut, From, RetentionOut, To
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()


@router.get("/programs/{program_id}/health/analytics", response_model=AnalyticsOut, response_model_by_alias=True)
def get_analytics(
    program_id: ObjectId, user: ApiUser, session: DbSession, from_: From = "", to: To = ""
) -> AnalyticsOut:
    """Participants, matching, pairs under way, meetings per pair and month against the agreed rhythm, feedback,
    goals, milestones, early endings by reason and cohorts by start month for a date range (default: the last 12
    calendar months)."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    period = parse_range(from_, to, utcnow().date())
    return AnalyticsOut.model_validate(exports.analytics_json(analytics.compute(session, program, period)))


@router.get("/programs/{program_id}/health/retention", response_model=RetentionOut, response_model_by_alias=True)
def get_retention(
    program_id: ObjectId, user: ApiUser, session: DbSession, from_: From = "", to: To = ""
) -> RetentionOut:
    """Kaplan-Meier retention (time until a pair ends early; completed and ongoing pairs censored) of the pairs that
    started in the range (default: the last 36 calendar months), overall and by start quarter, with 3-, 6- and
    12-month retention and 95 % confidence intervals."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    period = parse_range(from_, to, utcnow().date(), retention.DEFAULT_MONTHS)
    return RetentionOut.model_validate(exports.retention_json(retention.compute(session, program, period)))
