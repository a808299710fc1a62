from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import jsonschema
import pytest

from agents.analyze import AnalysisError, TransientAnalysisError, UnredactedInputError
from agents.analyze.llm import (analyze_or_fall_back, analyze_with_llm, build_messages, make_llm_client,
                                parse_reply, prompt_hash, response_format, versions)
from agents.analyze.reply_checks import UnusableReply
from agents.analyze.transcript import ensure_redacted, turns
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file
from sandbox.llm import LlmServerState, create_llm_app
from schemas import registry

PERSONAL = {"<PERSON>": "Maria Lopez", "<CREDIT_CARD>": "4111 1111 1111 1111", "<PHONE_NUMBER>": "555 0134 2231"}
CALL = [
    (0.0, 5.0, "agent", "Thank you for calling Acme, my name is <PERSON>. This call may be recorded."),
    (5.5, 10.0, "client", "My card <CREDIT_CARD> was charged twice, call me on <PHONE_NUMBER>."),
    (10.5, 16.0, "agent", "I'm sorry to hear that. For security, can you confirm your date of birth?"),
    (16.5, 24.0, "agent", "I have issued a refund, you will receive it within three days. Have a great day!"),
]


def raw_transcript() -> dict:
    """What the transcribe stage emits: personal data in clear text (must never reach the LLM)."""
    segments = [{"start": s, "end": e, "speaker": who, "words": [],
                 "text": re.sub(r"<[A-Z_]+>", lambda m: PERSONAL[m.group(0)], text)} for s, e, who, text in CALL]
    context = {"call_id": "m1.9", "member_id": "m1", "domain": "x.bitrix24.com", "activity_id": 9,
               "project": "support-en", "language": "en", "direction": "incoming"}
    return {"context": context, "audio_uri": "blob://m1/9.wav", "language": "en", "audio_duration_s": 25.0,
            "channels": 2, "segments": segments, "transcribed_at": datetime(2026, 1, 5, tzinfo=timezone.utc)}


def redacted_transcript() -> dict:
    record = raw_transcript()
    record.pop("transcribed_at")
    record["segments"] = [{**seg, "text": text} for seg, (_, _, _, text) in zip(record["segments"], CALL)]
    record["entities"] = [{"segment": i, "start": m.start(), "end": m.end(), "entity_type": m.group(0)[1:-1],
                           "score": 0.9} for i, (*_, text) in enumerate(CALL) for m in re.finditer(r"<[A-Z_]+>", text)]
    record["redacted_at"] = datetime(2026, 1, 5, tzinfo=timezone.utc)
    return record


@pytest.fixture(scope="module")
def scorecard(builtin_catalog):
    return builtin_catalog.scorecard("support-en")


@pytest.fixture
async def llm(aiohttp_server):
    state = LlmServerState()
    server = await aiohttp_server(create_llm_app(state))
    return state, str(server.make_url("/v1"))


def client_for(base_url: str, settings_factory, **overrides):
    return make_llm_client(settings_factory(llm_base_url=base_url, llm_api_key="sandbox", **overrides))


def test_guard_refuses_anything_but_a_redacted_transcript():
    ensure_redacted(redacted_transcript())
    with pytest.raises(UnredactedInputError, match="invalid fields"):
        ensure_redacted(raw_transcript())
    with pytest.raises(UnredactedInputError):
        ensure_redacted("Thank you for calling, Maria Lopez")
    forged = raw_transcript() | {"entities": [], "redacted_at": datetime.now(timezone.utc)}
    forged["entities"] = [{"segment": 1, "start": 8, "end": 27, "entity_type": "CREDIT_CARD", "score": 0.9}]
    with pytest.raises(UnredactedInputError, match="does not point at its placeholder") as error:
        ensure_redacted(forged)
    assert "4111" not in str(error.value)


def test_prompt_holds_the_redacted_transcript_and_the_criteria(scorecard):
    system, user = build_messages(redacted_transcript(), scorecard)
    assert user["content"].splitlines()[1] == "[1] client @5.5s: " + CALL[1][3]
    assert all(f"- {c.id}: {c.prompt_text}" in system["content"] for c in scorecard.criteria)


def test_response_schema_is_strict_and_requires_every_criterion(scorecard):
    fmt = response_format(scorecard)["json_schema"]
    criteria = fmt["schema"]["properties"]["criteria"]
    assert fmt["strict"] and criteria["required"] == [c.id for c in scorecard.criteria]
    jsonschema.Draft202012Validator.check_schema(fmt["schema"])


def test_prompt_hash_changes_with_the_scorecard(scorecard):
    trimmed = scorecard.model_copy(update={"criteria": scorecard.criteria[:-1]})
    assert len(prompt_hash(scorecard)) == 64 and prompt_hash(trimmed) != prompt_hash(scorecard)
    assert versions(scorecard, "m")["prompt"] == prompt_hash(scorecard)


def test_reply_is_checked_not_trusted(scorecard):
    call_turns = turns(redacted_transcript())
    reply = {"summary": "Double charge refunded.", "improvements": ["Say goodbye."], "criteria": {
        "greeting": {"verdict": "met", "rationale": "intro", "evidence": [
            {"quote": "my name is <PERSON>.", "segment": 3}]},  # wrong segment: corrected
        "closing": {"verdict": "perfect", "rationale": "", "evidence": []},  # invalid verdict -> na
        "made_up": {"verdict": "met", "rationale": "", "evidence": []}}}
    parsed = parse_reply(json.dumps(reply), scorecard, call_turns)
    by_id = {c["id"]: c for c in parsed["criteria"]}
    assert list(by_id) == [c.id for c in scorecard.criteria]
    assert by_id["greeting"]["evidence"] == [{"quote": "my name is <PERSON>.", "segment": 0, "start": 0.0}]
    assert by_id["closing"]["verdict"] == by_id["empathy"]["verdict"] == "na"
    assert parsed["ignored_criteria"] == 1
    with pytest.raises(UnusableReply, match="invalid JSON"):
        parse_reply("{not json", scorecard, call_turns)
    with pytest.raises(UnusableReply, match="invalid JSON"):
        parse_reply(json.dumps({"criteria": []}), scorecard, call_turns)


async def test_llm_engine_against_the_local_server(llm, scorecard, settings_factory):
    state, base_url = llm
    transcript = redacted_transcript()
    client = client_for(base_url, settings_factory)
    analysis = await analyze_with_llm(transcript, scorecard, client, "sandbox-model")
    await client.close()
    assert analysis["engine"] == "llm" and [c["id"] for c in analysis["criteria"]] == [c.id for c in scorecard.criteria]
    greeting = next(c for c in analysis["criteria"] if c["id"] == "greeting")
    assert greeting["verdict"] == "met" and greeting["evidence"][0]["quote"] in CALL[0][3]
    sent = json.dumps(state.requests)
    assert len(state.requests) == 1 and state.requests[0]["model"] == "sandbox-model"
    assert "<CREDIT_CARD>" in sent and not any(value in sent for value in PERSONAL.values())
    record = {"context": transcript["context"], **analysis, "analyzed_at": datetime.now(timezone.utc)}
    registry.encode("aica.CallAnalysis", record)


async def test_unredacted_input_never_reaches_the_server(llm, scorecard, settings_factory):
    state, base_url = llm
    client = client_for(base_url, settings_factory)
    with pytest.raises(UnredactedInputError):
        await analyze_with_llm(raw_transcript(), scorecard, client, "m")
    await client.close()
    assert state.requests == []


async def test_server_error_is_retried_then_succeeds(llm, scorecard, settings_factory):
    state, base_url = llm
    state.fail_next = 1
    client = client_for(base_url, settings_factory, llm_max_retries=2)
    analysis = await analyze_with_llm(redacted_transcript(), scorecard, client, "m")
    await client.close()
    assert len(state.requests) == 2 and len(analysis["criteria"]) == len(scorecard.criteria)


async def test_persistent_server_errors_and_timeouts_are_transient(llm, scorecard, settings_factory):
    state, base_url = llm
    state.fail_next = 5
    client = client_for(base_url, settings_factory, llm_max_retries=1)
    with pytest.raises(TransientAnalysisError, match="InternalServerError"):
        await analyze_with_llm(redacted_transcript(), scorecard, client, "m")
    await client.close()
    state.fail_next, state.delay_s = 0, 1.0
    slow = client_for(base_url, settings_factory, llm_max_retries=0, llm_timeout_s=0.2)
    with pytest.raises(TransientAnalysisError, match="Timeout"):
        await analyze_with_llm(redacted_transcript(), scorecard, slow, "m")
    await slow.close()


async def test_invalid_json_is_asked_again_then_falls_back_to_the_offline_engine(llm, scorecard, settings_factory):
    state, base_url = llm
    client = client_for(base_url, settings_factory, llm_max_retries=0)
    state.invalid_json_next = 1
    body, used = await analyze_or_fall_back(redacted_transcript(), scorecard, client, "m")
    assert len(state.requests) == 2 and body["engine"] == "llm" and "analyzer_fallback" not in used
    state.requests.clear()
    state.invalid_json_next = 3
    with pytest.raises(UnusableReply, match="invalid JSON"):
        await analyze_with_llm(redacted_transcript(), scorecard, client, "m", invalid_reply_attempts=3)
    assert len(state.requests) == 3
    state.invalid_json_next = 3
    body, used = await analyze_or_fall_back(redacted_transcript(), scorecard, client, "m")
    await client.close()
    assert body["engine"] == "rules" and used["analyzer"].startswith("rules-")
    assert used["analyzer_fallback"] == "llm-1:m: invalid JSON: JSONDecodeError"
    record = {"context": {**redacted_transcript()["context"], "versions": used}, **body,
              "analyzed_at": datetime.now(timezone.utc)}
    registry.encode("aica.CallAnalysis", record)


async def test_a_rejected_request_is_still_a_permanent_error(llm, scorecard, settings_factory):
    _state, base_url = llm
    client = client_for(base_url + "/nowhere", settings_factory, llm_max_retries=0)
    with pytest.raises(AnalysisError, match="HTTP 404"):
        await analyze_or_fall_back(redacted_transcript(), scorecard, client, "m")
    await client.close()


async def test_the_analyze_stage_records_the_fallback_in_the_call_versions(llm, settings_factory):
    from agents.analyze.agent import Analyzer
    from streams.stage import Consumed

    state, base_url = llm
    state.invalid_json_next = 3
    settings = settings_factory(analyzer="llm", llm_base_url=base_url, llm_api_key="sandbox", llm_model="m",
                                llm_max_retries=0)
    transcript = redacted_transcript()
    transcript["context"] = {**transcript["context"], "versions": {"asr": "tiny.en"}}
    [output] = await Analyzer(settings, load_catalog_file(DEFAULT_PROJECTS_FILE)).handle(
        transcript, Consumed("calls.redacted.v1", b"m1.9", b""))
    versions = output.record["context"]["versions"]
    assert output.record["engine"] == "rules" and versions["asr"] == "tiny.en"
    assert versions["analyzer_fallback"] == "llm-1:m: invalid JSON: JSONDecodeError"
    registry.encode("aica.CallAnalysis", output.record)
