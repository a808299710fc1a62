from __future__ import annotations

import json

import jsonschema
import openai
import pytest

from sandbox.llm import Line, LlmServerState, best_line, create_llm_app, fill, transcript_lines

TRANSCRIPT = ("[0] agent @0.0s: Thank you for calling Acme, my name is <PERSON>.\n"
              "[1] client @3.0s: My parcel never arrived.\n"
              "[4] agent @9.0s: I have issued a refund for the parcel.")
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["summary", "criteria", "tags"],
    "properties": {
        "summary": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "criteria": {"type": "object", "additionalProperties": False, "required": ["greeting", "refund", "legal"],
                     "properties": {name: {"description": text, "type": "object", "additionalProperties": False,
                                           "required": ["verdict", "evidence", "score", "ok", "note"],
                                           "properties": {
                                               "verdict": {"type": "string", "enum": ["met", "not_met", "na"]},
                                               "score": {"type": "number"}, "ok": {"type": "boolean"},
                                               "note": {"type": ["string", "null"]},
                                               "evidence": {"type": "array", "items": {
                                                   "type": "object", "additionalProperties": False,
                                                   "required": ["quote", "segment"],
                                                   "properties": {"quote": {"type": "string"},
                                                                  "segment": {"type": "integer"}}}}}}
                                    for name, text in [("greeting", "Agent greets caller, says name and company"),
                                                       ("refund", "Refund issued for the parcel"),
                                                       ("legal", "Mentions arbitration jurisdiction")]}}}}


def chat_body(fmt: dict | None = None) -> dict:
    body = {"model": "sandbox", "messages": [{"role": "system", "content": "Judge the call."},
                                             {"role": "user", "content": TRANSCRIPT}]}
    if fmt:
        body["response_format"] = fmt
    return body


def json_schema_format(schema: dict = SCHEMA) -> dict:
    return {"type": "json_schema", "json_schema": {"name": "t", "strict": True, "schema": schema}}


def test_transcript_lines_keep_segment_numbers():
    lines = transcript_lines(chat_body()["messages"])
    assert [line.index for line in lines] == [0, 1, 4]
    assert lines[2].text == "I have issued a refund for the parcel."


def test_best_line_picks_most_shared_words_or_none():
    lines = [Line(0, "Thank you for calling Acme"), Line(5, "I have issued a refund for the parcel")]
    assert best_line("Refund issued for the parcel", lines).index == 5
    assert best_line("Mentions arbitration jurisdiction", lines) is None


def test_fill_produces_a_schema_valid_object_driven_by_keywords():
    value = fill(SCHEMA, transcript_lines(chat_body()["messages"]), None)
    jsonschema.validate(value, SCHEMA)
    criteria = value["criteria"]
    assert criteria["refund"]["verdict"] == "met"
    assert criteria["refund"]["evidence"] == [{"quote": "I have issued a refund for the parcel.", "segment": 4}]
    assert criteria["legal"]["verdict"] == "not_met" and criteria["legal"]["evidence"] == []


async def test_chat_completion_has_the_openai_shape_and_is_recorded(aiohttp_client):
    state = LlmServerState()
    client = await aiohttp_client(create_llm_app(state))
    for path in ("/v1/chat/completions", "/chat/completions"):
        response = await client.post(path, json=chat_body(json_schema_format()))
        assert response.status == 200
        reply = await response.json()
        assert reply["object"] == "chat.completion" and reply["choices"][0]["finish_reason"] == "stop"
        jsonschema.validate(json.loads(reply["choices"][0]["message"]["content"]), SCHEMA)
    assert len(state.requests) == 2 and state.requests[0]["messages"][1]["content"] == TRANSCRIPT
    plain = await (await client.post("/v1/chat/completions", json=chat_body())).json()
    assert plain["choices"][0]["message"]["content"] == "OK"


async def test_faults_switch_on_and_wear_off(aiohttp_client):
    state = LlmServerState()
    client = await aiohttp_client(create_llm_app(state))
    switched = await client.post("/_sandbox/faults", json={"fail_next": 2, "invalid_json_next": 1})
    assert (await switched.json())["fail_next"] == 2
    responses = [await client.post("/v1/chat/completions", json=chat_body(json_schema_format())) for _ in range(3)]
    assert [r.status for r in responses] == [500, 500, 200]
    bad = responses[2]  # the 500s come first, then the invalid content
    with pytest.raises(json.JSONDecodeError):
        json.loads((await bad.json())["choices"][0]["message"]["content"])
    good = await client.post("/v1/chat/completions", json=chat_body(json_schema_format()))
    jsonschema.validate(json.loads((await good.json())["choices"][0]["message"]["content"]), SCHEMA)
    recorded = await (await client.get("/_sandbox/requests")).json()
    assert len(recorded) == 4


async def test_real_openai_client_parses_structured_output(aiohttp_server):
    server = await aiohttp_server(create_llm_app(LlmServerState()))
    client = openai.AsyncOpenAI(base_url=str(server.make_url("/v1")), api_key="test", max_retries=0)
    completion = await client.chat.completions.create(model="sandbox", messages=chat_body()["messages"],
                                                      response_format=json_schema_format())
    await client.close()
    value = json.loads(completion.choices[0].message.content)
    jsonschema.validate(value, SCHEMA)
    assert value["criteria"]["greeting"]["verdict"] == "met"
