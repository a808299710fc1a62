"""Records as the pipeline writes them (encoded and decoded through the real contracts)."""
from __future__ import annotations

from datetime import UTC, datetime

from catalog.portal_settings import PortalSettings
from schemas import registry

NOW = datetime.now(UTC).replace(microsecond=0)


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def context(member_id: str, activity_id: int, contact_id: int = 3, deal_id: int = 7, **extra) -> dict:
    return {"call_id": f"{member_id}.{activity_id}", "member_id": member_id, "domain": "p.test",
            "activity_id": activity_id, "project": "support-en", "language": "en", "line": "L1",
            "direction": "incoming", "responsible_id": 11, "started_at": millis(NOW), "duration_s": 61.5,
            "bindings": [{"entity_type": "contact", "entity_id": contact_id},
                         {"entity_type": "deal", "entity_id": deal_id}],
            "versions": {"asr": "tiny.en"}, **extra}


def score_record(ctx: dict, score: int = 70) -> dict:
    record = {
        "context": ctx, "scorecard": "support-en@1", "score": score, "outcome": "needs_attention",
        "compliance": "pass", "summary": "Refund explained.", "improvements": ["Close politely"],
        "criteria": [
            {"id": "greeting", "label": "Greeting", "weight": 1.0, "critical": False, "compliance": False,
             "verdict": "met", "points": 1.0, "evidence": [{"quote": "my name is Ann", "segment": 0, "start": 0.5}]},
            {"id": "closing", "label": "Closing", "weight": 1.0, "critical": False, "compliance": False,
             "verdict": "not_met", "points": 0.0, "evidence": []}],
        "talk": {"agent_talk_s": 30.0, "client_talk_s": 25.0, "silence_s": 6.5, "segments": 2},
        "scored_at": millis(NOW)}
    return registry.decode("aica.CallScore", registry.encode("aica.CallScore", record))


def redacted_record(ctx: dict, audio_uri: str) -> dict:
    record = {"context": ctx, "audio_uri": audio_uri, "language": "en", "audio_duration_s": 12.0, "channels": 2,
              "segments": [{"start": 0.5, "end": 3.0, "speaker": "agent", "text": "Hello, my name is Ann.", "words": []},
                           {"start": 3.2, "end": 6.0, "speaker": "client", "text": "My card is <CREDIT_CARD>.", "words": []}],
              "entities": [], "redacted_at": millis(NOW)}
    return registry.decode("aica.RedactedTranscript", registry.encode("aica.RedactedTranscript", record))


class MemoryPortalSettings:
    """Same interface as control.portal_settings.KafkaPortalSettings, kept in a dict."""

    def __init__(self) -> None:
        self.values: dict[str, PortalSettings] = {}

    def get(self, member_id: str) -> PortalSettings:
        return self.values.get(member_id) or PortalSettings(member_id)

    async def put(self, value: PortalSettings) -> None:
        self.values[value.member_id] = value


class MemoryRuns:
    """Same interface as control.rescore_runs.RescoreRuns for the dashboard: `all()`."""

    def __init__(self) -> None:
        self.runs: list[dict] = []

    def all(self) -> list[dict]:
        return list(self.runs)
