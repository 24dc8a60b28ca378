"""Config sections of the organisation: severities, severity_matrix, users, teams, services."""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from warroom.catalog import sync
from warroom.config.document import ConfigDocument, Problems
from warroom.config.registry import Section, registered
from warroom.config.targets import check_targets
from warroom.config.types import ConfigModel, Delay, Duration, Email, Key, Target, check_time_zone

UNSURE = "unsure"
SeverityKey = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", min_length=1, max_length=32)
]


def _answer(value: Any) -> Any:
    # `yes`/`no` are text for our loader, but an API client may send real booleans.
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip() if isinstance(value, str | int) else value


Answer = Annotated[str, BeforeValidator(_answer)]


class Postmortem(ConfigModel):
    required: bool = False
    due_within: Duration | None = None


class EscalationStep(ConfigModel):
    """After `after` unresolved (`0s`: as the incident opens), notify every target."""

    after: Delay
    notify: list[Target] = Field(min_length=1)


class SeverityConfig(ConfigModel):
    """A severity level; the list order is the rank (first = most severe)."""

    key: SeverityKey
    name: str = Field(min_length=1, max_length=100)
    definition: str = ""
    examples: list[str] = []
    acknowledge_within: Duration | None = None
    respond_within: Duration | None = None
    resolve_within: Duration | None = None
    internal_update_every: Duration | None = None
    external_update_every: Duration | None = None
    postmortem: Postmortem = Postmortem()
    page: bool = True
    escalate_while_unresolved: list[EscalationStep] = []
    # The ack escalation policy for this severity when the incident's services name none.
    escalation_policy: str | None = Field(default=None, max_length=64)

    @field_validator("escalate_while_unresolved")
    @classmethod
    def _ascending(cls, steps: list[EscalationStep]) -> list[EscalationStep]:
        for before, after in itertools.pairwise(steps):
            if after.after <= before.after:
                raise ValueError("steps must be in increasing order of `after`")
        return steps


class Question(ConfigModel):
    key: Key
    text: str = Field(min_length=1)
    answers: list[Answer] = Field(min_length=2)
    help: str = ""

    @field_validator("answers")
    @classmethod
    def _no_unsure(cls, answers: list[str]) -> list[str]:
        if UNSURE in answers:
            raise ValueError(f"{UNSURE!r} is always allowed; do not list it")
        if len(set(answers)) != len(answers):
            raise ValueError("answers must be distinct")
        return answers


def _one_or_many(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
    return value


class Rule(ConfigModel):
    """If every question in `when` got one of the listed answers, the level is `severity`."""

    name: str = ""
    when: Annotated[dict[str, list[Answer]], BeforeValidator(_one_or_many)] = {}
    severity: SeverityKey


class SeverityMatrix(ConfigModel):
    questions: list[Question] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    default: SeverityKey | None = None


def _time_zone(value: str) -> str:
    return check_time_zone(value)


class UserConfig(ConfigModel):
    """A person. `contact_methods` and `notification_rules` are validated by the paging domain."""

    email: Email
    name: str = Field(min_length=1, max_length=200)
    role: Literal["viewer", "responder", "admin"] = "responder"
    time_zone: str = "UTC"
    contact_methods: list[dict[str, Any]] = []
    notification_rules: list[dict[str, Any]] = []

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return _time_zone(value)


class TeamConfig(ConfigModel):
    key: Key
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    members: list[Email] = []
    leads: list[Email] = []
    # The schedule whose on-call `oncall:KEY` pages; the team's channels.
    schedule: str | None = Field(default=None, max_length=64)
    channels: list[Key] = []


class ServiceConfig(ConfigModel):
    key: Key
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    team: str | None = None
    escalation_policy: str | None = Field(default=None, max_length=64)
    # Per severity, winning over `escalation_policy`: {SEV0: key, ...}
    escalation_policies: dict[SeverityKey, Key] = {}
    channels: list[Key] = []
    auto_resolve: bool = False
    tags: list[str] = []
    # Runbooks attached to this service's incidents as they open (keys of `runbooks`).
    runbooks: list[Key] = []


_SINGULAR = {
    "schedules": "schedule",
    "channels": "channel",
    "escalation_policies": "escalation policy",
}


def _check_names(
    doc: ConfigDocument,
    problems: Problems,
    where: tuple[str, int | None, tuple[str | int, ...]],
    section: str,
    names: str | list[str] | None,
) -> None:
    """The name (or each name of a list) must be an item of `section`, once it is registered."""
    if names is None or not registered(section):
        return
    known = doc.identities(section)
    key, index, field = where
    listed = (
        [(field, names)]
        if isinstance(names, str)
        else [((*field, n), name) for n, name in enumerate(names)]
    )
    for at, name in listed:
        if name not in known:
            problems.add(key, index, at, f"unknown {_SINGULAR[section]} {name!r}")


def check_severities(doc: ConfigDocument, problems: Problems) -> None:
    for index, item in doc.entries("severities"):
        assert isinstance(item, SeverityConfig)
        for step_no, step in enumerate(item.escalate_while_unresolved):
            field = ("escalate_while_unresolved", step_no, "notify")
            check_targets(doc, problems, "severities", index, field, step.notify)
        where = ("severities", index, ("escalation_policy",))
        _check_names(doc, problems, where, "escalation_policies", item.escalation_policy)


def check_matrix(doc: ConfigDocument, problems: Problems) -> None:
    matrix = doc.get("severity_matrix")
    if not isinstance(matrix, SeverityMatrix):
        return
    levels = doc.identities("severities")
    questions = {q.key: q for q in matrix.questions}
    if len(questions) != len(matrix.questions):
        problems.add("severity_matrix", None, "questions", "question keys must be distinct")
    for n, rule in enumerate(matrix.rules):
        if rule.severity not in levels:
            message = f"unknown severity {rule.severity!r} (known: {', '.join(sorted(levels))})"
            problems.add("severity_matrix", None, ("rules", n, "severity"), message)
        for question, answers in rule.when.items():
            where = ("rules", n, "when", question)
            if question not in questions:
                problems.add("severity_matrix", None, where, f"unknown question {question!r}")
                continue
            for answer in answers:
                if answer not in questions[question].answers:
                    allowed = ", ".join(questions[question].answers)
                    message = f"{answer!r} is not an answer of {question!r} (allowed: {allowed})"
                    problems.add("severity_matrix", None, where, message)
    if matrix.default is not None and matrix.default not in levels:
        problems.add("severity_matrix", None, "default", f"unknown severity {matrix.default!r}")


def check_teams(doc: ConfigDocument, problems: Problems) -> None:
    users = {u.lower() for u in doc.identities("users")}
    for index, item in doc.entries("teams"):
        assert isinstance(item, TeamConfig)
        for field in ("members", "leads"):
            for n, email in enumerate(getattr(item, field)):
                if email not in users:
                    problems.add("teams", index, (field, n), f"no user {email!r} in users")
        _check_names(doc, problems, ("teams", index, ("schedule",)), "schedules", item.schedule)
        _check_names(doc, problems, ("teams", index, ("channels",)), "channels", item.channels)


def check_services(doc: ConfigDocument, problems: Problems) -> None:
    teams = doc.identities("teams")
    for index, item in doc.entries("services"):
        assert isinstance(item, ServiceConfig)
        if item.team is not None and item.team not in teams:
            known = ", ".join(sorted(teams)) or "none defined"
            problems.add("services", index, "team", f"unknown team {item.team!r} (known: {known})")
        policy = item.escalation_policy
        # Policies belong to the paging domain; until it registers them any name is accepted.
        if (
            policy is not None
            and registered("escalation_policies")
            and policy not in doc.identities("escalation_policies")
        ):
            message = f"unknown escalation policy {policy!r}"
            problems.add("services", index, "escalation_policy", message)
        _check_by_severity(doc, problems, index, item)
        _check_names(doc, problems, ("services", index, ("channels",)), "channels", item.channels)


def _check_by_severity(
    doc: ConfigDocument, problems: Problems, index: int | None, item: ServiceConfig
) -> None:
    """`escalation_policies` maps known severities to known policies."""
    severities = doc.identities("severities")
    for severity, policy in item.escalation_policies.items():
        field = ("escalation_policies", severity)
        if severity not in severities:
            known = ", ".join(sorted(severities)) or "none defined"
            problems.add(
                "services", index, field, f"unknown severity {severity!r} (known: {known})"
            )
        _check_names(doc, problems, ("services", index, field), "escalation_policies", policy)


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = []
SECTIONS.append(
    Section(
        "severities",
        SeverityConfig,
        check=check_severities,
        apply=sync.apply_severities,
        order=10,
        description="Severity levels, most severe first",
    )
)
SECTIONS.append(
    Section(
        "severity_matrix",
        SeverityMatrix,
        many=False,
        check=check_matrix,
        order=15,
        description="Questions and rules that classify an incident into a severity",
    )
)
SECTIONS.append(
    Section(
        "users",
        UserConfig,
        identity="email",
        apply=sync.apply_users,
        order=20,
        description="People",
    )
)
SECTIONS.append(
    Section(
        "teams",
        TeamConfig,
        check=check_teams,
        apply=sync.apply_teams,
        order=30,
        description="Teams",
    )
)
SECTIONS.append(
    Section(
        "services",
        ServiceConfig,
        check=check_services,
        apply=sync.apply_services,
        order=40,
        description="Services that incidents are about",
    )
)
