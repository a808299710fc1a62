"""Ingest's pure parts: which activities are calls, where the recording is, who the call binds."""
from __future__ import annotations

import pytest

from agents.ingest import bindings_from, call_context, call_facts, is_telephony_call, recording_file

DOC_ACTIVITY = {  # docs/bitrix24-api.md §3.1, documented crm.activity.get example
    "ID": "999", "OWNER_ID": "15", "OWNER_TYPE_ID": "3", "TYPE_ID": "2", "PROVIDER_ID": "VOXIMPLANT_CALL",
    "ORIGIN_ID": "VI_externalCall.7b0c.1773239327", "DIRECTION": "2", "RESPONSIBLE_ID": "505",
    "START_TIME": "2020-09-27T13:25:00+02:00", "END_TIME": "2020-09-27T13:29:30+02:00",
}
URL = "https://x.bitrix24.com/bitrix/tools/crm_show_file.php?fileId=3101820&ownerTypeId=6&ownerId=999&auth="


def test_only_telephony_calls_are_analysed():
    assert is_telephony_call(DOC_ACTIVITY)
    assert not is_telephony_call({**DOC_ACTIVITY, "TYPE_ID": "4"})  # email
    assert not is_telephony_call({**DOC_ACTIVITY, "ORIGIN_ID": ""})  # logged by hand


@pytest.mark.parametrize("files, found", [
    (None, False), ([], False), ("", False),
    ([{"id": 3101820, "url": URL}], True),
    ({"0": {"id": 3101820, "url": URL}}, True),  # real portals sometimes send a dict keyed "0"
])
def test_recording_file_tolerates_every_files_shape(files, found):
    activity = {**DOC_ACTIVITY, "FILES": files} if files is not None else DOC_ACTIVITY
    assert (recording_file(activity) is not None) is found


def test_bindings_from_binding_list_dedup_and_types():
    rows = [{"entityTypeId": 3, "entityId": 789}, {"entityTypeId": 2, "entityId": 456},
            {"entityTypeId": 2, "entityId": 456}, {"entityTypeId": 7, "entityId": 1}]
    assert bindings_from(rows, DOC_ACTIVITY) == [{"entity_type": "contact", "entity_id": 789},
                                                 {"entity_type": "deal", "entity_id": 456}]


def test_bindings_fall_back_to_the_owner():
    assert bindings_from([], DOC_ACTIVITY) == [{"entity_type": "contact", "entity_id": 15}]


def test_call_facts_from_statistics():
    facts = call_facts([{"PORTAL_NUMBER": "reg150907", "CALL_DURATION": "95", "CALL_FAILED_CODE": "200"}])
    assert (facts.line, facts.duration_s, facts.failed) == ("reg150907", 95.0, False)
    assert call_facts([{"CALL_DURATION": "0", "CALL_FAILED_CODE": "304"}]).failed
    assert call_facts(None).line is None


def test_call_context_is_stable_and_typed():
    class Project:
        name, language = "support", "en"
    ctx = call_context("m1", "x.bitrix24.com", DOC_ACTIVITY, call_facts(None), [], Project())
    assert ctx["call_id"] == "m1.999"
    assert ctx["direction"] == "outgoing" and ctx["responsible_id"] == 505
    assert ctx["duration_s"] == 270.0  # from START/END when statistics are missing
    assert ctx["started_at"] == 1601205900000
