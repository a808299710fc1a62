"""Pure authenticity checks. Bitrix24 proves itself only with the static per-portal
`application_token` in the form body (docs/bitrix24-api.md §1.6, §8); HMAC signatures exist only on
hops we control (a relay in front of the gateway)."""
from __future__ import annotations

import hashlib
import hmac

from bitrix.portals import ACCEPTING_STATUSES, Portal, PortalDirectory
from bitrix.webhooks import webhook_member_id
from httpapi.errors import Refused

SIGNATURE_PREFIX = "sha256="


def verify_portal(portal: Portal | None, application_token: str, domain: str) -> Portal:
    """The portal that sent a form event, or Refused. The token is checked before the domain so
    an unauthenticated caller learns nothing about which domain a member_id belongs to."""
    portal = known_active_portal(portal)
    # An empty stored token (a frame-only install of an older portal) proves nothing: refuse.
    if not portal.application_token or not hmac.compare_digest(application_token.encode(),
                                                                portal.application_token.encode()):
        raise Refused(401, "bad_application_token", "application_token does not match the installed portal")
    if domain.strip().lower() != portal.domain.strip().lower():
        raise Refused(403, "domain_mismatch", "auth[domain] is not the installed portal's domain")
    return portal


def sending_portal(portals: PortalDirectory, member_id: str, domain: str) -> Portal | None:
    """The portal an event claims to come from: by member_id, else a webhook portal added without
    its member_id (bitrix.webhooks.webhook_member_id), found by the claimed domain. Either way
    verify_portal then checks the application_token and the domain."""
    portal = portals.get(member_id)
    if portal is None:
        candidate = portals.get(webhook_member_id(domain))
        if candidate is not None and candidate.uses_webhook:
            return candidate
    return portal


def known_active_portal(portal: Portal | None) -> Portal:
    """For relay posts, whose signature already proves the sender: the portal must still exist."""
    if portal is None:
        raise Refused(403, "unknown_portal", "no installed portal has this member_id")
    if portal.status not in ACCEPTING_STATUSES:
        raise Refused(403, "portal_inactive", f"portal is {portal.status}")
    return portal


def parse_relay_secrets(raw: str) -> tuple[bytes, ...]:
    """Comma-separated; several at once let a secret be rotated with an overlap window."""
    return tuple(s.strip().encode() for s in raw.split(",") if s.strip())


def sign_relay(secret: bytes, timestamp: str, body: bytes) -> str:
    """The `X-Signature` value a relay sends: HMAC-SHA256 over `timestamp + "." + body`."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_relay_signature(signature: str | None, timestamp: str | None, body: bytes,
                           secrets: tuple[bytes, ...], now: float, max_skew_s: float) -> None:
    """Refused(401) unless the body was signed by one of `secrets` within `max_skew_s` of now.

    Replays inside the window carry the same body, hence the same event_id, so the dedup cache
    answers them as duplicates; outside the window the timestamp check refuses them."""
    if not secrets:
        raise Refused(401, "relay_disabled", "no relay secrets are configured")
    if not signature or not timestamp:
        raise Refused(401, "missing_signature", "X-Signature and X-Timestamp are required")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(401, "bad_timestamp", "X-Timestamp must be integer unix seconds") from None
    if abs(now - sent_at) > max_skew_s:
        raise Refused(401, "stale_timestamp", "X-Timestamp is outside the accepted window")
    presented = signature.strip().lower().encode()
    # Check every secret (no early exit) so timing does not tell which one matched.
    matches = [hmac.compare_digest(presented, sign_relay(s, timestamp, body).encode()) for s in secrets]
    if not any(matches):
        raise Refused(401, "bad_signature", "X-Signature does not match the body")
