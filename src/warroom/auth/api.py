"""Routes for the caller, users and tokens."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.auth import service
from warroom.auth.schemas import TokenCreate, TokenCreated, TokenOut, UserOut
from warroom.deps import Admin, ClockDep, SessionDep, Viewer
from warroom.errors import Forbidden

router = APIRouter(prefix="/api/v1", tags=["auth"])


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
    email = body.user_email or principal.email
    if email.lower() != principal.email and not principal.allows("admin"):
        raise Forbidden("only admins may create tokens for other users", field="user_email")
    user = service.get_user_by_email(session, email)
    role = body.role or (principal.role if user.id == principal.user_id else user.role)
    if user.id == principal.user_id and not principal.allows(role):
        raise Forbidden(
            f"your token has {principal.role}; it cannot mint a {role} token", field="role"
        )
    token, plaintext = service.create_token(session, clock, user, name=body.name, role=role)
    session.commit()
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=plaintext)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(
    token_id: int, principal: Viewer, session: SessionDep, clock: ClockDep
) -> TokenOut:
    token = service.revoke_token(session, clock, principal, token_id)
    session.commit()
    return TokenOut.model_validate(token)


__all__ = ["Admin", "router"]
