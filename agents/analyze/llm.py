"""LLM engine: any OpenAI-compatible chat-completions server, structured output per scorecard.

Only a RedactedTranscript may be sent (checked by `ensure_redacted` before a prompt is built).
The reply is checked, not trusted: unknown criteria are ignored, missing ones become "na", and
quotes that are not in the transcript are dropped, so evidence is always real redacted text.
"""
from __future__ import annotations

import hashlib
import json
import logging
import textwrap
from collections.abc import Mapping

import openai

from agents.analyze.errors import AnalysisError, TransientAnalysisError
from agents.analyze.transcript import Turn, ensure_redacted, talk_metrics, turns
from catalog.projects import Scorecard

log = logging.getLogger(__name__)
ENGINE = "llm"
ENGINE_VERSION = "1"
MAX_SUMMARY_CHARS = 300
MAX_IMPROVEMENTS = 10
VERDICTS = ("met", "not_met", "na")
SYSTEM_PROMPT = """You are a call-centre quality analyst. Judge the call transcript against each
criterion below. Personal data in the transcript is replaced by placeholders like <PERSON>.
Transcript lines look like "[segment] speaker @start: text".
For every criterion give a verdict (met, not_met, or na when it does not apply to this call),
a one-sentence rationale, and evidence: exact quotes copied from the transcript with their
segment number. Also give a summary (reason for the call and its outcome, at most 300
characters) and one improvement line per unmet criterion.

Criteria:
{criteria}"""


def response_format(scorecard: Scorecard) -> dict:
    """Strict json_schema: one required property per criterion id, so none can be skipped."""
    evidence = {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["quote", "segment"],
        "properties": {"quote": {"type": "string"}, "segment": {"type": "integer"}}}}
    verdict = {"type": "object", "additionalProperties": False, "required": ["verdict", "rationale", "evidence"],
               "properties": {"verdict": {"type": "string", "enum": list(VERDICTS)},
                              "rationale": {"type": "string"}, "evidence": evidence}}
    criteria = {"type": "object", "additionalProperties": False, "required": [c.id for c in scorecard.criteria],
                "properties": {c.id: {**verdict, "description": c.prompt_text} for c in scorecard.criteria}}
    schema = {"type": "object", "additionalProperties": False, "required": ["summary", "improvements", "criteria"],
              "properties": {"summary": {"type": "string"},
                             "improvements": {"type": "array", "items": {"type": "string"}},
                             "criteria": criteria}}
    return {"type": "json_schema", "json_schema": {"name": "call_analysis", "strict": True, "schema": schema}}


def prompt_hash(scorecard: Scorecard) -> str:
    material = SYSTEM_PROMPT + json.dumps(response_format(scorecard), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(material.encode()).hexdigest()


def versions(scorecard: Scorecard, model: str) -> dict[str, str]:
    return {"analyzer": f"{ENGINE}-{ENGINE_VERSION}:{model}", "prompt": prompt_hash(scorecard),
            "scorecard": scorecard.ref}


def format_transcript(call_turns: list[Turn]) -> str:
    return "\n".join(f"[{t.index}] {t.speaker} @{t.start:.1f}s: {t.text}" for t in call_turns)


def build_messages(transcript: Mapping, scorecard: Scorecard) -> list[dict]:
    ensure_redacted(transcript)
    criteria = "\n".join(f"- {c.id}: {c.prompt_text}" for c in scorecard.criteria)
    return [{"role": "system", "content": SYSTEM_PROMPT.format(criteria=criteria)},
            {"role": "user", "content": format_transcript(turns(transcript))}]


def _squash(text: str) -> str:
    return " ".join(text.split())


def checked_evidence(items: object, call_turns: list[Turn]) -> list[dict]:
    """Keep quotes found verbatim (whitespace-insensitive) in the transcript; fix wrong segment ids."""
    kept = []
    for item in items if isinstance(items, list) else ():
        quote = _squash(str(item.get("quote", ""))) if isinstance(item, dict) else ""
        if not quote:
            continue
        hinted = item.get("segment")
        ordered = sorted(call_turns, key=lambda t: t.index != hinted)  # try the claimed segment first
        turn = next((t for t in ordered if quote in _squash(t.text)), None)
        if turn is not None:
            kept.append({"quote": quote, "segment": turn.index, "start": turn.start})
    return kept


def parse_reply(content: str | None, scorecard: Scorecard, call_turns: list[Turn]) -> dict:
    """Reply JSON -> summary/improvements/criteria. ValueError when it is not the object asked for."""
    reply = json.loads(content or "")
    if not isinstance(reply, dict) or not isinstance(reply.get("criteria"), dict):
        raise ValueError("reply is not an object with a criteria object")
    given = reply["criteria"]
    criteria = []
    for c in scorecard.criteria:
        entry = given.get(c.id)
        if not isinstance(entry, dict) or entry.get("verdict") not in VERDICTS:
            criteria.append({"id": c.id, "verdict": "na", "rationale": "no valid verdict from the model", "evidence": []})
            continue
        criteria.append({"id": c.id, "verdict": entry["verdict"], "rationale": str(entry.get("rationale", "")),
                         "evidence": checked_evidence(entry.get("evidence"), call_turns)})
    raw_improvements = reply.get("improvements")
    improvements = [str(i).strip() for i in raw_improvements if str(i).strip()] if isinstance(raw_improvements, list) else []
    return {"summary": textwrap.shorten(str(reply.get("summary", "")), MAX_SUMMARY_CHARS, placeholder="…"),
            "improvements": improvements[:MAX_IMPROVEMENTS], "criteria": criteria,
            "ignored_criteria": len(set(given) - {c.id for c in scorecard.criteria})}


def make_llm_client(settings) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=settings.llm_base_url or None, api_key=settings.llm_api_key,
                              timeout=settings.llm_timeout_s, max_retries=settings.llm_max_retries)


async def _complete(client: openai.AsyncOpenAI, model: str, messages: list[dict], fmt: dict) -> str | None:
    """One chat completion; the client already retried timeouts and 5xx with backoff."""
    try:
        completion = await client.chat.completions.create(model=model, messages=messages, response_format=fmt,
                                                          temperature=0)
    except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as exc:
        raise TransientAnalysisError(f"LLM unavailable: {type(exc).__name__}") from exc
    except openai.APIStatusError as exc:
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            raise TransientAnalysisError(f"LLM server error {exc.status_code}") from exc
        raise AnalysisError(f"LLM rejected the request: HTTP {exc.status_code}") from exc
    if not completion.choices:
        return None
    return completion.choices[0].message.content


async def analyze_with_llm(transcript: Mapping, scorecard: Scorecard, client: openai.AsyncOpenAI, model: str,
                           invalid_reply_attempts: int = 3) -> dict:
    """CallAnalysis fields except context/analyzed_at. Invalid replies are asked again a few times."""
    messages = build_messages(transcript, scorecard)
    fmt, call_turns = response_format(scorecard), turns(transcript)
    problem = "no attempt made"
    for attempt in range(1, invalid_reply_attempts + 1):
        content = await _complete(client, model, messages, fmt)
        try:
            parsed = parse_reply(content, scorecard, call_turns)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            problem = type(exc).__name__
            log.warning("invalid LLM reply (attempt %d/%d): %s", attempt, invalid_reply_attempts, problem)
            continue
        if parsed.pop("ignored_criteria"):
            log.info("LLM reply named criteria outside scorecard %s; ignored", scorecard.ref)
        return {"engine": ENGINE, **parsed, "talk": talk_metrics(transcript)}
    raise AnalysisError(f"LLM reply invalid after {invalid_reply_attempts} attempts ({problem})")
