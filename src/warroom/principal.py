"""Who is calling: the caller's identity and effective role, shared by every API layer.

A leaf module, so that request dependencies (`warroom.deps`) and the auth domain can both use
it without depending on each other; the authenticator itself is handed to the app by the
composition root (`warroom.wiring`).
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.errors import Invalid

ROLES = ("viewer", "responder", "admin")


def role_rank(role: str) -> int:
    """Position of a role in ROLES (viewer < responder < admin); unknown roles are refused."""
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; expected one of {', '.join(ROLES)}", field="role")
    return ROLES.index(role)


@dataclass(frozen=True)
class Principal:
    """Who is calling and with which effective role."""

    user_id: int
    email: str
    role: str
    token_id: int | None = None

    def allows(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)

    @property
    def actor(self) -> str:
        return self.email
