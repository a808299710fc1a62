"""The loop every stage runs: decode, handle, publish outputs; on failure retry on the delay tiers
or dead-letter with the reason. Faust acks an event even when the agent body raises, so nothing
may escape this loop except a failure to publish (which stops the worker before it commits).

About 300 lines: the stage loop and its failure routes (retry, park, dead letter, flood limit,
shredded records) are one state machine."""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import faust

from blobs.store import LocalBlobStore
from schemas import registry
from streams.batching import manual_acks
from streams.dlq_limit import DeadLetterFlood, DeadLetterLimit
from streams.logs import bind_call, call_context
from streams.metrics import DEAD_LETTERS, PARKED, RETRIES, SHREDDED, timed_stage
from streams.sealing import RecordCodec, Shredded, shared_codec
from streams.settings import Settings
from streams.spec import ANY_TOPIC, StageSpec
from streams.topics import Topic, holds_personal_data, logical_name, retry_tier_topic

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "aica-attempt"


class Retry(Exception):
    """Transient: try again later on the delay tiers (e.g. recording not attached yet, 503)."""

    def __init__(self, reason: str, *, max_attempts: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.max_attempts = max_attempts


class Reject(Exception):
    """Permanent: this input can never succeed; dead-letter it now."""


class UpstreamUnavailable(Exception):
    """The remote system a stage calls is failing or throttling (a portal's 5xx, rate limit,
    timeout): back off the whole lane, not just this message (streams.partitioning). Adapters of
    remote systems subclass it, so plumbing never imports them."""


@dataclass(frozen=True)
class Output:
    topic: str
    key: bytes
    record_name: str
    record: dict
    # Runs once the broker has acked this output, before the next output is sent: for a marker
    # that must never get ahead of what it marks (ingest's "ingested", reconcile's window mark).
    after_published: Callable[[], Awaitable[None] | None] | None = None


@dataclass
class Consumed:
    """One consumed message, as the stage sees it."""
    topic: str
    key: bytes | None
    value: bytes
    attempt: int = 0
    headers: dict[str, bytes] = field(default_factory=dict)


Handler = Callable[[dict, Consumed], Awaitable[list[Output]]]

_TRANSIENT = (TimeoutError, ConnectionError, aiohttp.ClientError)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, (Retry, *_TRANSIENT)) or bool(getattr(exc, "transient", False))


def now_ms() -> int:
    return int(time.time() * 1000)


def consumed_from(event: faust.EventT) -> Consumed:
    headers = dict(event.headers or {})
    raw = headers.get(ATTEMPT_HEADER, b"0")
    attempt = int(raw.decode() if isinstance(raw, bytes) else raw)
    return Consumed(event.message.topic, event.key, event.value, attempt, headers)


def call_identity(record: dict) -> tuple[str | None, str | None]:
    ctx = record.get("context") or {}
    return ctx.get("call_id"), ctx.get("member_id") or record.get("member_id")


class StageRunner:
    def __init__(self, app: faust.App, settings: Settings, spec: StageSpec,
                 codec: RecordCodec | None = None) -> None:
        self.app = app
        self.settings = settings
        self.spec = spec
        self.stage = spec.name
        self.input_record = spec.record
        self.flood = DeadLetterLimit.from_settings(self.stage, settings)
        self._topics: dict[str, faust.TopicT] = {}
        self._writes = None if ANY_TOPIC in spec.writes else {settings.topic(t) for t in spec.writes}
        # Where held personal data waits (next to the call's recording), see `detached`.
        self.blobs = LocalBlobStore(settings.resolved_blob_dir)
        # Avro, sealed with the portal's key on `sealed` topics (streams.sealing).
        self.codec = codec or shared_codec(settings)
        self.app_crashed = False  # by a dead-letter flood (once, however many inputs were in flight)

    def source(self) -> faust.TopicT:
        """The topic the stage's agent consumes."""
        return self.topic(self.settings.topic(self.spec.topic))

    def check_outputs(self, outputs: list[Output]) -> None:
        undeclared = sorted({o.topic for o in outputs} - self._writes) if self._writes is not None else []
        if undeclared:  # a bug: the stage's SPEC (and topics.yaml) must say what it writes
            raise Reject(f"stage {self.stage} wrote undeclared topics {undeclared}")

    def topic(self, name: str) -> faust.TopicT:
        if name not in self._topics:
            self._topics[name] = self.app.topic(name)
        return self._topics[name]

    async def run(self, stream: faust.StreamT, handle: Handler, in_flight: int = 1) -> None:
        """Handle the stream's inputs, each acked once handled. `in_flight` > 1: the next inputs
        are taken up while earlier ones are still being handled (the ASR thread then finds the
        next call queued the moment it finishes one). Acks may then come out of order; the
        consumer commits offsets only up to the first unacked input, so a crash loses none."""
        manual_acks(stream)
        if any(self.codec.sealed(t) for t in (*self.spec.reads, *self.spec.writes) if t != ANY_TOPIC):
            await asyncio.to_thread(lambda: self.codec.keys)  # load the portal keys before the first message
        running: set[asyncio.Future] = set()
        try:
            async for event in stream.events():
                running.add(asyncio.ensure_future(self._process_and_ack(stream, event, handle)))
                if len(running) >= in_flight:
                    done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        task.result()  # a DeadLetterFlood stops the loop here
            while running:
                await running.pop()
        finally:
            for task in running:  # stopping: unacked, so redelivered
                task.cancel()

    async def _process_and_ack(self, stream: faust.StreamT, event: faust.EventT, handle: Handler) -> None:
        try:
            await self.process(consumed_from(event), handle)
        except DeadLetterFlood as flood:
            # Stop the worker with this event unacked (redelivered after the fix), rather than
            # dead-letter the whole stream. Faust itself crashes the app this way.
            if not self.app_crashed:
                self.app_crashed = True
                await self.app.crash(flood)
            raise
        await stream.ack(event)  # only now: a shutdown mid-event must redeliver it

    async def process(self, message: Consumed, handle: Handler) -> None:
        """Publish the outputs of one input, or route its failure. Raises DeadLetterFlood (the
        input must then not be acked) once the flood limit is tripped."""
        self.flood.check()
        with timed_stage(self.stage), call_context():
            await self._process(message, handle)

    async def _process(self, message: Consumed, handle: Handler) -> None:
        try:
            record = self.codec.decode(message.topic, self.input_record, message.value)
        except Shredded as gone:  # its portal was uninstalled with CLEAN=1: nothing to do, ever
            self.skip_shredded(gone)
            return
        except registry.SchemaError as exc:
            await self.dead_letter(message, exc, {})
            return
        bind_call(*call_identity(record))  # every line logged from here on names the call
        try:
            outputs = await handle(record, message)
            self.check_outputs(outputs)
            # Encoded here: an output that breaks its contract is this input's failure (routed
            # below), not a reason to stop the agent.
            encoded = [(out.topic, out.key, self.codec.encode(out.topic, out.record_name, out.record))
                       for out in outputs]
        except Shredded as gone:  # a call in flight when its portal was uninstalled: not stored
            self.skip_shredded(gone)
            return
        except Exception as exc:  # noqa: BLE001 - every failure is routed, none escapes
            await self.route_failure(message, exc, record)
            return
        for out, (topic, key, value) in zip(outputs, encoded):
            await self.send(topic, key, value)
            if out.after_published is not None:
                try:
                    done = out.after_published()
                    if inspect.isawaitable(done):
                        await done
                except Exception as exc:  # noqa: BLE001 - redelivering the outputs is harmless
                    await self.route_failure(message, exc, record)
                    return
        self.flood.succeeded()

    def skip_shredded(self, gone: Shredded) -> None:
        SHREDDED.labels(self.stage).inc()
        log.info("%s: skipped a record of portal %s: %s", self.stage, gone.member_id, gone)

    async def route_failure(self, message: Consumed, exc: BaseException, record: dict) -> None:
        if getattr(exc, "park", False):
            await self.park(message, exc, record)
        elif is_transient(exc):
            await self.retry(message, exc, record)
        else:
            await self.dead_letter(message, exc, record)

    async def send(self, topic: str, key: bytes | None, value: bytes,
                   headers: dict[str, bytes] | None = None) -> None:
        # Await the broker ack: a failure here must stop the worker, not ack the input.
        fut = await self.topic(topic).send(key=key, value=value, headers=headers or {})
        await fut

    async def retry(self, message: Consumed, exc: BaseException, record: dict) -> None:
        tiers = self.settings.retry_delays_s
        max_attempts = getattr(exc, "max_attempts", None) or len(tiers)
        if message.attempt >= max_attempts:
            await self.dead_letter(message, exc, record, gave_up=True)
            return
        tier = min(message.attempt, len(tiers) - 1)
        RETRIES.labels(self.stage, type(exc).__name__).inc()
        reason = _reason(exc)
        call_id, member_id = call_identity(record)
        log.info("%s: retry %d/%d in %.0fs for call=%s portal=%s: %s", self.stage,
                 message.attempt + 1, max_attempts, tiers[tier], call_id, member_id, reason)
        await self.hold(retry_tier_topic(self.settings, tier), message.key, message, reason,
                        attempt=message.attempt + 1, due_in_s=tiers[tier])

    async def park(self, message: Consumed, exc: BaseException, record: dict) -> None:
        """The portal cannot be served until an admin re-authorizes it: hold the message (keyed
        by portal) on the parked topic; agents.parked forwards it once the portal is active."""
        call_id, member_id = call_identity(record)
        PARKED.labels(self.stage).inc()
        log.warning("%s: parked call=%s until portal %s is re-authorized", self.stage, call_id, member_id)
        await self.hold(self.settings.topic(Topic.PARKED), (member_id or "").encode() or message.key,
                        message, _reason(exc), attempt=message.attempt, due_in_s=0.0)

    async def hold(self, topic: str, key: bytes | None, message: Consumed, reason: str, *,
                   attempt: int, due_in_s: float) -> None:
        """Put the message, wrapped in a RetryEnvelope, on a holding topic (a delay tier or the
        parked topic); a forwarder sends it back to its topic when due (`send_back`)."""
        value, value_ref, reason = self.detached(message, reason)
        envelope = {
            "target_topic": message.topic, "key": message.key, "value": value, "value_ref": value_ref,
            "stage": self.stage, "attempt": attempt, "reason": reason,
            "due_at": now_ms() + int(due_in_s * 1000),
        }
        await self.send(topic, key, registry.encode("aica.RetryEnvelope", envelope))

    def detached(self, message: Consumed, reason: str) -> tuple[bytes, str | None, str]:
        """(value, value_ref, reason) for a retry or dead letter of `message`. A topic holding
        raw personal data (topics.yaml personal_data: the transcripts before redaction) has a
        short retention; the retry and dead-letter topics keep far longer. So its bytes go to the
        blob store, beside the call's recording (and purged with it), and only that reference
        travels. Bytes that name no call cannot be filed and are not kept at all."""
        if not holds_personal_data(self.settings, message.topic):
            return message.value, None, reason
        call_id, member_id = _identity_of(message.value)
        if not call_id or not member_id:
            return b"", None, f"{reason} (payload not kept: personal data of no known call)"[:500]
        name = f"held.{logical_name(self.settings, message.topic)}"
        # A blob store failure escapes like a failed publish: the input is not acked, so redelivered.
        return b"", self.blobs.keep(member_id, call_id, name, message.value), reason

    def held_value(self, value: bytes, value_ref: str | None) -> bytes | None:
        """The original bytes of a held message (None if its portal's data was purged meanwhile)."""
        return value if not value_ref else self.blobs.read(value_ref)

    async def send_back(self, envelope: dict) -> None:
        """A held message back to the topic it came from, its attempt count in a header."""
        value = self.held_value(envelope["value"], envelope.get("value_ref"))
        if value is None:
            log.info("%s: a held %s message is gone with its portal's data; not resumed", self.stage,
                     logical_name(self.settings, envelope["target_topic"]))
            return
        await self.send(envelope["target_topic"], envelope["key"], value,
                        {ATTEMPT_HEADER: str(envelope["attempt"]).encode()})

    async def dead_letter(self, message: Consumed, exc: BaseException, record: dict,
                          gave_up: bool = False) -> None:
        self.flood.dead_lettered()  # raises instead, when this one would be a flood
        call_id, member_id = call_identity(record)
        DEAD_LETTERS.labels(self.stage, type(exc).__name__).inc()
        reason = _reason(exc)
        if gave_up:
            reason = f"gave up after {message.attempt} retries: {reason}"
        if not is_transient(exc) and not isinstance(exc, (Reject, registry.SchemaError)):
            # An unexpected error is a bug: keep the trace in the log (no payload in it).
            log.error("%s: unexpected failure for call=%s\n%s", self.stage, call_id,
                      "".join(traceback.format_exception(exc)))
        log.warning("%s: dead-lettered call=%s portal=%s: %s", self.stage, call_id, member_id, reason)
        value, value_ref, reason = self.detached(message, reason)
        letter = {
            "source_topic": message.topic, "key": message.key, "value": value, "value_ref": value_ref,
            "stage": self.stage, "error_type": type(exc).__name__, "reason": reason,
            "attempts": message.attempt, "call_id": call_id, "member_id": member_id,
            "failed_at": now_ms(),
        }
        await self.send(self.settings.topic(Topic.DEADLETTER), message.key,
                        registry.encode("aica.DeadLetter", letter))


def _identity_of(value: bytes) -> tuple[str | None, str | None]:
    """The call of a message from its own bytes (any record carrying a CallContext)."""
    try:
        return call_identity(registry.decode(registry.writer_of(value).name, value))
    except (registry.SchemaError, AttributeError, TypeError):
        return None, None


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:500]
