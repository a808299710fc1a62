"""The widget API on a real chdb filled by the real sink code, checked against the OpenAPI
document, and every isolation refusal: other portal, other entity, no session, non-admin."""
from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest

from dashboard.api import openapi_document
from warehouse import rows as call_rows_of, writer as call_writes
from warehouse.writer import ClickHouseWriter

from dashboard_records import NOW, context, millis, redacted_record, score_record

AUDIO = bytes(range(256)) * 40  # 10 240 bytes


def check_shape(body: dict, schema_name: str) -> None:
    doc = openapi_document()
    jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}",
                                     "components": doc["components"]}).validate(body)


@pytest.fixture
def calls(dashboard, portal_a, portal_b):
    """Portal A: call 1 scored (contact 3, deal 7), call 2 processing, call 3 skipped, call 4
    failed, call 5 on contact 4 only. Portal B: a scored call on ITS contact 3."""
    a, b, client = portal_a.state.member_id, portal_b.state.member_id, dashboard.clickhouse
    writer = ClickHouseWriter(client, dashboard.settings.clickhouse_database)
    scored = [score_record(context(a, 1), 80), score_record(context(b, 1), 20),
              score_record(context(a, 5, contact_id=4, deal_id=8), 50)]
    writer.write_scores(scored)
    call_writes.write_statuses(client, map(call_rows_of.status_row_from_score, scored))
    statuses = [{"call_id": f"{a}.{n}", "member_id": a, "status": s, "stage": "ingest", "reason": r,
                 "context": context(a, n), "at": millis(NOW)}
                for n, s, r in ((1, "processing", None), (2, "processing", None), (3, "skipped", "the call did not connect"),
                                (4, "processing", None))]
    call_writes.write_statuses(client, map(call_rows_of.status_row_from_call_status, statuses))
    letter = {"source_topic": "calls.transcribed.v1", "key": None, "value": b"", "stage": "redact",
              "error_type": "Reject", "reason": "empty transcript", "attempts": 0, "call_id": f"{a}.4",
              "member_id": a, "failed_at": millis(NOW) + 1000}
    writer.write_dead_letters([letter])
    call_writes.write_statuses(client, [call_rows_of.status_row_from_dead_letter(letter)])
    audio_dir = dashboard.blobs.call_dir(a, f"{a}.1")
    audio_dir.mkdir(parents=True)
    (audio_dir / "recording.wav").write_bytes(AUDIO)
    page_dir = dashboard.blobs.call_dir(a, f"{a}.5")  # a "recording" that is a web page
    page_dir.mkdir(parents=True)
    (page_dir / "page.html").write_text("<script>alert(document.domain)</script>")
    call_writes.write_transcripts(client, [redacted_record(context(a, 1), f"blob://{a}/{a}.1/recording.wav"),
                                          redacted_record(context(b, 1), f"blob://{a}/{a}.1/recording.wav"),
                                          redacted_record(context(a, 5, contact_id=4, deal_id=8),
                                                          f"blob://{a}/{a}.5/page.html")])
    return a, b


async def test_the_card_lists_its_calls_with_status_newest_first(dashboard, calls):
    a, _ = calls
    response = await dashboard.get("/app/api/calls?limit=10", dashboard.session(a, "contact", 3))
    assert response.status == 200
    body = await response.json()
    for call in body["calls"]:
        check_shape(call, "CallListItem")
    by_id = {c["call_id"]: c for c in body["calls"]}
    assert set(by_id) == {f"{a}.1", f"{a}.2", f"{a}.3", f"{a}.4"}  # call 5 is another contact's
    assert (by_id[f"{a}.1"]["status"], by_id[f"{a}.1"]["score"], by_id[f"{a}.1"]["outcome"]) == ("done", 80, "needs_attention")
    assert (by_id[f"{a}.2"]["status"], by_id[f"{a}.2"]["score"]) == ("processing", None)
    assert (by_id[f"{a}.3"]["status"], by_id[f"{a}.3"]["reason"]) == ("skipped", "the call did not connect")
    assert by_id[f"{a}.4"]["status"] == "failed" and "empty transcript" in by_id[f"{a}.4"]["reason"]
    assert by_id[f"{a}.1"]["started_at"].startswith(NOW.date().isoformat())


async def test_a_deal_session_sees_the_deals_calls(dashboard, calls):
    a, _ = calls
    body = await (await dashboard.get("/app/api/calls", dashboard.session(a, "deal", 8))).json()
    assert [c["call_id"] for c in body["calls"]] == [f"{a}.5"]


async def test_call_detail_has_analysis_transcript_and_audio(dashboard, calls):
    a, _ = calls
    session = dashboard.session(a, "contact", 3)
    response = await dashboard.get(f"/app/api/calls/{a}.1", session)
    assert response.status == 200
    call = await response.json()
    check_shape(call, "CallDetail")
    assert call["score"] == 80 and call["summary"] == "Refund explained." and call["compliance"] == "pass"
    greeting = next(c for c in call["criteria"] if c["id"] == "greeting")
    assert greeting["evidence"] == [{"quote": "my name is Ann", "segment": 0, "start": 0.5}]
    assert [t["speaker"] for t in call["transcript"]] == ["agent", "client"]
    assert "<CREDIT_CARD>" in call["transcript"][1]["text"]
    # the audio URL carries its own token (this call's audio only, short-lived), never the session
    assert call["audio_url"].startswith(f"/app/api/calls/{a}.1/audio?token=") and session not in call["audio_url"]
    audio = await dashboard.client.get(call["audio_url"], headers={"Range": "bytes=100-199"})
    assert audio.status == 206 and await audio.read() == AUDIO[100:200]
    assert audio.headers["Content-Range"] == f"bytes 100-199/{len(AUDIO)}"
    assert audio.headers["Content-Type"] == "audio/wav" and audio.headers["X-Content-Type-Options"] == "nosniff"
    assert audio.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in audio.headers["Content-Security-Policy"]


async def test_the_audio_token_opens_one_calls_audio_for_a_short_time(dashboard, calls):
    import time
    from dashboard.sessions import AudioSigner, session_key
    a, _ = calls
    session = dashboard.session(a, "contact", 3)
    url = (await (await dashboard.get(f"/app/api/calls/{a}.1", session)).json())["audio_url"]
    token = url.split("token=", 1)[1]
    assert (await dashboard.client.get(url)).status == 200
    # not another call's audio, not the session in its place, no longer the session in the query
    assert (await dashboard.client.get(f"/app/api/calls/{a}.2/audio?token={token}")).status == 401
    assert (await dashboard.client.get(f"/app/api/calls/{a}.1/audio?token={session}")).status == 401
    assert (await dashboard.client.get(f"/app/api/calls/{a}.1/audio?session={session}")).status == 401
    signer = AudioSigner(session_key(dashboard.settings), dashboard.settings.dashboard_audio_ttl_s)
    assert dashboard.settings.dashboard_audio_ttl_s < dashboard.settings.dashboard_session_ttl_s
    stale = signer.issue(member_id=a, call_id=f"{a}.1", entity_type="contact", entity_id=3,
                         now=time.time() - dashboard.settings.dashboard_audio_ttl_s - 1)
    assert (await dashboard.client.get(f"/app/api/calls/{a}.1/audio?token={stale}")).status == 401
    # a header session still works for API clients
    assert (await dashboard.get(f"/app/api/calls/{a}.1/audio", session)).status == 200


async def test_a_recording_that_is_not_audio_is_never_served(dashboard, calls):
    a, _ = calls
    session = dashboard.session(a, "contact", 4)
    response = await dashboard.get(f"/app/api/calls/{a}.5/audio", session)
    assert response.status == 404 and response.content_type == "application/json"
    assert "alert" not in await response.text()


async def test_other_portals_and_entities_look_like_missing_calls(dashboard, calls):
    a, b = calls
    for session, call_id in ((dashboard.session(a, "contact", 4), f"{a}.1"),   # other entity, same portal
                             (dashboard.session(b, "contact", 3), f"{a}.1"),   # other portal, same entity id
                             (dashboard.session(a, "contact", 3), f"{b}.1")):  # B's call id from A's card
        assert (await dashboard.get(f"/app/api/calls/{call_id}", session)).status == 404
        assert (await dashboard.get(f"/app/api/calls/{call_id}/audio", session)).status == 404
    body = await (await dashboard.get("/app/api/calls", dashboard.session(b, "contact", 3))).json()
    assert [c["call_id"] for c in body["calls"]] == [f"{b}.1"]  # B's own call only
    # B's transcript row names A's recording: the blob must be the session portal's own
    assert (await dashboard.get(f"/app/api/calls/{b}.1/audio", dashboard.session(b, "contact", 3))).status == 404


async def test_requests_without_a_valid_session_are_refused(dashboard, calls):
    a, _ = calls
    expired = dashboard.session(a, now=0)
    for path in ("/app/api/calls", f"/app/api/calls/{a}.1", "/app/api/trend", "/app/api/settings"):
        for session in (None, expired, "forged." + dashboard.session(a)[7:]):
            response = await dashboard.get(path, session)
            assert response.status == 401, (path, session)
            assert set(await response.json()) == {"error", "reason"}
    # a range request for the audio without a session
    audio = await dashboard.client.get(f"/app/api/calls/{a}.1/audio", headers={"Range": "bytes=0-9"})
    assert audio.status == 401


async def test_a_session_does_not_outlive_the_uninstall(dashboard, calls):
    import dataclasses
    a, _ = calls
    session = dashboard.session(a)
    assert (await dashboard.get("/app/api/calls", session)).status == 200
    await dashboard.portals.put(dataclasses.replace(dashboard.portals.get(a), status="uninstalled"))
    response = await dashboard.get("/app/api/calls", session)
    assert (response.status, (await response.json())["error"]) == (403, "portal_inactive")


async def test_trend_points_per_day(dashboard, calls):
    a, _ = calls
    body = await (await dashboard.get("/app/api/trend?days=30", dashboard.session(a, "contact", 3))).json()
    points = [{"day": NOW.date().isoformat(), "avg_score": 80.0, "calls": 1}]
    assert body == {"points": points, "series": [{"scorecard": "support-en@1", "points": points}]}


async def test_delivery_status_is_for_admins_of_that_portal(dashboard, calls):
    a, _ = calls
    assert (await dashboard.get("/app/api/status", dashboard.session(a, is_admin=False))).status == 403
    body = await (await dashboard.get("/app/api/status?limit=10", dashboard.session(a))).json()
    counts = {(c["stage"], c["status"]): c["calls"] for c in body["calls"]}
    assert counts == {("score", "done"): 2, ("ingest", "processing"): 1, ("ingest", "skipped"): 1,
                      ("redact", "failed"): 1}
    assert [f["reason"] for f in body["failures"]] == ["empty transcript"]
    failed = await (await dashboard.get("/app/api/status?status=failed", dashboard.session(a))).json()
    assert [c["call_id"] for c in failed["recent_calls"]] == [f"{a}.4"]
    assert (await dashboard.get("/app/api/status?stage=nope", dashboard.session(a))).status == 400


async def test_openapi_document_is_served(dashboard):
    body = await (await dashboard.client.get("/app/api/openapi.json")).json()
    assert "/app/api/calls/{call_id}/audio" in body["paths"]


async def test_two_scorecard_versions_of_a_call_side_by_side(dashboard, calls):
    a, _ = calls
    rescored = {**score_record(context(a, 1), 35), "scorecard": "support-en@2"}
    rescored["scored_at"] = rescored["scored_at"] + timedelta(seconds=5)
    rescored["criteria"] = [{**rescored["criteria"][0], "label": "Greeting (name and company)"}]
    ClickHouseWriter(dashboard.clickhouse, dashboard.settings.clickhouse_database).write_scores([rescored])
    session = dashboard.session(a, "contact", 3)

    newest = await (await dashboard.get(f"/app/api/calls/{a}.1", session)).json()
    check_shape(newest, "CallDetail")
    assert (newest["scorecard"], newest["score"]) == ("support-en@2", 35)
    assert [v["scorecard"] for v in newest["scorecards"]] == ["support-en@2", "support-en@1"]
    assert [c["label"] for c in newest["criteria"]] == ["Greeting (name and company)"]

    old = await (await dashboard.get(f"/app/api/calls/{a}.1?scorecard=support-en@1", session)).json()
    assert (old["scorecard"], old["score"]) == ("support-en@1", 80)
    assert {c["label"] for c in old["criteria"]} == {"Greeting", "Closing"}  # old labels kept
    missing = await dashboard.get(f"/app/api/calls/{a}.1?scorecard=support-en@9", session)
    assert missing.status == 404

    trend = await (await dashboard.get("/app/api/trend?days=30", session)).json()
    assert [(s["scorecard"], s["points"][0]["avg_score"]) for s in trend["series"]] == [
        ("support-en@2", 35.0), ("support-en@1", 80.0)]
