"""What both page groups share: the router they hang on, the URL prefix, and pair explanations as phrases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from mentorloom.matching.explain_text import fact_sentence, fact_tone
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import csrf_protect


def page_router() -> APIRouter:
    """A router for HTML pages: every form post is CSRF-checked, and pages stay out of the API schema."""
    return APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def base_url(program_id: ObjectId) -> str:
    return f"/programs/{program_id}/matching"


def reason_phrases(facts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(tone, phrase) per fact: what speaks against a pair, or only a little for it, is not ticked off as a plus."""
    return [(fact_tone(fact), phrase) for fact in facts if (phrase := fact_sentence(fact))]
