"""Pure: Bitrix24 form events and relay envelopes -> `aica.CrmWebhookEvent` records.
No aiohttp, no Kafka. Tokens are read for verification only and never enter a record."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from httpapi.errors import Refused

RECORD_NAME = "aica.CrmWebhookEvent"
ACTIVITY_EVENTS = frozenset({"ONCRMACTIVITYADD", "ONCRMACTIVITYUPDATE"})
# App lifecycle belongs to the install flow (issue #3), which verifies through app.info.
LIFECYCLE_EVENTS = frozenset({"ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL"})
Source = Literal["bitrix24", "relay"]


@dataclass(frozen=True)
class IncomingEvent:
    """What any entry point hands on after parsing; `application_token` is empty for relays."""
    event: str
    member_id: str
    domain: str
    entity_id: str
    ts: str
    application_token: str = ""


def _text(node: Any, *path: str) -> str:
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, str) or not node.strip():
        raise Refused(400, "missing_field", f"{_form_key(path)} is required")
    return node.strip()


def _form_key(path: tuple[str, ...]) -> str:
    return path[0] + "".join(f"[{p}]" for p in path[1:])


def parse_form_event(form: dict[str, Any]) -> IncomingEvent:
    """Read the fields we use from an unflattened Bitrix24 event form."""
    return IncomingEvent(
        event=_text(form, "event").upper(),
        member_id=_text(form, "auth", "member_id"),
        domain=_text(form, "auth", "domain"),
        entity_id=_text(form, "data", "FIELDS", "ID"),
        ts=_text(form, "ts"),
        application_token=_text(form, "auth", "application_token"),
    )


def _scalar(envelope: dict[str, Any], name: str) -> str:
    value = envelope.get(name)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise Refused(400, "missing_field", f"{name} is required (string or integer)")
    return str(value).strip()


def parse_relay_envelope(body: bytes) -> IncomingEvent:
    """`{"source":"bitrix24","member_id","event","entity_id","ts"}`; the domain is the portal's."""
    try:
        envelope = json.loads(body)
    except ValueError:
        raise Refused(400, "malformed_json", "body is not JSON") from None
    if not isinstance(envelope, dict):
        raise Refused(400, "malformed_json", "body must be a JSON object")
    if envelope.get("source") != "bitrix24":
        raise Refused(422, "bad_source", 'source must be "bitrix24"')
    return IncomingEvent(event=_scalar(envelope, "event").upper(), member_id=_scalar(envelope, "member_id"),
                         domain="", entity_id=_scalar(envelope, "entity_id"), ts=_scalar(envelope, "ts"))


def check_event_name(event: str) -> None:
    """Only call activities are published; everything else is refused without side effects."""
    if event in ACTIVITY_EVENTS:
        return
    if event in LIFECYCLE_EVENTS:  # gateway.install takes them from Bitrix24's own form posts only
        raise Refused(400, "lifecycle_event", f"{event} is accepted only as a Bitrix24 form post")
    raise Refused(400, "unsupported_event", "this endpoint accepts ONCRMACTIVITYADD and ONCRMACTIVITYUPDATE")


def positive_int_text(value: str, field: str) -> int:
    """ASCII digits only (int() would also take '+1', ' 1', '١', '1_0')."""
    if not (value.isascii() and value.isdigit()) or int(value) <= 0:
        raise Refused(422, f"bad_{field}", f"{field} must be a positive integer")
    return int(value)


def event_id(member_id: str, event: str, entity_id: str, ts: int) -> str:
    """The dedup key every stage agrees on (docs/bitrix24-api.md §1.6 step 5)."""
    return hashlib.sha256(f"{member_id}|{event}|{entity_id}|{ts}".encode()).hexdigest()


def uninstall_record(form: dict[str, Any], domain: str, received_at: datetime) -> dict[str, Any]:
    """ONAPPUNINSTALL (§1.5) has no entity: entity_id is "0"; data[CLEAN] travels as `clean`.
    `domain` is the verified portal's."""
    member_id, ts = _text(form, "auth", "member_id"), positive_int_text(_text(form, "ts"), "ts")
    data = form.get("data") if isinstance(form.get("data"), dict) else {}
    return {"event_id": event_id(member_id, "ONAPPUNINSTALL", "0", ts), "event": "ONAPPUNINSTALL",
            "member_id": member_id, "domain": domain, "entity_id": "0", "ts": ts,
            "received_at": received_at, "source": "bitrix24",
            "clean": str(data.get("CLEAN", "0")).strip() in ("1", "Y", "true")}


def to_record(incoming: IncomingEvent, domain: str, received_at: datetime, source: Source) -> dict[str, Any]:
    """The Avro record for an accepted event. `domain` is the verified portal's, not the caller's."""
    entity_id = str(positive_int_text(incoming.entity_id, "entity_id"))
    ts = positive_int_text(incoming.ts, "ts")
    return {
        "event_id": event_id(incoming.member_id, incoming.event, entity_id, ts),
        "event": incoming.event,
        "member_id": incoming.member_id,
        "domain": domain,
        "entity_id": entity_id,
        "ts": ts,
        "received_at": received_at,
        "source": source,
        "clean": None,  # ONAPPUNINSTALL only
    }
