"""Recording download through FILES[].url + auth: token gate, ownership check, Range (206)."""
from __future__ import annotations

import os

import pytest

from sandbox.calls import CallSpec, attach_recording, create_call


@pytest.fixture
def recording(sandbox):
    body = os.urandom(10_000)
    activity_id, _ = create_call(sandbox.state, CallSpec())
    attach_recording(sandbox.state, activity_id, "call.wav", "audio/x-wav", body)
    url = sandbox.state.activities[activity_id]["FILES"][0]["url"]
    return url.removeprefix(sandbox.state.base_url), body


async def test_full_body_with_token(sandbox, recording):
    path, body = recording
    response = await sandbox.http.get(path + sandbox.token)
    assert response.status == 200
    assert await response.read() == body
    assert response.headers["Content-Type"] == "audio/x-wav"
    assert response.headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize(("header", "start", "stop"), [
    ("bytes=0-99", 0, 100), ("bytes=9000-", 9000, 10_000), ("bytes=-10", 9990, 10_000)])
async def test_range_gives_206(sandbox, recording, header, start, stop):
    path, body = recording
    response = await sandbox.http.get(path + sandbox.token, headers={"Range": header})
    assert response.status == 206
    assert await response.read() == body[start:stop]
    assert response.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{len(body)}"


async def test_unsatisfiable_range_is_416(sandbox, recording):
    path, _ = recording
    response = await sandbox.http.get(path + sandbox.token, headers={"Range": "bytes=20000-"})
    assert response.status == 416


async def test_token_gate_and_ownership(sandbox, recording):
    path, _ = recording
    assert (await sandbox.http.get(path)).status == 401
    assert (await sandbox.http.get(path + "forged")).status == 401
    wrong_owner = path.replace("ownerId=", "ownerId=1")
    assert (await sandbox.http.get(wrong_owner + sandbox.token)).status == 403
    token = sandbox.token
    sandbox.state.expire_tokens()
    response = await sandbox.http.get(path + token)
    assert (response.status, (await response.json())["error"]) == (401, "expired_token")
