"""A hanging host counts as stuck ever longer: sends that end by timing out are no progress
(else its postponed messages would come back every few seconds and keep the workers busy)."""

from __future__ import annotations

import pytest

from warroom.notify import destinations
from warroom.notify.destinations import QUICK_S, DestinationSlots

HOST = "http://10.0.0.9:8080/hook"


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    fake = Ticks()
    monkeypatch.setattr(destinations.time, "monotonic", fake)
    return fake


def test_timed_out_sends_do_not_reset_how_long_a_host_is_stuck(ticks: Ticks) -> None:
    slots = DestinationSlots(limit=1)
    with slots.take(HOST):  # the busy spell starts: not stuck yet
        assert slots.stalled_for(HOST) == 0.0
        ticks.now += 10
        assert slots.stalled_for(HOST) == 10.0
    with slots.take(HOST):  # the first send timed out after 10 s; the next one hangs too
        ticks.now += 10
        assert slots.stalled_for(HOST) == 20.0


def test_a_quick_send_is_progress(ticks: Ticks) -> None:
    slots = DestinationSlots(limit=2)
    with slots.take(HOST):
        ticks.now += 30
        with slots.take(HOST):
            assert slots.stalled_for(HOST) == 30.0
            ticks.now += QUICK_S / 2
        # the second send answered quickly: the host works, only slowly for the first one
        with slots.take(HOST):
            assert slots.stalled_for(HOST) == 0.0


def test_a_working_host_idle_for_long_is_not_stuck_when_a_burst_fills_its_slots(
    ticks: Ticks,
) -> None:
    slots = DestinationSlots(limit=1)
    with slots.take(HOST):
        ticks.now += 0.1  # a quick send
    ticks.now += 3600  # then nothing for an hour
    with slots.take(HOST):
        assert slots.stalled_for(HOST) == 0.0
