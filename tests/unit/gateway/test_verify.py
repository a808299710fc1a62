"""Pure authenticity checks, called directly."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import pytest

from httpapi.errors import Refused
from gateway.verify import (known_active_portal, parse_relay_secrets, sign_relay, verify_portal,
                            verify_relay_signature)

BODY = b'{"source":"bitrix24","member_id":"m","event":"ONCRMACTIVITYADD","entity_id":"1","ts":1}'
NOW = 1_766_047_124


def refusal(call) -> tuple[int, str]:
    with pytest.raises(Refused) as caught:
        call()
    return caught.value.status, caught.value.code


@pytest.mark.parametrize("status", ["active", "reauth_required"])
def test_matching_token_and_domain_pass(portal, status):
    sender = replace(portal, status=status)  # a failed OAuth refresh does not make events less authentic
    assert verify_portal(sender, portal.application_token, portal.domain.upper()) is sender


@pytest.mark.parametrize("change, token, domain, expected", [
    (lambda p: None, None, None, (403, "unknown_portal")),
    (lambda p: replace(p, status="uninstalled"), None, None, (403, "portal_inactive")),
    (lambda p: p, "x" * 32, None, (401, "bad_application_token")),
    (lambda p: p, "", None, (401, "bad_application_token")),
    (lambda p: p, None, "other.bitrix24.com", (403, "domain_mismatch")),
])
def test_portal_refusals(portal, change, token, domain, expected):
    checked = change(portal)
    assert refusal(lambda: verify_portal(checked, token if token is not None else portal.application_token,
                                         domain or portal.domain)) == expected


def test_a_portal_without_a_stored_token_accepts_no_event(portal):
    tokenless = replace(portal, application_token="")  # e.g. installed through a frame post only
    assert refusal(lambda: verify_portal(tokenless, "", portal.domain)) == (401, "bad_application_token")


def test_relay_portal_must_exist_and_be_active(portal):
    assert known_active_portal(portal) is portal
    assert refusal(lambda: known_active_portal(None)) == (403, "unknown_portal")
    assert refusal(lambda: known_active_portal(replace(portal, status="uninstalled"))) == (403, "portal_inactive")


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(b"s3cret", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign_relay(b"s3cret", str(NOW), BODY) == "sha256=" + expected


def test_secrets_are_split_on_commas_without_blanks():
    assert parse_relay_secrets(" new , old ,,") == (b"new", b"old")
    assert parse_relay_secrets("") == ()


@pytest.mark.parametrize("signed_by", [b"new", b"old"])
def test_any_configured_secret_verifies(signed_by):
    verify_relay_signature(sign_relay(signed_by, str(NOW), BODY), str(NOW), BODY, (b"new", b"old"), NOW, 300)


@pytest.mark.parametrize("signature, timestamp, body, now, code", [
    (sign_relay(b"other", str(NOW), BODY), str(NOW), BODY, NOW, "bad_signature"),
    (sign_relay(b"new", str(NOW), BODY), str(NOW), BODY + b" ", NOW, "bad_signature"),
    (sign_relay(b"new", str(NOW), BODY), str(NOW + 1), BODY, NOW, "bad_signature"),  # timestamp is signed
    (sign_relay(b"new", str(NOW), BODY)[len("sha256="):], str(NOW), BODY, NOW, "bad_signature"),
    (None, str(NOW), BODY, NOW, "missing_signature"),
    (sign_relay(b"new", str(NOW), BODY), None, BODY, NOW, "missing_signature"),
    (sign_relay(b"new", "soon", BODY), "soon", BODY, NOW, "bad_timestamp"),
    (sign_relay(b"new", str(NOW), BODY), str(NOW), BODY, NOW + 301, "stale_timestamp"),
    (sign_relay(b"new", str(NOW), BODY), str(NOW), BODY, NOW - 301, "stale_timestamp"),
])
def test_relay_refusals_are_401(signature, timestamp, body, now, code):
    assert refusal(lambda: verify_relay_signature(signature, timestamp, body, (b"new",), now, 300)) == (401, code)


def test_the_edge_of_the_window_is_still_accepted():
    verify_relay_signature(sign_relay(b"new", str(NOW), BODY), str(NOW), BODY, (b"new",), NOW + 300, 300)


def test_no_configured_secret_refuses_everything():
    assert refusal(lambda: verify_relay_signature(sign_relay(b"", str(NOW), BODY), str(NOW), BODY, (), NOW, 300)) \
        == (401, "relay_disabled")
