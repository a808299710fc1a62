"""Property-based fuzzing of the gateway (issue 10): generated bodies, headers and content types
against the real app over HTTP, with the sandbox portal as the OAuth server installs are checked
at. Whatever arrives: no 5xx, no exception escaping a handler, every refusal answered as JSON,
and nothing published (or spooled) for a refused request. 4 tests x FUZZ_EXAMPLES inputs."""
from __future__ import annotations

import copy
import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings, strategies as st

from bitrix import forms
from bitrix.forms import flatten
from bitrix.portals import InMemoryPortals
from gateway.keys import DURABLE_PUBLISHER
from gateway.verify import sign_relay
from schemas import registry

# AICA_FUZZ_EXAMPLES raises it for a longer run.
FUZZ_EXAMPLES = int(os.environ.get("AICA_FUZZ_EXAMPLES", "2500"))
# Known bug, fixed on branch h-sec (bitrix/forms.py MAX_DEPTH): a form nested ~1,000 deep raised
# RecursionError -> 500. Generated keys stay within this depth; test_deep_nesting_is_refused holds
# the deep case (an expected failure until that fix is merged).
MAX_GENERATED_DEPTH = 32
FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
EVENTS = ("ONCRMACTIVITYADD", "onCrmActivityUpdate", "ONAPPINSTALL", "ONAPPUPDATE", "ONAPPUNINSTALL",
          "ONCRMDEALADD", "", " ONCRMACTIVITYADD ")
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

texts = st.text(max_size=40)
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
content_types = st.one_of(
    st.sampled_from([FORM, JSON_TYPE, "text/plain", "multipart/form-data; boundary=x", "",
                     f"{FORM}; charset=utf-8", f"{FORM}; charset=latin-1", FORM.upper(),
                     f"{JSON_TYPE}; charset=utf-16", "*/*"]),
    header_text)
key_segment = st.one_of(st.sampled_from(["", "auth", "data", "FIELDS", "ID", "member_id", "event", "0",
                                         "]", "[", "][", "application_token", "domain"]), st.text(max_size=8))


def mostly(good: Any, other: st.SearchStrategy, odds: int = 4) -> st.SearchStrategy:
    """`good` odds-1 times in odds, else `other`: most inputs get past one check to the next."""
    return st.integers(1, odds).flatmap(lambda n: other if n == odds else st.just(good))


def right_or_any(content_type: str) -> st.SearchStrategy[str]:
    return mostly(content_type, content_types, odds=8)


scalars = st.one_of(texts, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
                    st.lists(texts, max_size=2), st.dictionaries(texts, texts, max_size=2))


@dataclass
class Gateway:
    client: Any
    publisher: Any
    oauth_endpoint: str  # the sandbox's, on the allowlist
    escaped: list[logging.LogRecord]


class ErrorRecords(logging.Handler):
    """aiohttp logs an exception that escaped a handler ("Error handling request") at ERROR."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
async def gateway(make_client, settings_factory, sandbox_portal, portal, publisher):
    oauth_endpoint = f"{sandbox_portal.base_url}/oauth/rest/"
    settings = settings_factory(oauth_server_endpoints=[oauth_endpoint], rest_timeout_s=5.0)
    client = await make_client(settings, InMemoryPortals(portal))
    errors = ErrorRecords()
    loggers = [logging.getLogger(name) for name in ("aiohttp", "gateway", "httpapi", "bitrix")]
    for logger in loggers:
        logger.addHandler(errors)
    yield Gateway(client, publisher, oauth_endpoint, errors.records)
    for logger in loggers:
        logger.removeHandler(errors)


async def post_and_check(gw: Gateway, path: str, body: bytes, headers: dict[str, str]) -> int:
    before = len(gw.publisher.sent)
    response = await gw.client.post(path, data=body, headers=headers)
    payload = await response.read()
    assert response.status < 500, (response.status, payload[:300])
    assert not gw.escaped, gw.escaped[0].getMessage()
    assert gw.client.server.app[DURABLE_PUBLISHER].spool.backlog_bytes() == 0
    published = gw.publisher.sent[before:]
    if response.status >= 400:
        if response.content_type == "text/html":  # the install page a portal frame gets (gateway.install_page)
            assert b'data-error="' in payload, payload[:300]
        else:
            assert "error" in json.loads(payload)
        assert not published, f"published for a refused request ({response.status})"
    for _, key, value in published:  # at most one, and only the installed portal's
        record = registry.decode("aica.CrmWebhookEvent", value)
        assert key == record["member_id"].encode() and record["domain"] == "some-domain.bitrix24.com"
    assert len(published) <= 1
    if currently_in_test_context():  # the outcome mix, for --hypothesis-show-statistics
        body = {} if response.content_type == "text/html" else json.loads(payload)
        event(f"{response.status} {body.get('error') or body.get('status') or response.content_type}")
    return response.status


@st.composite
def bracket_keys(draw) -> str:
    head = draw(st.one_of(st.sampled_from(["event", "auth", "data", "ts", "AUTH_ID", "member_id"]), texts))
    parts = draw(st.lists(key_segment, max_size=MAX_GENERATED_DEPTH))
    return head + "".join(f"[{p}]" for p in parts) + draw(st.sampled_from(["", "", "[", "]", "[]"]))


def mutated(pairs: list[tuple[str, str]], data) -> list[tuple[str, str]]:
    """A few fields dropped or given other values, odd keys added, the order shuffled."""
    dropped = data.draw(st.sets(st.integers(0, len(pairs) - 1), max_size=2), "drop")
    pairs = [p for i, p in enumerate(pairs) if i not in dropped]
    for i in data.draw(st.lists(st.integers(0, len(pairs) - 1), max_size=3), "replace"):
        pairs[i] = (pairs[i][0], data.draw(texts, "value"))
    pairs += data.draw(mostly([], st.lists(st.tuples(bracket_keys(), texts), max_size=3), odds=2), "extra")
    return data.draw(st.permutations(pairs), "order") if data.draw(st.booleans(), "shuffle?") else pairs


def form_bytes(pairs: list[tuple[str, str]], data) -> bytes:
    body = urlencode(pairs).encode()
    if data.draw(st.integers(0, 5), "tail?") == 0:  # undecodable or stray bytes, quoted or raw
        tail = data.draw(st.binary(max_size=30), "tail")
        body += b"&" + (quote_from_bytes(tail).encode() if data.draw(st.booleans(), "quoted") else tail)
    return body


@given(data=st.data())
@FUZZ
async def test_fuzzed_event_forms(gateway, documented_event, data):
    """The documented event, mutated: activity events, lifecycle events and install callbacks."""
    event = copy.deepcopy(documented_event)  # the fixture is shared by every example
    event["event"] = data.draw(st.sampled_from(EVENTS), "event")
    event["data"]["FIELDS"]["ID"] = str(data.draw(st.integers(1, 10**6), "entity"))
    event["ts"] = data.draw(mostly(event["ts"], st.sampled_from(["0", "-1", "1e3", "+5", "١"]) | texts), "ts")
    if data.draw(st.booleans(), "ask the sandbox"):
        event["auth"]["server_endpoint"] = gateway.oauth_endpoint
    if data.draw(st.booleans(), "uninstall data"):
        event["data"]["CLEAN"] = data.draw(st.sampled_from(["0", "1", "Y", ""]) | texts, "clean")
    path = data.draw(st.sampled_from(["/b24/events", "/b24/events", "/b24/install"]), "path")
    content_type = data.draw(right_or_any(FORM), "type")
    await post_and_check(gateway, path, form_bytes(mutated(flatten(event), data), data),
                         {"Content-Type": content_type})


@given(data=st.data())
@FUZZ
async def test_fuzzed_install_frames(gateway, documented_event, data):
    """The install frame form (AUTH_ID, REFRESH_ID, member_id, SERVER_ENDPOINT, DOMAIN query)."""
    auth = documented_event["auth"]
    frame = {"AUTH_ID": auth["access_token"], "REFRESH_ID": auth["refresh_token"], "AUTH_EXPIRES": "3600",
             "member_id": auth["member_id"], "APPLICATION_TOKEN": auth["application_token"],
             "SERVER_ENDPOINT": data.draw(st.sampled_from([gateway.oauth_endpoint, auth["server_endpoint"]])
                                          | texts, "endpoint"),
             "AUTH_EXPIRES_IN": data.draw(st.sampled_from(["3600", "0", "-5", "99999999"]) | texts, "expires")}
    query = data.draw(st.sampled_from([f"?DOMAIN={auth['domain']}", "", "?DOMAIN=", "?DOMAIN=%ff&x[]=1"])
                      | texts.map(lambda t: "?DOMAIN=" + urlencode({"d": t})[2:]), "query")
    await post_and_check(gateway, "/b24/install" + query, form_bytes(mutated(flatten(frame), data), data),
                         {"Content-Type": data.draw(right_or_any(FORM), "type")})


@given(data=st.data())
@FUZZ
async def test_fuzzed_relay_envelopes(gateway, relay_secret, documented_event, data):
    """Relay JSON: fields of any JSON type, signed with the right secret, a wrong one, or not at all."""
    envelope = {"source": "bitrix24", "member_id": documented_event["auth"]["member_id"],
                "event": data.draw(mostly("ONCRMACTIVITYADD", st.sampled_from(EVENTS)), "event"),
                "entity_id": data.draw(st.integers(1, 10**6), "entity"), "ts": int(time.time())}
    for name in data.draw(mostly([], st.lists(st.sampled_from(sorted(envelope)), max_size=3)), "fields"):
        envelope[name] = data.draw(scalars, name)
    body = json.dumps(envelope).encode() if data.draw(st.integers(0, 5), "json?") else data.draw(st.binary())
    timestamp = data.draw(mostly(str(int(time.time())), st.sampled_from(["0", "abc", ""]) | header_text),
                          "ts header")
    secret = data.draw(st.sampled_from([relay_secret.encode(), relay_secret.encode(), b"wrong"]), "secret")
    headers = {"Content-Type": data.draw(right_or_any(JSON_TYPE), "type"), "X-Timestamp": timestamp,
               "X-Signature": data.draw(mostly(sign_relay(secret, timestamp, body), header_text), "sig")}
    await post_and_check(gateway, "/relay/events", body, headers)


@given(data=st.data())
@FUZZ
async def test_arbitrary_bytes_keys_and_headers(gateway, data):
    """Anything at all on every route: raw bytes or random bracketed forms, any content type and
    extra headers."""
    path = data.draw(st.sampled_from(["/b24/events", "/b24/install", "/relay/events"]), "path")
    if data.draw(st.booleans(), "form?"):
        body = form_bytes(data.draw(st.lists(st.tuples(bracket_keys(), texts), max_size=8), "pairs"), data)
    else:
        body = data.draw(st.binary(max_size=600), "bytes")
    headers = {"Content-Type": data.draw(right_or_any(JSON_TYPE if path == "/relay/events" else FORM), "type")}
    headers |= data.draw(st.dictionaries(st.sampled_from(["X-Signature", "X-Timestamp", "X-Forwarded-For",
                                                          "Accept", "Content-Encoding", "X-Whatever"]),
                                         header_text, max_size=3), "headers")
    await post_and_check(gateway, path, body, headers)


@pytest.mark.xfail(not hasattr(forms, "MAX_DEPTH"), strict=True,
                   reason="RecursionError -> 500 until h-sec's depth cap in bitrix/forms.py is merged")
async def test_deep_nesting_is_refused(gateway):
    """Deeper than MAX_GENERATED_DEPTH: must be a 400, not a RecursionError -> 500."""
    body = b"event" + b"[]" * 1500 + b"=x"  # brackets unescaped: under the 4 KiB body cap
    assert await post_and_check(gateway, "/b24/events", body, {"Content-Type": FORM}) == 400

