"""/api/v1/me: who am I, and my personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.accounts import service
from mentorloom.accounts.schemas import NewTokenOut, TokenIn, TokenOut, UserOut
from mentorloom.web.api_common import PROBLEM_RESPONSES, ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(tags=["accounts"], responses=PROBLEM_RESPONSES)


@router.get("/me", response_model=UserOut)
def me(user: ApiUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get("/me/tokens", response_model=list[TokenOut])
def list_tokens(user: ApiUser, session: DbSession) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_api_tokens(session, user)]


@router.post("/me/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, user: ApiUser, session: DbSession) -> NewTokenOut:
    token, raw = service.create_api_token(session, user, body.name)
    return NewTokenOut(**TokenOut.model_validate(token).model_dump(), token=raw)


@router.delete("/me/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: ObjectId, user: ApiUser, session: DbSession) -> TokenOut:
    return TokenOut.model_validate(service.revoke_api_token(session, user, token_id))
