"""Users' `contact_methods` and `notification_rules` from config: checked and applied here.

    users:
      - email: jane@atlas.test
        name: Jane
        contact_methods:
          - {name: push, url: "ntfy://ntfy.example.com/jane-pages"}
          - {name: email, email: jane@atlas.test}
          - {name: phone, url: "json://pager-gateway.example.com/call"}
        notification_rules:
          - {contact: push, after: 0s}
          - {contact: email, after: 2m}
          - {contact: phone, after: 5m}

A user without contact methods is reached by e-mail at their address; without notification
rules, every contact method is notified at once.
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth.models import User
from warroom.clock import Clock
from warroom.config.document import ConfigDocument, Plan, Problems
from warroom.config.types import ConfigModel, Email, Key, parse_duration
from warroom.paging.models import ContactMethod, NotificationRule


class ContactMethodConfig(ConfigModel):
    name: Key
    email: Email | None = None
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from warroom.notify.senders import is_supported
        from warroom.outbound import literal_refusal

        if not is_supported(value):
            raise ValueError(f"{value!r} is not an Apprise URL or http(s) webhook")
        refused = literal_refusal(value)
        if refused is not None:
            raise ValueError(refused)
        return value

    @model_validator(mode="after")
    def _one(self) -> ContactMethodConfig:
        if (self.email is None) == (self.url is None):
            raise ValueError("give exactly one of email or url")
        return self


class NotificationRuleConfig(ConfigModel):
    contact: str
    after: int = 0

    @field_validator("after", mode="before")
    @classmethod
    def _after(cls, value: Any) -> int:
        if isinstance(value, int) or value in ("0", "0s", "immediately"):
            return int(value) if isinstance(value, int) else 0
        return int(parse_duration(value).total_seconds())


def _validated(
    problems: Problems, index: int | None, field: str, raw: list[dict[str, Any]], model: type[Any]
) -> list[Any]:
    good = []
    for n, item in enumerate(raw):
        try:
            good.append(model.model_validate(item))
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(p for p in error["loc"] if isinstance(p, str | int))
                problems.add("users", index, (field, n, *loc), str(error["msg"]))
    return good


def check_people(doc: ConfigDocument, problems: Problems) -> None:
    """Contact methods must be well-formed and named once; rules must name one of them."""
    for index, user in doc.entries("users"):
        raw_methods = cast("list[dict[str, Any]]", getattr(user, "contact_methods", []))
        raw_rules = cast("list[dict[str, Any]]", getattr(user, "notification_rules", []))
        methods = _validated(problems, index, "contact_methods", raw_methods, ContactMethodConfig)
        names = [m.name for m in methods]
        if len(set(names)) != len(names):
            problems.add("users", index, "contact_methods", "contact method names must be distinct")
        known = set(names) or {"email"}
        rules = _validated(problems, index, "notification_rules", raw_rules, NotificationRuleConfig)
        for n, rule in enumerate(rules):
            if rule.contact not in known:
                listed = ", ".join(sorted(known))
                problems.add(
                    "users",
                    index,
                    ("notification_rules", n, "contact"),
                    f"{rule.contact!r} is not one of this user's contact methods ({listed})",
                )


def _wanted(user: Any) -> tuple[list[ContactMethodConfig], list[NotificationRuleConfig]]:
    methods = [ContactMethodConfig.model_validate(m) for m in user.contact_methods]
    if not methods:
        methods = [ContactMethodConfig(name="email", email=user.email)]
    rules = [NotificationRuleConfig.model_validate(r) for r in user.notification_rules]
    return methods, rules


def apply_people(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    """Bring each configured user's contact methods and rules to the config when they changed.

    Contact methods are updated in place, matched by name: a method whose name stays keeps its
    row (its id, which a page's pending `paging.notify` jobs name), a new one is added, a
    removed one is deleted (no history points at a method: messages name their channel).
    """
    for user in doc.items("users"):
        email = str(getattr(user, "email", ""))
        row = session.scalar(select(User).where(User.email == email))
        if row is None:
            continue
        methods, rules = _wanted(user)
        new = {
            # In order: failover follows it, so a reorder alone is a change to apply.
            "contact_methods": [f"{m.name}={m.email or m.url}" for m in methods],
            "notification_rules": [f"{r.contact}@{r.after}s" for r in rules],
        }
        existing = list(
            session.scalars(
                select(ContactMethod)
                .where(ContactMethod.user_id == row.id)
                .order_by(ContactMethod.id)
            )
        )
        by_id = {m.id: m.name for m in existing}
        old_rules = session.scalars(
            select(NotificationRule)
            .where(NotificationRule.user_id == row.id)
            .order_by(NotificationRule.id)
        ).all()
        old = {
            "contact_methods": [f"{m.name}={m.address}" for m in existing],
            "notification_rules": [
                f"{by_id.get(r.contact_method_id)}@{r.after_s}s" for r in old_rules
            ],
        }
        if old == new:
            continue
        # A user who names no contact method gets the default e-mail one: not a change to show.
        if existing or getattr(user, "contact_methods", None):
            plan.compare("contact_methods", email, old if existing else None, new)
        for rule in old_rules:
            session.delete(rule)
        session.flush()  # rules first: they point at the methods
        made = _update_methods(session, row.id, existing, methods)
        for r in rules:
            session.add(
                NotificationRule(
                    user_id=row.id, contact_method_id=made[r.contact].id, after_s=r.after
                )
            )
    session.flush()


def _update_methods(
    session: Session,
    user_id: int,
    existing: list[ContactMethod],
    methods: list[ContactMethodConfig],
) -> dict[str, ContactMethod]:
    """A user's contact methods as configured, by name, keeping the rows of names that stay.

    The person's order is the rows' id order (failover follows it), so a kept method must come
    after the kept ones before it and before every new one: from the first method that is new
    or moved up, the rest are written anew (their pending jobs find them by name). New rows are
    inserted before removed ones are deleted, so no new method takes a removed one's id
    (SQLite hands out the highest id again) under a job that names that id.
    """
    by_name = {m.name: m for m in existing}
    made: dict[str, ContactMethod] = {}
    stale = [m for m in existing if m.name not in {c.name for c in methods}]
    last, anew = 0, False
    for m in methods:
        kind, address = ("email" if m.email else "apprise"), m.email or m.url or ""
        kept = by_name.get(m.name)
        if kept is not None and not anew and kept.id > last:
            kept.kind, kept.address, last = kind, address, kept.id
            made[m.name] = kept
            continue
        anew = True
        if kept is not None:
            kept.name = f"~{kept.id}"  # out of the way of its successor (no key has a ~)
            stale.append(kept)
        made[m.name] = ContactMethod(user_id=user_id, name=m.name, kind=kind, address=address)
    session.flush()  # the renames first: (user, name) is unique
    session.add_all(m for m in made.values() if m.id is None)
    session.flush()
    for method in stale:
        session.delete(method)
    session.flush()
    return made
