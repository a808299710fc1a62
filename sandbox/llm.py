"""A local OpenAI-compatible chat-completions server: the stand-in for a remote LLM.

For a json_schema response format it answers with an object valid for that schema, filled by a
keyword heuristic: each property with a "description" gets the transcript line sharing the most
words with it (or none), which drives enum verdicts (met/not_met), quotes and segment numbers.
It records every request body so tests can prove no personal data reached it, and it has
switchable faults: HTTP 500 for the next N requests, slow replies, invalid JSON content.

    python -m sandbox.llm --port 8099     # then AICA_LLM_BASE_URL=http://127.0.0.1:8099/v1
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TRANSCRIPT_LINE = re.compile(r"^\[(\d+)\][^:]*:\s?(.*)$")  # "[3] agent @12.0s: text"
WORD = re.compile(r"\w{4,}")
STEM_CHARS = 4  # "calling" and "caller" share "call": crude, but it is a stand-in


@dataclass
class LlmServerState:
    requests: list[dict] = field(default_factory=list)
    fail_next: int = 0  # answer HTTP 500 to this many requests
    invalid_json_next: int = 0  # answer with non-JSON content this many times
    delay_s: float = 0.0  # sleep before every answer


STATE = web.AppKey("llm_state", LlmServerState)


@dataclass(frozen=True)
class Line:
    index: int
    text: str


def transcript_lines(messages: list[dict]) -> list[Line]:
    """Lines of the user messages; "[n] ...: text" lines keep their segment number n."""
    lines: list[Line] = []
    for message in messages:
        if message.get("role") != "user" or not isinstance(message.get("content"), str):
            continue
        for raw in message["content"].splitlines():
            if m := TRANSCRIPT_LINE.match(raw.strip()):
                lines.append(Line(int(m.group(1)), m.group(2)))
            elif raw.strip():
                lines.append(Line(len(lines), raw.strip()))
    return lines


def _stems(text: str) -> set[str]:
    return {w[:STEM_CHARS].lower() for w in WORD.findall(text)}


def best_line(description: str, lines: list[Line]) -> Line | None:
    wanted = _stems(description)
    scored = [(len(wanted & _stems(line.text)), -line.index, line) for line in lines]
    best = max(scored, default=None, key=lambda s: s[:2])
    return best[2] if best and best[0] > 0 else None


def fill(schema: dict, lines: list[Line], focus: Line | None, name: str = "") -> Any:
    """An instance of `schema` (the JSON Schema subset structured outputs use)."""
    if "enum" in schema:
        options = schema["enum"]
        if "met" in options and "not_met" in options:
            return "met" if focus else "not_met"
        return options[0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return {prop: fill(sub, lines, best_line(sub["description"], lines) if "description" in sub else focus, prop)
                for prop, sub in schema.get("properties", {}).items()}
    if kind == "array":
        items = schema.get("items", {})
        return [fill(items, lines, focus)] if focus and items.get("type") == "object" else []
    if kind == "string":
        return _text_for(name, lines, focus)
    if kind == "integer":
        return focus.index if focus else 0
    if kind == "number":
        return 0.0
    if kind == "boolean":
        return focus is not None
    return None


def _text_for(name: str, lines: list[Line], focus: Line | None) -> str:
    if name == "quote":
        return focus.text if focus else ""
    if name == "summary":
        return " ".join(line.text for line in lines[:2])[:300]
    return f"keywords found in segment {focus.index}" if focus else "no matching keywords"


def reply_content(body: dict) -> str:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        schema = fmt.get("json_schema", {}).get("schema", {})
        return json.dumps(fill(schema, transcript_lines(body.get("messages", [])), None))
    if fmt.get("type") == "json_object":
        return "{}"
    return "OK"


def completion(body: dict, content: str) -> dict:
    prompt_words = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion_words = len(content.split())
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "sandbox"),
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": content, "refusal": None}}],
            "usage": {"prompt_tokens": prompt_words, "completion_tokens": completion_words,
                      "total_tokens": prompt_words + completion_words}}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": "server_error", "code": None}}, status=status)


async def chat_completions(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        body = await request.json()
    except json.JSONDecodeError:
        return _error(400, "body is not JSON")
    state.requests.append(body)
    if state.delay_s:
        await asyncio.sleep(state.delay_s)
    if state.fail_next > 0:
        state.fail_next -= 1
        return _error(500, "sandbox fault: internal error")
    if state.invalid_json_next > 0:
        state.invalid_json_next -= 1
        return web.json_response(completion(body, "{this is not json"))
    return web.json_response(completion(body, reply_content(body)))


async def set_faults(request: web.Request) -> web.Response:
    """POST {"fail_next": 2, "delay_s": 5, "invalid_json_next": 1} to switch faults from outside."""
    state, faults = request.app[STATE], await request.json()
    for key in ("fail_next", "invalid_json_next", "delay_s"):
        if key in faults:
            setattr(state, key, type(getattr(state, key))(faults[key]))
    return web.json_response({"fail_next": state.fail_next, "invalid_json_next": state.invalid_json_next,
                              "delay_s": state.delay_s})


async def recorded_requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].requests)


def create_llm_app(state: LlmServerState | None = None) -> web.Application:
    app = web.Application()
    app[STATE] = state or LlmServerState()
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/chat/completions", chat_completions)
    app.router.add_post("/_sandbox/faults", set_faults)
    app.router.add_get("/_sandbox/requests", recorded_requests)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local OpenAI-compatible LLM stand-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args(argv)
    web.run_app(create_llm_app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
