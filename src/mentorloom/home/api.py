"""/api/v1/me/todo: what is waiting for the caller, the same list as the home page and the header badge."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from mentorloom.home.service import todo_for
from mentorloom.web.api_common import PROBLEM_RESPONSES
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(tags=["home"], responses=PROBLEM_RESPONSES)


class TodoOut(BaseModel):
    kind: str
    program_id: int
    program_name: str
    title: str
    url: str
    since: datetime | None
    due: datetime | None
    mentorship_id: int | None
    coordination: bool
    count: int


@router.get("/me/todo", response_model=list[TodoOut])
def my_todo(user: ApiUser, session: DbSession) -> list[TodoOut]:
    """The caller's own to-do items, oldest first, then what needs them as a program's coordinator."""
    return [TodoOut.model_validate(item, from_attributes=True) for item in todo_for(session, user)]
