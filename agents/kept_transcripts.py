"""A call's transcript is fixed once produced. faster-whisper's temperature fallback samples at
random, so audio it hears badly can be transcribed differently twice; a call redelivered after a
crash between the transcribe stage's output and its offset commit would then be analysed anew,
and the CRM sink would write it a second time (a new fingerprint). So the stage keeps its output
beside the call's recording and publishes that again on any later delivery of the same call,
recording and ASR plan.

The kept bytes are a raw transcript (personal data): they live where streams.stage keeps held
payloads, in the call's blob directory, so they share the recording's retention and go with it
when the portal is purged. Nothing here logs them."""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from blobs.store import LocalBlobStore
from schemas import registry

log = logging.getLogger(__name__)

RECORD = "aica.Transcript"


def kept_name(call: dict, plan_label: str) -> str:
    """The file name of a call's kept transcript: a digest of the recording (its URI and
    content hash) and of how it is transcribed (model, language, vocabulary), so a new
    recording or a project's new ASR plan transcribes again."""
    audio = call["audio"]
    identity = "\0".join((audio["uri"], audio["sha256"], plan_label))
    return f"transcript.{hashlib.sha256(identity.encode()).hexdigest()[:32]}.avro"


def _uri(blobs: LocalBlobStore, call: dict, plan_label: str) -> str:
    ctx = call["context"]
    return blobs.uri(ctx["member_id"], ctx["call_id"], kept_name(call, plan_label))


def kept_transcript(blobs: LocalBlobStore, call: dict, plan_label: str) -> dict | None:
    """The transcript record kept for this call, recording and plan; None if there is none."""
    data = blobs.read(_uri(blobs, call, plan_label))
    if data is None:
        return None
    try:
        return registry.decode(RECORD, data)
    except registry.SchemaError:  # unreadable (cannot happen with atomic writes): transcribe anew
        log.warning("kept transcript of call=%s is unreadable; transcribing again", call["context"]["call_id"])
        return None


def keep_transcript(blobs: LocalBlobStore, call: dict, plan_label: str, record: dict) -> None:
    """Keep `record` (atomically) for any later delivery of this call."""
    ctx = call["context"]
    blobs.keep(ctx["member_id"], ctx["call_id"], kept_name(call, plan_label), registry.encode(RECORD, record))


class OneDeliveryAtATime:
    """With several inputs in flight (the transcribe stage reads ahead), a call delivered twice
    could be transcribed twice before either copy is kept. Deliveries of one call therefore take
    turns: the second finds the first's kept transcript and publishes it again."""

    def __init__(self) -> None:
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}  # call id -> (its lock, deliveries holding or waiting)

    @asynccontextmanager
    async def turn(self, call_id: str) -> AsyncIterator[None]:
        lock, waiting = self._turns.get(call_id, (asyncio.Lock(), 0))
        self._turns[call_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self._turns[call_id]
            if waiting == 1:
                del self._turns[call_id]
            else:
                self._turns[call_id] = (lock, waiting - 1)

    def __len__(self) -> int:
        return len(self._turns)
