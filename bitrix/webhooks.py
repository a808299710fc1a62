"""Webhook mode (docs/bitrix24-api.md §1.2, §1.6, §8): a portal connected without the app. An
administrator creates, under Developer resources > Webhooks,
- an inbound webhook: `https://<portal>/rest/<user id>/<code>/`. REST calls go to that URL + the
  method, with no `auth` and no token to refresh; they run with that user's rights and the
  scopes ticked on the webhook. Its code is a secret (stored encrypted, never logged);
- an outbound webhook for ONCRMACTIVITYADD/UPDATE to `<public URL>/b24/events`, whose
  `application_token` (shown in its settings) proves each event.

An error through a webhook names what the admin must fix on the webhook's page: `explained` adds
that to the error, so the dead-letter reason and the CRM-write error in the delivery status say it."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from yarl import URL

from bitrix.errors import AccessDenied, BitrixError, TokenExpired

WEBHOOK_PATH = re.compile(r"^/rest/(\d+)/([A-Za-z0-9]+)/$")
# What a webhook-connected portal's user must tick (crm: activities, fields, contacts, deals;
# disk: the recording's download link) and what is used when present (telephony: line, duration).
REQUIRED_SCOPES = ("crm", "disk")
OPTIONAL_SCOPES = ("telephony",)
WHERE = "Bitrix24: Developer resources > Webhooks"
HINTS = {
    "INVALID_CREDENTIALS": f"the inbound webhook URL is wrong or the webhook was deleted ({WHERE}; "
                           "add it again with `aica portal add-webhook`)",
    "NO_AUTH_FOUND": f"the inbound webhook URL is wrong or the webhook was deleted ({WHERE})",
    "INSUFFICIENT_SCOPE": f"the inbound webhook lacks a scope this call needs: tick crm and disk on it ({WHERE})",
    "ACCESS_DENIED": "the webhook's user lacks the permission for this (CRM access rights of that "
                     "user, or an administrator's webhook)",
    "WRONG_AUTH_TYPE": "this method is not available to webhooks (only to the marketplace app)",
}


class WebhookUrlInvalid(ValueError):
    """Not an inbound webhook URL of the given portal."""


@dataclass(frozen=True)
class InboundWebhook:
    url: str  # normalised, with the trailing slash
    origin: str  # https://<portal>
    user_id: int

    def __repr__(self) -> str:  # the code is a secret
        return f"InboundWebhook(origin={self.origin!r}, user_id={self.user_id})"


def parse_inbound_url(url: str, domain: str) -> InboundWebhook:
    """`https://<domain>/rest/<user>/<code>/` (the trailing slash may be missing)."""
    parsed = URL(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.user or parsed.query_string:
        raise WebhookUrlInvalid("expected https://<portal>/rest/<user id>/<code>/")
    path = parsed.path if parsed.path.endswith("/") else parsed.path + "/"
    match = WEBHOOK_PATH.match(path)
    if not match:
        raise WebhookUrlInvalid("the path must be /rest/<user id>/<code>/ (copy the URL from the webhook's page)")
    host = f"{parsed.host}:{parsed.port}" if not parsed.is_default_port() else parsed.host
    if host.lower() != domain.strip().lower():
        raise WebhookUrlInvalid(f"the webhook URL is on {host}, not on {domain}")
    origin = str(parsed.origin())
    return InboundWebhook(f"{origin}{path}", origin, int(match.group(1)))


def webhook_member_id(domain: str) -> str:
    """The key of a webhook portal added without its member_id: stable per domain. Events of an
    outbound webhook name the real member_id; the gateway finds the portal by domain then."""
    return "wh" + hashlib.sha256(domain.strip().lower().encode()).hexdigest()[:30]


def explained(error: BitrixError) -> BitrixError:
    """The same error type and code, its description saying what to fix. An auth failure of a
    webhook is never a token to refresh: it becomes AccessDenied (permanent)."""
    hint = HINTS.get(error.code.upper())
    if hint is None:
        return error
    description = f"{error.description} ({hint})" if error.description else hint
    kind = AccessDenied if isinstance(error, TokenExpired) else type(error)
    return kind(error.code, description, error.status, error.retry_after_s)


def missing_scopes(scopes: list[str]) -> tuple[list[str], list[str]]:
    """(required missing, optional missing) of a webhook's `scope` answer."""
    have = {s.strip().lower() for s in scopes}
    return ([s for s in REQUIRED_SCOPES if s not in have], [s for s in OPTIONAL_SCOPES if s not in have])
