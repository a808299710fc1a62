"""Call activities and telephony statistics, shaped like Bitrix24's (§3.1, §3.3):
the activity exists first, the recording (FILES) is attached later by an update."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from sandbox import query
from sandbox.state import SandboxState, StoredFile, iso
from sandbox.wire import as_int, not_found

CONTACT, DEAL = 3, 2
ACTIVITY_OWNER_TYPE = 6
EXPLICIT_ONLY = {"COMMUNICATIONS", "FILES", "BINDINGS"}


@dataclass(frozen=True)
class CallSpec:
    line: str = "reg1"  # PORTAL_NUMBER
    direction: str = "incoming"  # incoming | outgoing
    phone: str = "+74951234567"
    contact_id: int | None = None
    deal_id: int | None = None
    duration_s: int = 60
    responsible_id: int = 1
    is_call: bool = True


def _direction(spec: CallSpec) -> str:
    return "2" if spec.direction.lower() in ("outgoing", "2") else "1"


def call_activity(state: SandboxState, spec: CallSpec, activity_id: int, call_id: str) -> dict[str, Any]:
    now = time.time()
    owner_type, owner_id = (CONTACT, spec.contact_id) if spec.contact_id else (DEAL, spec.deal_id or 0)
    bindings = [{"OWNER_TYPE_ID": str(t), "OWNER_ID": str(i)}
                for t, i in ((CONTACT, spec.contact_id), (DEAL, spec.deal_id)) if i]
    incoming = _direction(spec) == "1"
    return {
        "ID": str(activity_id), "OWNER_ID": str(owner_id), "OWNER_TYPE_ID": str(owner_type),
        "TYPE_ID": "2" if spec.is_call else "4",
        "PROVIDER_ID": "VOXIMPLANT_CALL" if spec.is_call else "CRM_EMAIL",
        "PROVIDER_TYPE_ID": "CALL" if spec.is_call else "EMAIL", "PROVIDER_GROUP_ID": None,
        "ASSOCIATED_ENTITY_ID": "0",
        "SUBJECT": f"{'Incoming' if incoming else 'Outgoing'} call" if spec.is_call else "E-mail",
        "CREATED": iso(now), "LAST_UPDATED": iso(now), "START_TIME": iso(now - spec.duration_s),
        "END_TIME": iso(now), "DEADLINE": iso(now - spec.duration_s), "COMPLETED": "Y",
        "STATUS": "2", "RESPONSIBLE_ID": str(spec.responsible_id), "PRIORITY": "2",
        "NOTIFY_TYPE": "0", "NOTIFY_VALUE": "0", "DESCRIPTION": "", "DESCRIPTION_TYPE": "1",
        "DIRECTION": _direction(spec), "LOCATION": "", "SETTINGS": [], "ORIGINATOR_ID": None,
        "ORIGIN_ID": f"VI_{call_id}" if spec.is_call else None,
        "AUTHOR_ID": str(spec.responsible_id), "EDITOR_ID": str(spec.responsible_id),
        "PROVIDER_PARAMS": [], "PROVIDER_DATA": None, "RESULT_MARK": "0", "RESULT_VALUE": None,
        "RESULT_SUM": None, "RESULT_CURRENCY_ID": None, "RESULT_STATUS": "0",
        "RESULT_STREAM": "0", "RESULT_SOURCE_ID": None, "AUTOCOMPLETE_RULE": "0",
        "COMMUNICATIONS": [{"ID": str(state.next_id()), "TYPE": "PHONE", "VALUE": spec.phone,
                            "ENTITY_ID": str(owner_id), "ENTITY_TYPE_ID": str(owner_type)}],
        "BINDINGS": bindings,
    }


def statistic_row(spec: CallSpec, activity_id: int, call_id: str, row_id: int) -> dict[str, Any]:
    answered = spec.duration_s > 0
    return {
        "ID": str(row_id), "PORTAL_USER_ID": str(spec.responsible_id), "PORTAL_NUMBER": spec.line,
        "PHONE_NUMBER": spec.phone.lstrip("+"), "CALL_ID": call_id, "CALL_CATEGORY": "external",
        "CALL_DURATION": str(spec.duration_s), "CALL_START_DATE": iso(time.time() - spec.duration_s),
        "CALL_RECORD_URL": None, "CALL_VOTE": "0", "COST": "0.0000", "COST_CURRENCY": "RUR",
        "CALL_FAILED_CODE": "200" if answered else "304",
        "CALL_FAILED_REASON": "Success call" if answered else "Missed call",
        "CRM_ENTITY_TYPE": "CONTACT" if spec.contact_id else "DEAL",
        "CRM_ENTITY_ID": str(spec.contact_id or spec.deal_id or 0),
        "CRM_ACTIVITY_ID": str(activity_id), "REST_APP_ID": None, "REST_APP_NAME": None,
        "TRANSCRIPT_ID": None, "TRANSCRIPT_PENDING": "N", "SESSION_ID": str(row_id),
        "REDIAL_ATTEMPT": None, "COMMENT": None, "RECORD_DURATION": None, "RECORD_FILE_ID": None,
        "CALL_TYPE": "1" if _direction(spec) == "2" else "2",
    }


def create_call(state: SandboxState, spec: CallSpec) -> tuple[int, str]:
    """Add the activity (and, for calls, the statistics row); returns (activity id, CALL_ID)."""
    activity_id = state.next_id()
    digest = hashlib.md5(f"{state.member_id}:{activity_id}".encode()).hexdigest()
    call_id = f"externalCall.{digest}.{int(time.time())}"
    state.activities[activity_id] = call_activity(state, spec, activity_id, call_id)
    if spec.is_call:
        state.statistics[activity_id] = statistic_row(spec, activity_id, call_id, state.next_id())
    return activity_id, call_id


def attach_recording(state: SandboxState, activity_id: int, name: str, content_type: str,
                     body: bytes) -> int:
    """What AttachRecordToCall does: FILES appear on the activity, RECORD_FILE_ID in statistics."""
    file_id = state.next_id()
    state.files[file_id] = StoredFile(file_id, activity_id, name, content_type, body)
    activity = state.activities[activity_id]
    url = (f"{state.base_url}/bitrix/tools/crm_show_file.php?fileId={file_id}"
           f"&ownerTypeId={ACTIVITY_OWNER_TYPE}&ownerId={activity_id}&auth=")
    activity["FILES"] = [*activity.get("FILES", []), {"id": file_id, "url": url}]
    activity["LAST_UPDATED"] = iso(time.time())
    if activity_id in state.statistics:
        stat = state.statistics[activity_id]
        stat["RECORD_FILE_ID"] = file_id
        stat["RECORD_DURATION"] = stat["CALL_DURATION"]
    return file_id


# REST methods ---------------------------------------------------------------------------------
def _activity(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    activity = state.activities.get(as_int(params.get("id")))
    if activity is None:
        raise not_found()
    return activity


def activity_get(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    return {"result": _activity(state, params)}


def activity_list(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    rows = [a for a in state.activities.values() if query.matches(a, params.get("filter") or {})]
    rows = query.ordered(rows, params.get("order"))
    rows = [query.selected(a, params.get("select"), EXPLICIT_ONLY) for a in rows]
    return query.page(rows, params.get("start"))


def activity_binding_list(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    activity = state.activities.get(as_int(params.get("activityid"), "activityId"))
    if activity is None:
        raise not_found()
    return {"result": [{"entityTypeId": int(b["OWNER_TYPE_ID"]), "entityId": int(b["OWNER_ID"])}
                       for b in activity["BINDINGS"]]}


def statistic_get(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    rows = [s for s in state.statistics.values() if query.matches(s, params.get("filter") or {})]
    order = {params["sort"]: params.get("order", "ASC")} if params.get("sort") else None
    return query.page(query.ordered(rows, order), params.get("start"))
