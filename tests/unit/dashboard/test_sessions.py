"""Signed sessions: what a forged, expired or missing one gets."""
from __future__ import annotations

import pytest

from dashboard.sessions import SessionError, SessionSigner, session_key

NOW = 1_800_000_000.0


def issue(signer: SessionSigner, **overrides) -> str:
    values = dict(member_id="m1", user_id=2, is_admin=False, entity_type="deal", entity_id=7, lang="ru", now=NOW)
    return signer.issue(**{**values, **overrides})


def test_a_session_round_trips_its_bindings():
    signer = SessionSigner(b"k" * 32, ttl_s=900)
    session = signer.verify(issue(signer), NOW + 899)
    assert (session.member_id, session.user_id, session.is_admin) == ("m1", 2, False)
    assert (session.entity_type, session.entity_id, session.lang) == ("deal", 7, "ru")


def test_an_expired_session_is_refused():
    signer = SessionSigner(b"k" * 32, ttl_s=900)
    with pytest.raises(SessionError) as refused:
        signer.verify(issue(signer), NOW + 900)
    assert refused.value.code == "session_expired"


@pytest.mark.parametrize("forge", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
    lambda token: token.replace(token.split(".")[0], token.split(".")[0][:-3] + "abc"),  # payload changed
    lambda token: "not-a-session",
])
def test_a_tampered_session_is_refused(forge):
    signer = SessionSigner(b"k" * 32, ttl_s=900)
    with pytest.raises(SessionError) as refused:
        signer.verify(forge(issue(signer)), NOW)
    assert refused.value.code == "bad_session"


def test_a_session_signed_with_another_key_is_refused():
    token = issue(SessionSigner(b"other-key" * 4, ttl_s=900))
    with pytest.raises(SessionError):
        SessionSigner(b"k" * 32, ttl_s=900).verify(token, NOW)


def test_no_session_is_refused():
    with pytest.raises(SessionError) as refused:
        SessionSigner(b"k" * 32, ttl_s=900).verify(None, NOW)
    assert refused.value.code == "no_session"


def test_the_key_is_derived_from_the_product_secret(settings_factory):
    a, b = settings_factory(), settings_factory(secret_key="")
    assert session_key(a) == session_key(b)  # same data_dir: the generated secret.key is reused
    other = settings_factory(secret_key="ZmVybmV0LWtleS1mb3ItdGVzdHMtMDEyMzQ1Njc4OTA=")
    assert session_key(other) != session_key(a)
