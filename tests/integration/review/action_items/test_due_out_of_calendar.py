"""A due date at the ends of Python's calendar (year 1, year 9999) answered 500: planning the
reminder days ahead, or reading a time with its zone in UTC, overflowed (OverflowError). Due
dates from 1800 to 9900 are taken (a past one is overdue at once); others are a 422 naming
`due`, nothing written. Through the API, both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.review.action_items.conftest import add

BODY = {"title": "Alert on queue depth", "owner": "ana@corp.test", "impact": "high"}


def test_a_due_date_out_of_the_calendar_is_refused_naming_due(
    client: TestClient, admin_headers: dict[str, str], number: int
) -> None:
    path = f"/api/v1/incidents/{number}/action-items"
    for due in ("0001-01-01", "0001-01-01T00:30:00+01:00", "9999-12-31", "1799-12-31"):
        answer = client.post(path, json=BODY | {"effort": "low", "due": due}, headers=admin_headers)
        assert answer.status_code == 422, (due, answer.text)
        assert answer.json()["error"]["field"] == "due"
        assert "from 1800 to 9900" in answer.json()["error"]["message"]
    assert client.get(path, headers=admin_headers).json() == []

    item = add(client, admin_headers, number, due="2020-01-01")  # long past: overdue at once
    assert item["overdue"] is True and item["due_at"] == "2020-01-01T23:59:59Z"
    patch = client.patch(
        f"/api/v1/action-items/{item['id']}", json={"due": "9999-12-31"}, headers=admin_headers
    )
    assert patch.status_code == 422 and patch.json()["error"]["field"] == "due"
    shown = client.get(f"/api/v1/action-items/{item['id']}", headers=admin_headers).json()
    assert shown["due_at"] == "2020-01-01T23:59:59Z"
    last = add(client, admin_headers, number, due="9900-12-31")
    assert last["due_at"] == "9900-12-31T23:59:59Z"
