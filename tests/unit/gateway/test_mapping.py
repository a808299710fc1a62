"""Pure mapping from Bitrix24's wire shapes to the CrmWebhookEvent record."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest

from bitrix.forms import flatten, unflatten
from httpapi.errors import Refused
from gateway.mapping import (check_event_name, event_id, parse_form_event, parse_relay_envelope,
                             positive_int_text, to_record)
from schemas import registry

RECEIVED = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


def test_form_event_reads_exactly_the_fields_used(documented_event):
    incoming = parse_form_event(unflatten(flatten(documented_event)))
    auth = documented_event["auth"]
    assert (incoming.event, incoming.member_id, incoming.domain, incoming.entity_id, incoming.ts,
            incoming.application_token) == ("ONCRMACTIVITYADD", auth["member_id"], auth["domain"], "999",
                                             documented_event["ts"], auth["application_token"])


@pytest.mark.parametrize("form", [
    {},
    {"event": "ONCRMACTIVITYADD", "auth": "flat", "data": {"FIELDS": {"ID": "1"}}, "ts": "1"},
    {"event": "  ", "auth": {"member_id": "m", "domain": "d", "application_token": "t"},
     "data": {"FIELDS": {"ID": "1"}}, "ts": "1"},
    {"event": "E", "auth": {"member_id": "m", "domain": "d", "application_token": "t"},
     "data": {"FIELDS": {"ID": ["1"]}}, "ts": "1"},
])
def test_missing_or_misshapen_fields_are_400(form):
    with pytest.raises(Refused) as caught:
        parse_form_event(form)
    assert (caught.value.status, caught.value.code) == (400, "missing_field")


def test_record_is_valid_avro_and_carries_no_tokens(documented_event):
    incoming = parse_form_event(unflatten(flatten(documented_event)))
    record = to_record(incoming, "some-domain.bitrix24.com", RECEIVED, "bitrix24")
    assert registry.decode("aica.CrmWebhookEvent", registry.encode("aica.CrmWebhookEvent", record)) == record
    assert "application_token" not in json.dumps(record, default=str)
    assert documented_event["auth"]["application_token"] not in json.dumps(record, default=str)


def test_event_id_is_sha256_of_the_pipe_joined_key():
    assert event_id("m", "ONCRMACTIVITYADD", "999", 1466439714) == \
        hashlib.sha256(b"m|ONCRMACTIVITYADD|999|1466439714").hexdigest()


def test_leading_zeros_do_not_make_a_different_event(documented_event):
    plain = parse_form_event(unflatten(flatten(documented_event)))
    documented_event["data"]["FIELDS"]["ID"] = "0999"
    padded = parse_form_event(unflatten(flatten(documented_event)))
    assert to_record(plain, "d", RECEIVED, "bitrix24")["event_id"] == to_record(padded, "d", RECEIVED, "bitrix24")["event_id"]


@pytest.mark.parametrize("text", ["0", "-1", "+1", "1.0", "1e3", "١٢", "1_000", "abc", ""])
def test_only_plain_positive_integers_are_ids(text):
    with pytest.raises(Refused) as caught:
        positive_int_text(text, "entity_id")
    assert (caught.value.status, caught.value.code) == (422, "bad_entity_id")


def test_positive_integers_parse():
    assert positive_int_text("42", "ts") == 42


@pytest.mark.parametrize("event, status", [("ONAPPINSTALL", 400), ("ONAPPUNINSTALL", 400),
                                           ("ONCRMDEALADD", 400), ("ONVOXIMPLANTCALLEND", 400)])
def test_only_activity_events_are_published(event, status):
    check_event_name("ONCRMACTIVITYADD")
    check_event_name("ONCRMACTIVITYUPDATE")
    with pytest.raises(Refused) as caught:
        check_event_name(event)
    assert caught.value.status == status


def test_relay_envelope_accepts_integers_and_strings():
    body = json.dumps({"source": "bitrix24", "member_id": "m", "event": "onCrmActivityUpdate",
                       "entity_id": 7, "ts": "1700000000"}).encode()
    incoming = parse_relay_envelope(body)
    assert (incoming.event, incoming.entity_id, incoming.ts, incoming.domain) == \
        ("ONCRMACTIVITYUPDATE", "7", "1700000000", "")


@pytest.mark.parametrize("body, status, code", [
    (b"not json", 400, "malformed_json"),
    (b"[1, 2]", 400, "malformed_json"),
    (b'{"source": "zapier", "member_id": "m", "event": "E", "entity_id": 1, "ts": 1}', 422, "bad_source"),
    (b'{"source": "bitrix24", "member_id": "m", "event": "E", "entity_id": true, "ts": 1}', 400, "missing_field"),
    (b'{"source": "bitrix24", "member_id": "m", "event": "E", "ts": 1}', 400, "missing_field"),
])
def test_bad_relay_envelopes(body, status, code):
    with pytest.raises(Refused) as caught:
        parse_relay_envelope(body)
    assert (caught.value.status, caught.value.code) == (status, code)
