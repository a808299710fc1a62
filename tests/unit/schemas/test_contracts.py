"""The Avro contracts: every topic has one, changes stay backward compatible, bytes round-trip."""
from __future__ import annotations

import copy
import json

import pytest

from schemas import registry
from streams.topics import RETRY_TIERS, Topic


def test_every_topic_has_a_known_contract():
    topics = registry.topics()
    assert {t.value for t in Topic} | {RETRY_TIERS} == set(topics)
    for name, spec in topics.items():
        assert spec["schema"] in registry.current(), name


def test_current_schemas_are_released():
    # A changed .avsc must be frozen with `python -m schemas.registry` so old readers of the
    # fingerprint, and this compatibility check, know it.
    assert registry.unreleased() == []


def test_every_released_version_is_readable_by_todays_schema():
    assert registry.incompatible_releases() == []


def _variant(name: str, mutate) -> registry.Contract:
    schema = copy.deepcopy(registry._plain(registry.current()[name].parsed))
    mutate(schema)
    return registry._contract(name, schema)


def test_adding_a_field_without_default_is_caught():
    reader = _variant("aica.CrmWebhookEvent",
                      lambda s: s["fields"].append({"name": "tenant_tier", "type": "string"}))
    assert registry.can_read(reader, registry.current()["aica.CrmWebhookEvent"]) is not None


def test_adding_a_field_with_default_is_compatible():
    reader = _variant("aica.CrmWebhookEvent",
                      lambda s: s["fields"].append({"name": "tenant_tier", "type": "string", "default": "std"}))
    assert registry.can_read(reader, registry.current()["aica.CrmWebhookEvent"]) is None


def test_roundtrip_and_header():
    record = {"event_id": "e1", "event": "ONCRMACTIVITYADD", "member_id": "m", "domain": "x.bitrix24.com",
              "entity_id": "42", "ts": 1766047124, "received_at": 1766047124000, "source": "bitrix24"}
    data = registry.encode("aica.CrmWebhookEvent", record)
    assert data[:2] == b"\xc3\x01"
    assert registry.writer_of(data).name == "aica.CrmWebhookEvent"
    decoded = registry.decode("aica.CrmWebhookEvent", data)
    assert decoded["entity_id"] == "42"
    assert int(decoded["received_at"].timestamp() * 1000) == 1766047124000


def test_old_writer_is_resolved_to_new_reader():
    """Bytes written before a compatible change decode into today's shape with the default."""
    writer = registry.current()["aica.CrmWebhookEvent"]
    record = {"event_id": "e1", "event": "E", "member_id": "m", "domain": "d", "entity_id": "1", "ts": 1,
              "received_at": 0, "source": "bitrix24"}
    import io
    import fastavro
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, writer.parsed, record)
    reader = _variant("aica.CrmWebhookEvent",
                      lambda s: s["fields"].append({"name": "tenant_tier", "type": "string", "default": "std"}))
    buf.seek(0)
    assert fastavro.schemaless_reader(buf, writer.parsed, reader.parsed)["tenant_tier"] == "std"


@pytest.mark.parametrize("data, why", [
    (b"", "missing C3 01"),
    (b"{\"json\": true}", "missing C3 01"),
    (b"\xc3\x01" + b"\x00" * 8 + b"x", "unknown writer schema"),
])
def test_garbage_is_refused_with_a_reason(data, why):
    with pytest.raises(registry.SchemaError, match=why):
        registry.decode("aica.CrmWebhookEvent", data)


def test_wrong_record_type_is_refused():
    data = registry.encode("aica.CrmWebhookEvent", {
        "event_id": "e", "event": "E", "member_id": "m", "domain": "d", "entity_id": "1", "ts": 1,
        "received_at": 0, "source": "bitrix24"})
    with pytest.raises(registry.SchemaError, match="expected aica.CallScore"):
        registry.decode("aica.CallScore", data)


def test_encode_refuses_a_record_that_breaks_the_contract():
    with pytest.raises(registry.SchemaError):
        registry.encode("aica.CrmWebhookEvent", {"event": "E"})
