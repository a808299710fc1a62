"""What the stage loop shows of each message: latency, in-flight count, retries and dead letters
on /metrics, and JSON log lines carrying the call id and portal (AICA_LOG_FORMAT=json)."""
from __future__ import annotations

import io
import json
import logging
import logging.config

import faust
import pytest
from aiohttp import web
from prometheus_client import REGISTRY

from schemas import registry
from streams.logs import logging_config
from streams.metrics import STAGE_IN_FLIGHT, metrics_response
from streams.spec import StageSpec
from streams.stage import Consumed, Reject, Retry, StageRunner
from streams.topics import Topic

TRANSCRIPT = {
    "context": {"call_id": "m7.42", "member_id": "m7", "domain": "d", "activity_id": 42, "project": "p",
                "language": "en", "direction": "incoming"},
    "audio_uri": "blob://m7/m7.42/rec.mp3", "language": "en", "audio_duration_s": 3.0, "channels": 1,
    "segments": [], "transcribed_at": 0,
}
STAGE = "observed"


class QuietRunner(StageRunner):
    def __init__(self, settings):
        spec = StageSpec(STAGE, "agents.redact", {Topic.TRANSCRIBED: "aica.Transcript"}, writes=(Topic.REDACTED,))
        super().__init__(faust.App("test-observed", broker="memory://"), settings, spec)
        self.sent = []

    async def send(self, topic, key, value, headers=None):
        self.sent.append(topic)


@pytest.fixture
def runner(settings_factory, tmp_path):
    return QuietRunner(settings_factory(retry_delays_s=[1, 10], topic_prefix="p.", blob_dir=tmp_path / "blobs"))


def message() -> Consumed:
    return Consumed("p.calls.transcribed.v1", b"m7.42", registry.encode("aica.Transcript", TRANSCRIPT))


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_stage_latency_in_flight_retries_and_dead_letters_reach_metrics(runner, aiohttp_client):
    handled = value("aica_stage_seconds_count", stage=STAGE)
    retries = value("aica_retries_total", stage=STAGE, reason_class="Retry")
    letters = value("aica_dead_letters_total", stage=STAGE, reason_class="Reject")
    in_flight_seen = []

    async def ok(record, msg):
        in_flight_seen.append(STAGE_IN_FLIGHT.labels(STAGE)._value.get())
        return []

    async def later(record, msg):
        raise Retry("recording not attached yet")

    async def never(record, msg):
        raise Reject("not a call")

    for handle in (ok, later, never):
        await runner.process(message(), handle)

    assert in_flight_seen == [1.0] and STAGE_IN_FLIGHT.labels(STAGE)._value.get() == 0
    assert value("aica_stage_seconds_count", stage=STAGE) == handled + 3
    assert value("aica_retries_total", stage=STAGE, reason_class="Retry") == retries + 1
    assert value("aica_dead_letters_total", stage=STAGE, reason_class="Reject") == letters + 1

    app = web.Application()
    app.router.add_get("/metrics", metrics_response)
    text = await (await (await aiohttp_client(app)).get("/metrics")).text()
    assert f'aica_dead_letters_total{{reason_class="Reject",stage="{STAGE}"}}' in text
    assert f'aica_stage_seconds_bucket{{le="0.005",stage="{STAGE}"}}' in text


@pytest.fixture
def json_logging():
    """The JSON config as `aica` installs it, its stderr handler writing into a buffer."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    logging.config.dictConfig(logging_config("info", "json"))
    buffer = io.StringIO()
    root.handlers[-1].setStream(buffer)
    yield buffer
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved


async def test_json_lines_carry_call_id_and_portal_inside_a_message_only(runner, json_logging):
    stage_log = logging.getLogger("agents.observed")

    async def handle(record, msg):
        stage_log.info("handling the call")
        return []

    await runner.process(message(), handle)
    stage_log.info("between messages")
    lines = [json.loads(line) for line in json_logging.getvalue().splitlines()]
    inside = next(line for line in lines if line["message"] == "handling the call")
    assert (inside["call_id"], inside["member_id"]) == ("m7.42", "m7")
    assert inside["level"] == "INFO" and inside["logger"] == "agents.observed" and "time" in inside
    outside = next(line for line in lines if line["message"] == "between messages")
    assert outside["call_id"] is None and outside["member_id"] is None


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError):
        logging_config("info", "xml")
