"""A viewer named as a rotation's participant is warned about by `config check`, as an override
putting a viewer on call is refused: on call, a viewer's pages carry no acknowledge link and a
viewer may not acknowledge, so escalation runs on whatever they do."""

from __future__ import annotations

from warroom.config.service import load_files

CONFIG = """\
users:
  - {email: ann@example.com, name: Ann}
  - {email: Vic@example.com, name: Vic, role: viewer}
schedules:
  - key: primary
    layers:
      - name: weekly
        participants: [ann@example.com, vic@example.com]
        shift: weekly
        start: "2026-01-05"
"""


def test_a_viewer_on_a_layer_is_a_warning_naming_them_at_their_line() -> None:
    doc, problems = load_files({"org.yaml": CONFIG})
    assert not problems, problems.lines()  # a warning: the config still applies
    assert problems.warnings() == [
        "org.yaml:8: warning: schedules[primary].layers[0].participants[1]: vic@example.com is a "
        "viewer: on call, their pages carry no acknowledge link and they may not acknowledge, "
        "so escalation runs on; make them a responder or take them off the layer"
    ]
    assert doc.identities("schedules") == {"primary"}


def test_responders_and_admins_on_a_layer_say_nothing() -> None:
    text = CONFIG.replace(", role: viewer", ", role: admin")
    _, problems = load_files({"org.yaml": text})
    assert not problems and problems.warnings() == []
