"""Routes for the caller, users and tokens."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from warroom.auth import service
from warroom.auth.body_limit import BodyLimit
from warroom.auth.schemas import TokenCreate, TokenCreated, TokenOut, UserOut
from warroom.deps import Admin, ClockDep, SessionDep, Viewer
from warroom.openapi import API_ERRORS, IdPath

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=API_ERRORS)


@router.get("/me", response_model=UserOut)
def me(principal: Viewer, session: SessionDep) -> UserOut:
    user = service.get_user_by_email(session, principal.email)
    out = UserOut.model_validate(user)
    return out.model_copy(update={"role": principal.role})


@router.get("/users", response_model=list[UserOut])
def list_users(_: Viewer, session: SessionDep) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in service.list_users(session)]


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(principal: Viewer, session: SessionDep) -> list[TokenOut]:
    return [TokenOut.model_validate(t) for t in service.list_tokens(session, principal.user_id)]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(
    body: TokenCreate, principal: Viewer, session: SessionDep, clock: ClockDep
) -> TokenCreated:
    token, plaintext = service.mint_token(
        session, clock, principal, name=body.name, role=body.role, user_email=body.user_email
    )
    session.commit()
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=plaintext)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: IdPath, principal: Viewer, session: SessionDep, clock: ClockDep
) -> TokenOut:
    token = service.revoke_token(session, clock, principal, token_id)
    session.commit()
    return TokenOut.model_validate(token)


__all__ = ["Admin", "router"]


def setup(app: FastAPI) -> None:
    """Every API body is refused past its limit before it is read (`warroom.auth.body_limit`):
    the routes read it before they know who is calling."""
    app.add_middleware(BodyLimit)
