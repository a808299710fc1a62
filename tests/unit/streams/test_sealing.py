"""Crypto-shredding envelope (streams.sealing): records of a sealed topic are AES-GCM encrypted
with their portal's key, bound to portal and topic; a deleted key makes a record "shredded", which
a stage skips (no dead letter); records written before sealing are still read."""
from __future__ import annotations

import os

import faust
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas import registry
from streams.sealing import RecordCodec, Shredded, is_sealed, parse_header
from streams.spec import StageSpec
from streams.stage import Consumed, StageRunner
from streams.topics import Topic

SECRET_TEXT = "Northwind refund of three hundred dollars"


class MemoryKeys:
    """The KeySource protocol over a dict (PortalKeys keeps the same on a compacted topic)."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, bytes], AESGCM] = {}

    def key(self, member_id, key_id):
        return self.keys.get((member_id, key_id))

    def key_for_writing(self, member_id):
        for (member, key_id), aead in self.keys.items():
            if member == member_id:
                return key_id, aead
        key_id = os.urandom(8)
        self.keys[(member_id, key_id)] = AESGCM(AESGCM.generate_key(bit_length=256))
        return key_id, self.keys[(member_id, key_id)]

    def shred(self, member_id):
        for name in [n for n in self.keys if n[0] == member_id]:
            del self.keys[name]


def redacted(member_id: str, activity_id: int = 1) -> dict:
    return {"context": {"call_id": f"{member_id}.{activity_id}", "member_id": member_id, "domain": "d",
                        "activity_id": activity_id, "project": "support-en", "language": "en",
                        "direction": "incoming", "versions": {"redaction": "t"}},
            "audio_uri": "blob://x", "language": "en", "audio_duration_s": 3.0, "channels": 1,
            "segments": [{"start": 0.0, "end": 3.0, "speaker": "agent", "text": SECRET_TEXT, "words": []}],
            "entities": [], "redacted_at": 0}


RECORD = "aica.RedactedTranscript"


@pytest.fixture
def keys():
    return MemoryKeys()


@pytest.fixture
def codec(settings_factory, keys):
    return RecordCodec(settings_factory(topic_prefix="p."), lambda: keys)


TOPIC = "p." + Topic.REDACTED


def test_a_sealed_record_round_trips_and_holds_no_plain_text(codec):
    data = codec.encode(TOPIC, RECORD, redacted("m1"))
    assert is_sealed(data) and SECRET_TEXT.encode() not in data and b"Northwind" not in data
    member_id, key_id, nonce, _ = parse_header(data)
    assert member_id == "m1" and len(key_id) == 8 and len(nonce) == 12
    assert codec.decode(TOPIC, RECORD, data)["segments"][0]["text"] == SECRET_TEXT
    assert codec.encode(TOPIC, RECORD, redacted("m1")) != data  # a fresh nonce every time


def test_records_written_before_sealing_are_still_read(codec):
    plain = registry.encode(RECORD, redacted("m1"))
    assert codec.decode(TOPIC, RECORD, plain)["context"]["member_id"] == "m1"


def test_topics_not_marked_sealed_stay_plain_avro(codec):
    score_topic = "p." + Topic.SCORED
    assert not codec.sealed(score_topic) and codec.sealed(TOPIC)
    data = codec.encode("p." + Topic.TRANSCRIBED, "aica.RedactedTranscript", redacted("m1"))
    assert data[:2] == registry.MAGIC


def test_a_deleted_key_makes_the_record_shredded(codec, keys):
    data = codec.encode(TOPIC, RECORD, redacted("m1"))
    other = codec.encode(TOPIC, RECORD, redacted("m2"))
    keys.shred("m1")
    with pytest.raises(Shredded) as gone:
        codec.decode(TOPIC, RECORD, data)
    assert gone.value.member_id == "m1"
    assert codec.decode(TOPIC, RECORD, other)["context"]["member_id"] == "m2"  # other portals unaffected


def test_a_record_pointed_at_another_portals_key_fails_authentication(codec):
    data = codec.encode(TOPIC, RECORD, redacted("m1"))
    theirs = codec.encode(TOPIC, RECORD, redacted("m2"))
    _, _, _, at_m1 = parse_header(data)
    _, _, _, at_m2 = parse_header(theirs)
    # m1's ciphertext under m2's header (m2's portal id and key id, m1's nonce): m2's key refuses it.
    forged = theirs[:at_m2 - 12] + data[at_m1 - 12:]
    with pytest.raises(registry.SchemaError, match="authentication"):
        codec.decode(TOPIC, RECORD, forged)


def test_a_record_moved_to_another_topic_fails_authentication(codec):
    data = codec.encode(TOPIC, RECORD, redacted("m1"))
    with pytest.raises(registry.SchemaError, match="authentication"):
        codec.decode("p." + Topic.ANALYZED, RECORD, data)


@pytest.mark.parametrize("where", ["body", "nonce", "key id", "tag"])
def test_tampered_bytes_fail_authentication(codec, where):
    data = bytearray(codec.encode(TOPIC, RECORD, redacted("m1")))
    _, _, _, at = parse_header(bytes(data))
    index = {"body": at + 5, "nonce": at - 1, "key id": at - 13, "tag": len(data) - 1}[where]
    data[index] ^= 0x01
    with pytest.raises((registry.SchemaError, Shredded)) as failed:
        codec.decode(TOPIC, RECORD, bytes(data))
    # A changed key id names a key that does not exist: unreadable, never decrypted.
    assert failed.type is (Shredded if where == "key id" else registry.SchemaError)


def test_truncated_or_unknown_envelopes_are_schema_errors(codec):
    data = codec.encode(TOPIC, RECORD, redacted("m1"))
    for bad in (data[:20], data[:2] + b"\x09" + data[3:]):
        with pytest.raises(registry.SchemaError):
            codec.decode(TOPIC, RECORD, bad)


class RecordingRunner(StageRunner):
    def __init__(self, settings, codec):
        spec = StageSpec("analyze", "agents.analyze", {Topic.REDACTED: RECORD}, writes=(Topic.ANALYZED,))
        super().__init__(faust.App("test-sealing", broker="memory://"), settings, spec, codec=codec)
        self.sent: list = []

    async def send(self, topic, key, value, headers=None):
        self.sent.append((topic, key, value))


async def test_a_stage_skips_a_shredded_record_without_a_dead_letter(settings_factory, codec, keys):
    from streams.metrics import SHREDDED
    runner = RecordingRunner(settings_factory(topic_prefix="p."), codec)
    handled = []

    async def handle(record, message):
        handled.append(record["context"]["call_id"])
        return []

    live = codec.encode(TOPIC, RECORD, redacted("m2", 7))
    gone = codec.encode(TOPIC, RECORD, redacted("m1", 5))
    keys.shred("m1")
    before = SHREDDED.labels("analyze")._value.get()
    await runner.process(Consumed(TOPIC, b"m1.5", gone), handle)
    await runner.process(Consumed(TOPIC, b"m2.7", live), handle)
    assert handled == ["m2.7"] and runner.sent == []  # no dead letter, no retry
    assert SHREDDED.labels("analyze")._value.get() == before + 1


async def test_a_stage_seals_what_it_writes_to_a_sealed_topic(settings_factory, codec):
    from streams.stage import Output
    settings = settings_factory(topic_prefix="p.")
    spec = StageSpec("redact", "agents.redact", {Topic.TRANSCRIBED: "aica.Transcript"}, writes=(Topic.REDACTED,))
    runner = RecordingRunner(settings, codec)
    runner.spec, runner.input_record = spec, "aica.Transcript"
    runner._writes = {settings.topic(Topic.REDACTED)}
    transcript = {k: v for k, v in redacted("m1").items() if k not in ("entities", "redacted_at")}
    transcript["transcribed_at"] = 0

    async def handle(record, message):
        return [Output(TOPIC, b"m1.1", RECORD, redacted("m1"))]

    await runner.process(Consumed("p." + Topic.TRANSCRIBED, b"m1.1",
                                  registry.encode("aica.Transcript", transcript)), handle)
    [(topic, _, value)] = runner.sent
    assert topic == TOPIC and is_sealed(value) and SECRET_TEXT.encode() not in value
    assert codec.decode(TOPIC, RECORD, value)["segments"][0]["text"] == SECRET_TEXT


def test_dlq_replay_leaves_out_shredded_letters_and_keeps_the_rest_sealed(settings_factory, codec, keys, tmp_path):
    from streams.dlq import replay_messages
    settings = settings_factory(topic_prefix="p.", blob_dir=tmp_path / "blobs")
    gone, live = (codec.encode(TOPIC, RECORD, redacted(m)) for m in ("m1", "m2"))
    plain = registry.encode(RECORD, redacted("m3"))
    keys.shred("m1")
    letters = [{"source_topic": TOPIC, "key": f"{m}.1".encode(), "value": v, "value_ref": None, "call_id": f"{m}.1"}
               for m, v in (("m1", gone), ("m2", live), ("m3", plain))]
    assert replay_messages(settings, letters, codec) == [(TOPIC, b"m2.1", live), (TOPIC, b"m3.1", plain)]


def test_the_keys_topic_is_compacted_with_a_bound_on_how_long_a_deleted_key_stays(settings_factory):
    from streams.topics import retention_configs
    config = retention_configs(settings_factory(topic_prefix="p."))["p." + Topic.PORTAL_KEYS]
    assert config["cleanup.policy"] == "compact" and int(config["max.compaction.lag.ms"]) <= 86_400_000


async def test_a_call_in_flight_when_its_portal_was_uninstalled_is_not_sealed_under_a_new_key(
        settings_factory, codec, keys):
    from streams.stage import Output
    settings = settings_factory(topic_prefix="p.")
    runner = RecordingRunner(settings, codec)
    runner.spec = StageSpec("redact", "agents.redact", {Topic.TRANSCRIBED: "aica.Transcript"}, writes=(Topic.REDACTED,))
    runner.input_record, runner._writes = "aica.Transcript", {settings.topic(Topic.REDACTED)}
    codec.uninstalled = lambda member_id: member_id == "m1"

    async def handle(record, message):
        member = record["context"]["member_id"]
        return [Output(TOPIC, f"{member}.1".encode(), RECORD, redacted(member))]

    for member in ("m1", "m2"):
        transcript = {k: v for k, v in redacted(member).items() if k not in ("entities", "redacted_at")}
        await runner.process(Consumed("p." + Topic.TRANSCRIBED, f"{member}.1".encode(),
                                      registry.encode("aica.Transcript", {**transcript, "transcribed_at": 0})), handle)
    assert [key for _, key, _ in runner.sent] == [b"m2.1"]  # m1's output dropped: no record, no dead letter
    assert {member for member, _ in keys.keys} == {"m2"}  # and no key made for the uninstalled portal
