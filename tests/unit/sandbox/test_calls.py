"""Call activities, list paging and filters, bindings and telephony statistics."""
from __future__ import annotations

from datetime import datetime

from sandbox.calls import CallSpec, attach_recording, create_call


async def test_call_activity_has_the_documented_shape(sandbox):
    contact_id = (await sandbox.control("contacts", {"NAME": "Anna", "PHONE": "+79160000001"}))["id"]
    deal_id = (await sandbox.control("deals", {"TITLE": "Deal", "CONTACT_ID": contact_id}))["id"]
    placed = await sandbox.control("calls", {"contact_id": contact_id, "deal_id": deal_id,
                                             "direction": "outgoing", "responsible_id": 7,
                                             "send_events": False})
    _, body = await sandbox.rest("crm.activity.get", {"id": placed["activity_id"]})
    activity = body["result"]
    assert activity["TYPE_ID"] == "2" and activity["PROVIDER_ID"] == "VOXIMPLANT_CALL"
    assert activity["ORIGIN_ID"] == "VI_" + placed["call_id"]
    assert (activity["DIRECTION"], activity["RESPONSIBLE_ID"]) == ("2", "7")
    assert activity["COMMUNICATIONS"][0]["VALUE"] == "+79160000001"
    assert {"OWNER_TYPE_ID": "2", "OWNER_ID": str(deal_id)} in activity["BINDINGS"]
    assert datetime.fromisoformat(activity["END_TIME"]).utcoffset() is not None
    assert "FILES" not in activity  # no recording yet

    _, body = await sandbox.rest("crm.activity.binding.list", {"activityId": placed["activity_id"]})
    assert sorted((b["entityTypeId"], b["entityId"]) for b in body["result"]) == [
        (2, deal_id), (3, contact_id)]


def test_recording_appears_in_files_and_statistics(sandbox):
    state = sandbox.state
    activity_id, _ = create_call(state, CallSpec(duration_s=42))
    file_id = attach_recording(state, activity_id, "r.wav", "audio/x-wav", b"RIFF")
    url = state.activities[activity_id]["FILES"][0]["url"]
    assert url.startswith(state.base_url + "/bitrix/tools/crm_show_file.php?")
    assert url.endswith(f"fileId={file_id}&ownerTypeId=6&ownerId={activity_id}&auth=")
    assert state.statistics[activity_id]["RECORD_FILE_ID"] == file_id


async def test_list_pages_of_50_with_next_and_total(sandbox):
    for _ in range(120):
        create_call(sandbox.state, CallSpec())
    create_call(sandbox.state, CallSpec(is_call=False))
    seen, start, pages = [], 0, 0
    while start is not None:
        _, body = await sandbox.rest("crm.activity.list", {"filter": {"TYPE_ID": 2}, "start": start})
        assert body["total"] == 120
        seen += [row["ID"] for row in body["result"]]
        start, pages = body.get("next"), pages + 1
    assert pages == 3 and len(set(seen)) == 120
    assert seen == sorted(seen, key=int)


async def test_list_filter_select_and_big_scan(sandbox):
    ids = [create_call(sandbox.state, CallSpec())[0] for _ in range(3)]
    _, body = await sandbox.rest("crm.activity.list", {
        "filter": {">ID": ids[0]}, "select": ["ID", "FILES"], "order": {"ID": "DESC"}, "start": -1})
    assert [row["ID"] for row in body["result"]] == [str(ids[2]), str(ids[1])]
    assert "total" not in body and "next" not in body
    assert all(set(row) <= {"ID", "FILES"} for row in body["result"])
    _, body = await sandbox.rest("crm.activity.list", {"select": ["*"]})
    assert "COMMUNICATIONS" not in body["result"][0]  # multi fields only when named


async def test_list_filters_by_last_updated(sandbox):
    first, _ = create_call(sandbox.state, CallSpec())
    sandbox.state.activities[first]["LAST_UPDATED"] = "2020-01-01T10:00:00+03:00"
    second, _ = create_call(sandbox.state, CallSpec())
    _, body = await sandbox.rest("crm.activity.list", {"filter": {">LAST_UPDATED": "2021-01-01T00:00:00+00:00"}})
    assert [row["ID"] for row in body["result"]] == [str(second)]


async def test_statistic_get_by_activity_or_call_id(sandbox):
    placed = await sandbox.control("calls", {"line": "sip7", "duration_s": 0, "send_events": False})
    for flt in ({"CRM_ACTIVITY_ID": placed["activity_id"]}, {"CALL_ID": placed["call_id"]}):
        _, body = await sandbox.rest("voximplant.statistic.get", {"FILTER": flt})
        (row,) = body["result"]
        assert row["PORTAL_NUMBER"] == "sip7"
        assert (row["CALL_DURATION"], row["CALL_FAILED_CODE"]) == ("0", "304")
