"""The REST entry: request encodings, the success and error wire shapes, rate limit, batch."""
from __future__ import annotations

import pytest

TIME_KEYS = {"start", "finish", "duration", "processing", "date_start", "date_finish", "operating"}


async def test_success_has_result_and_time_block(sandbox):
    contact_id = (await sandbox.control("contacts", {"NAME": "Anna", "PHONE": "+79161234567"}))["id"]
    status, body = await sandbox.rest("crm.contact.get", {"id": contact_id})
    assert status == 200
    assert body["result"]["ID"] == str(contact_id)  # values are strings, as on a portal
    assert body["result"]["PHONE"][0]["VALUE"] == "+79161234567"
    assert TIME_KEYS <= set(body["time"])
    assert body["time"]["operating"] == 0


@pytest.mark.parametrize("encoding", ["json", "form", "query", "json-suffix"])
async def test_accepts_every_request_encoding(sandbox, encoding):
    contact_id = (await sandbox.control("contacts", {"NAME": "Ivan"}))["id"]
    token, path = sandbox.token, "/rest/crm.contact.get"
    if encoding == "json":
        response = await sandbox.http.post(path, json={"ID": contact_id, "auth": token})
    elif encoding == "form":
        response = await sandbox.http.post(path, data={"id": str(contact_id), "auth": token})
    elif encoding == "query":
        response = await sandbox.http.post(f"{path}?id={contact_id}&auth={token}")
    else:
        response = await sandbox.http.post(path + ".json", json={"id": contact_id, "auth": token})
    assert response.status == 200
    assert (await response.json())["result"]["NAME"] == "Ivan"


@pytest.mark.parametrize(("auth", "status", "code"), [
    ("", 401, "NO_AUTH_FOUND"),
    ("not-a-token", 401, "invalid_token"),
])
async def test_bad_auth_is_401_with_error_json(sandbox, auth, status, code):
    got_status, body = await sandbox.rest("crm.contact.get", {"id": 1}, auth=auth)
    assert (got_status, body["error"]) == (status, code)
    assert body["error_description"]


async def test_expired_token_is_401_expired_token(sandbox):
    token = sandbox.token
    sandbox.state.expire_tokens()
    status, body = await sandbox.rest("crm.contact.get", {"id": 1}, auth=token)
    assert (status, body["error"]) == (401, "expired_token")


async def test_unknown_method_and_missing_entity(sandbox):
    status, body = await sandbox.rest("crm.nothing.here", {})
    assert (status, body["error"]) == (404, "ERROR_METHOD_NOT_FOUND")
    status, body = await sandbox.rest("crm.deal.get", {"id": 999999})
    assert (status, body) == (400, {"error": "", "error_description": "Not found"})


async def test_bucket_overflow_is_503_and_recorded(sandbox):
    await sandbox.control("faults", {"rate_limit": {"burst": 3, "per_s": 0.001}})
    statuses = [(await sandbox.rest("app.info"))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 503]
    status, body = await sandbox.rest("app.info")
    assert body["error"] == "QUERY_LIMIT_EXCEEDED"
    assert [r["status"] for r in sandbox.state.requests if r["method"] == "app.info"][-2:] == [503, 503]


async def test_fail_next_gives_500_then_recovers(sandbox):
    await sandbox.control("faults", {"fail_next": {"app.info": 1}})
    assert (await sandbox.rest("app.info"))[0] == 500
    assert (await sandbox.rest("app.info"))[0] == 200


async def test_batch_results_errors_and_limits(sandbox):
    contact_id = (await sandbox.control("contacts", {"NAME": "Olga"}))["id"]
    status, body = await sandbox.rest("batch", {"halt": 0, "cmd": {
        "c": f"crm.contact.get?id={contact_id}", "missing": "crm.contact.get?id=999999",
        "nested": "batch?cmd[x]=app.info"}})
    assert status == 200
    result = body["result"]
    assert result["result"]["c"]["NAME"] == "Olga"
    assert result["result_error"]["missing"]["error_description"] == "Not found"
    assert result["result_error"]["nested"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"
    too_many = {f"c{i}": "app.info" for i in range(51)}
    status, body = await sandbox.rest("batch", {"cmd": too_many})
    assert (status, body["error"]) == (400, "ERROR_BATCH_LENGTH_EXCEEDED")


async def test_batch_halt_stops_at_first_error(sandbox):
    _, body = await sandbox.rest("batch", {"halt": 1, "cmd": {
        "a": "crm.contact.get?id=999999", "b": "app.info"}})
    assert "a" in body["result"]["result_error"]
    assert body["result"]["result"] == []  # PHP's empty array


async def test_app_info_on_client_and_oauth_endpoints(sandbox):
    state = sandbox.state
    for path in ("/rest/app.info", "/oauth/rest/app.info"):
        response = await sandbox.http.get(f"{path}?auth={sandbox.token}")
        info = (await response.json())["result"]
        assert info["client_id"] == state.client_id
        assert info["install"]["member_id"] == state.member_id
        assert info["install"]["client_endpoint"] == state.client_endpoint
    response = await sandbox.http.get("/oauth/rest/app.info?auth=forged")
    assert response.status == 401
