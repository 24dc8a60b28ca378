"""Loading: substitution, secrets from files, YAML 1.2 booleans, positions, digests, types."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.config.helpers import write
from warroom.config.document import Plan
from warroom.config.service import load_directory, load_files
from warroom.config.types import format_duration, parse_duration, parse_target


def test_env_substitution_default_and_escape(tmp_path: Path) -> None:
    directory = write(
        tmp_path / "cfg",
        {
            "services.yaml": """\
                services:
                  - key: api
                    name: ${SVC_NAME}
                    description: "costs $${HOME} ${NOT_SET_HERE:-nothing}"
                    team: sre
                """
        },
    )
    doc, problems = load_directory(directory, env={"SVC_NAME": "Gateway"})
    assert not problems
    service = doc.raw()["services"][0]
    assert service["name"] == "Gateway"
    assert service["description"] == "costs ${HOME} nothing"


def test_secret_file_is_read_relative_to_the_config_file_and_stripped(tmp_path: Path) -> None:
    directory = write(
        tmp_path / "cfg",
        {"services.yaml": "services:\n  - key: api\n    name_file: secrets/name\n    team: sre\n"},
    )
    (directory / "secrets").mkdir()
    (directory / "secrets" / "name").write_text("  From a file \n")
    doc, problems = load_directory(directory)
    assert not problems
    assert doc.raw()["services"][0]["name"] == "From a file"


def test_value_and_file_variant_together_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "n").write_text("x")
    directory = write(
        tmp_path / "cfg",
        {"services.yaml": f"services:\n  - key: api\n    name: A\n    name_file: {tmp_path}/n\n"},
    )
    _, problems = load_directory(directory)
    assert list(problems) == [
        f"{directory}/services.yaml:4: give either 'name' or 'name_file', not both"
    ]


def test_yes_and_no_stay_text_and_dates_stay_text(tmp_path: Path) -> None:
    directory = write(
        tmp_path / "cfg",
        {"services.yaml": "services:\n  - key: api\n    name: no\n    tags: [yes, 2026-01-01]\n"},
    )
    doc, problems = load_directory(directory)
    assert not problems
    assert doc.raw()["services"][0]["name"] == "no"
    assert doc.raw()["services"][0]["tags"] == ["yes", "2026-01-01"]


def test_list_sections_continue_across_files_with_their_own_lines(tmp_path: Path) -> None:
    directory = write(
        tmp_path / "cfg",
        {
            "services.yaml": "services:\n  - key: api\n    name: API\n",
            "z.yaml": "services:\n  - key: web\n    name: Web\n    tema: x\n",
        },
    )
    doc, problems = load_directory(directory)
    assert list(problems) == [
        f"{directory}/z.yaml:4: services[web].tema: unknown field; did you mean 'team'?"
    ]
    assert doc.where("services", 0, "name") == f"{directory}/services.yaml:3"
    assert doc.where("services", 1) == f"{directory}/z.yaml:2"
    # An absent field points at its item.
    assert doc.where("services", 0, "description") == f"{directory}/services.yaml:2"
    assert doc.identities("services") == {"api", "web"}
    assert [s.key for s in doc.items("services")] == ["api"]  # type: ignore[attr-defined]


def test_digest_depends_on_content_not_on_layout() -> None:
    one = "services:\n  - {key: api, name: API}\n  - {key: web, name: Web}\n"
    a, pa = load_files({"all.yaml": one})
    b, pb = load_files(
        {
            "1.yaml": "services:\n  - key: api\n    name: API\n",
            "2.yml": "services:\n- key: web\n  name: Web\n",
        }
    )
    assert not pa and not pb
    assert a.digest == b.digest
    c, _ = load_files({"all.yaml": one.replace("Web", "WEB")})
    assert c.digest != a.digest


def test_normalised_document_fills_defaults_and_writes_durations_canonically() -> None:
    doc, problems = load_files(
        {"s.yaml": "severities:\n  - key: P0\n    name: Critical\n    resolve_within: 90m\n"}
    )
    assert not problems
    level = doc.raw()["severities"][0]
    assert level["resolve_within"] == "1h30m"
    assert level["page"] is True
    assert level["postmortem"] == {"required": False, "due_within": None}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("4h", 14400), ("1d", 86400), ("2h30m", 9000), ("1w", 604800)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert parse_duration(format_duration(timedelta(seconds=seconds))).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "15", "15 m", "m", "0s", "1h2d", "-5m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_targets() -> None:
    assert parse_target("team:sre") == ("team", "sre")
    assert parse_target("user:CTO@example.com") == ("user", "CTO@example.com")
    for bad in ("sre", "team:", "pager:x", "user:not-an-email"):
        with pytest.raises(ValueError):
            parse_target(bad)


def test_plan_compare_and_print() -> None:
    plan = Plan()
    assert plan.compare("service", "api", None, {"name": "API"})
    assert not plan.compare("service", "web", {"name": "Web"}, {"name": "Web"})
    assert plan.compare("service", "db", {"name": "DB", "tags": []}, {"name": "DB", "tags": ["x"]})
    plan.delete("team", "old", "deactivated; kept for history")
    assert plan.lines() == [
        "+ create service api",
        '~ update service db: tags: [] -> ["x"]',
        "- delete team old (deactivated; kept for history)",
    ]
    assert plan.summary() == "1 to create, 1 to update, 1 to delete"
    assert Plan().summary() == "0 to create, 0 to update, 0 to delete" and not Plan()


def test_secret_looking_fields_are_masked_for_readers() -> None:
    from warroom.redaction import mask_document as redact

    assert redact({"x": [{"api_key": "s3cret", "name": "n"}], "token": ""}) == {
        "x": [{"api_key": "***", "name": "n"}],
        "token": "",
    }
