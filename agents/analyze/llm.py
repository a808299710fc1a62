"""LLM engine: any OpenAI-compatible chat-completions server, structured output per scorecard.

Only a RedactedTranscript may be sent (checked by `ensure_redacted` before a prompt is built).
The reply is checked, not trusted: unknown criteria are ignored and missing ones become "na".
A reply that is not valid JSON (after a few attempts), loops, or quotes text that is not in the
transcript is unusable: `analyze_or_fall_back` then runs the offline engine instead and records
why in the call's versions ("analyzer_fallback"), so evidence is always real redacted text.
"""
from __future__ import annotations

import hashlib
import json
import logging
import textwrap
from collections.abc import Mapping

import openai

from agents.analyze.errors import AnalysisError, TransientAnalysisError
from agents.analyze.reply_checks import (UnusableReply, check_finish, check_quotes_verbatim, check_repetition,
                                         squash)
from agents.analyze.rules import analyze_with_rules
from agents.analyze.rules import versions as rules_versions
from agents.analyze.transcript import Turn, ensure_redacted, talk_metrics, turns
from catalog.scorecards import Scorecard

log = logging.getLogger(__name__)
ENGINE = "llm"
ENGINE_VERSION = "1"
DEFAULT_MAX_TOKENS = 2048  # a full reply for ~10 criteria is ~800 tokens; more means a loop
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


def checked_evidence(items: object, call_turns: list[Turn]) -> list[dict]:
    """Keep quotes found verbatim (whitespace-insensitive) in the transcript; fix wrong segment ids."""
    kept = []
    for item in items if isinstance(items, list) else ():
        quote = squash(str(item.get("quote", ""))) if isinstance(item, dict) else ""
        if not quote:
            continue
        hinted = item.get("segment")
        ordered = sorted(call_turns, key=lambda t: t.index != hinted)  # try the claimed segment first
        turn = next((t for t in ordered if quote in squash(t.text)), None)
        if turn is not None:
            kept.append({"quote": quote, "segment": turn.index, "start": turn.start})
    return kept


def parse_reply(content: str | None, scorecard: Scorecard, call_turns: list[Turn],
                finish_reason: str | None = None) -> dict:
    """Reply JSON -> summary/improvements/criteria. UnusableReply (a ValueError) when it is not the
    object asked for, was cut off, loops, or quotes text that is not in the transcript."""
    check_finish(finish_reason)
    try:
        reply = json.loads(content or "")
    except ValueError as exc:
        raise UnusableReply(f"invalid JSON: {type(exc).__name__}") from exc
    if not isinstance(reply, dict) or not isinstance(reply.get("criteria"), dict):
        raise UnusableReply("invalid JSON: not an object with a criteria object")
    check_repetition(reply, [t.text for t in call_turns])
    check_quotes_verbatim(reply, [t.text for t in call_turns])
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


async def _complete(client: openai.AsyncOpenAI, model: str, messages: list[dict], fmt: dict,
                    max_tokens: int) -> tuple[str | None, str | None]:
    """One chat completion -> (content, finish_reason); the client already retried timeouts and 5xx."""
    try:
        completion = await client.chat.completions.create(model=model, messages=messages, response_format=fmt,
                                                          temperature=0, max_tokens=max_tokens)
    except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as exc:
        raise TransientAnalysisError(f"LLM unavailable: {type(exc).__name__}") from exc
    except openai.APIStatusError as exc:
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            raise TransientAnalysisError(f"LLM server error {exc.status_code}") from exc
        raise AnalysisError(f"LLM rejected the request: HTTP {exc.status_code}") from exc
    if not completion.choices:
        return None, None
    choice = completion.choices[0]
    return choice.message.content, choice.finish_reason


async def analyze_with_llm(transcript: Mapping, scorecard: Scorecard, client: openai.AsyncOpenAI, model: str,
                           invalid_reply_attempts: int = 3, max_tokens: int = DEFAULT_MAX_TOKENS) -> dict:
    """CallAnalysis fields except context/analyzed_at. Invalid JSON is asked again a few times (a
    remote glitch); a loop or an invented quote is not (at temperature 0 it would come back):
    UnusableReply with the last reason."""
    messages = build_messages(transcript, scorecard)
    fmt, call_turns = response_format(scorecard), turns(transcript)
    for attempt in range(1, invalid_reply_attempts + 1):
        content, finish_reason = await _complete(client, model, messages, fmt, max_tokens)
        try:
            parsed = parse_reply(content, scorecard, call_turns, finish_reason)
        except UnusableReply as exc:
            log.warning("unusable LLM reply (attempt %d/%d): %s", attempt, invalid_reply_attempts, exc.reason)
            if not exc.reason.startswith("invalid JSON") or attempt == invalid_reply_attempts:
                raise
            continue
        if parsed.pop("ignored_criteria"):
            log.info("LLM reply named criteria outside scorecard %s; ignored", scorecard.ref)
        return {"engine": ENGINE, **parsed, "talk": talk_metrics(transcript)}
    raise UnusableReply("invalid JSON: no attempt made")


async def analyze_or_fall_back(transcript: Mapping, scorecard: Scorecard, client: openai.AsyncOpenAI, model: str,
                               max_tokens: int = DEFAULT_MAX_TOKENS) -> tuple[dict, dict[str, str]]:
    """(CallAnalysis fields, versions): the LLM's analysis, or the offline engine's when the reply
    is unusable, with versions["analyzer_fallback"] saying which model failed and why.
    Transient errors (timeouts, 5xx) still raise, so the stage retries the call later."""
    try:
        body = await analyze_with_llm(transcript, scorecard, client, model, max_tokens=max_tokens)
        return body, versions(scorecard, model)
    except UnusableReply as exc:
        log.warning("LLM reply unusable (%s); offline engine used instead", exc.reason)
        fallback = f"{ENGINE}-{ENGINE_VERSION}:{model}: {exc.reason}"
        return analyze_with_rules(transcript, scorecard), {**rules_versions(scorecard), "analyzer_fallback": fallback}
