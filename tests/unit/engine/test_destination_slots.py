"""Per-destination slots: a busy host gives no slot (after the wait), others are unaffected."""

from __future__ import annotations

from warroom.notify.destinations import DestinationSlots, destination_of


def test_slots_are_per_destination_and_freed_after_the_send() -> None:
    slots = DestinationSlots(limit=1)
    slow, other = "http://10.0.0.1:8080/hook", "json://hooks.example.com/x"
    with slots.take(slow) as first:
        assert first
        with slots.take("http://10.0.0.1:8080/another", wait=0.01) as second:
            assert not second  # same host: its one slot is taken
        with slots.take(other) as third:
            assert third  # another destination is not held up
        assert slots.busy(slow) == 1
        assert slots.stalled_for(slow) >= 0.0
    assert slots.busy(slow) == 0
    assert slots.stalled_for(slow) == 0.0  # a slot is free: not stalled
    with slots.take(slow) as again:
        assert again


def test_destination_is_the_host_without_credentials() -> None:
    url = "https://user:secret@Hooks.Example.com:8443/p"
    assert destination_of(url) == "hooks.example.com:8443"
    assert destination_of("mailto://smtp.example.com:587?to=a@b.c") == "mailto:smtp.example.com:587"
