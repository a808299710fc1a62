"""Bitrix24 REST and OAuth errors as types: one per reaction a caller needs (refresh the token,
back off, give up, retry later). `classify` maps an HTTP status plus `{error, error_description}`
(or a non-JSON page) to one of them (docs/bitrix24-api.md §2.4, §6)."""
from __future__ import annotations

from typing import Any

from streams.stage import UpstreamUnavailable


class BitrixError(Exception):
    def __init__(self, code: str, description: str = "", status: int = 0,
                 retry_after_s: float | None = None) -> None:
        super().__init__(f"{code or 'error'} ({status}): {description}")
        self.code, self.description, self.status = code, description, status
        self.retry_after_s = retry_after_s

    @property
    def transient(self) -> bool:
        return isinstance(self, (RateLimited, PortalUnavailable))


class TokenExpired(BitrixError):
    """401 expired_token / invalid_token / NO_AUTH_FOUND: refresh once, retry once."""


class ReauthRequired(BitrixError):
    """The refresh token was refused (invalid_grant): an admin must reinstall or re-authorise.
    Stages park the message (streams.stage) instead of retrying or dead-lettering it."""

    park = True


class RateLimited(BitrixError, UpstreamUnavailable):
    """503 QUERY_LIMIT_EXCEEDED (back off) or 429 OPERATION_TIME_LIMIT (retry_after_s: park)."""


class AccessDenied(BitrixError):
    """403 family, or a 401 a refresh cannot fix (payment, not installed)."""


class NotFound(BitrixError):
    """The entity does not exist ("Not found", ERROR_NOT_FOUND)."""


class PortalUnavailable(BitrixError, UpstreamUnavailable):
    """5xx, connection error, timeout, or HTML where JSON was expected."""


class ForeignUrl(BitrixError):
    """A download URL not on the portal's own host: refused before any request."""


class TooLarge(BitrixError):
    """A download over max_bytes: aborted, nothing kept."""


TOKEN_CODES = {"EXPIRED_TOKEN", "INVALID_TOKEN", "NO_AUTH_FOUND"}
# 401s a refresh cannot fix.
NOT_TOKEN_401 = {"PAYMENT_REQUIRED", "NOT_INSTALLED", "APPLICATION_NOT_FOUND", "METHOD_CONFIRM_WAITING"}
ACCESS_CODES = {"ACCESS_DENIED", "INVALID_CREDENTIALS", "INSUFFICIENT_SCOPE", "USER_ACCESS_ERROR",
                "WRONG_AUTH_TYPE", "ALLOWED_ONLY_INTRANET_USER"} | NOT_TOKEN_401
OPERATION_LIMIT_WAIT_S = 60.0  # the method is parked for minutes: not worth waiting in-call


def classify(status: int, payload: Any, retry_after: str | None = None) -> BitrixError:
    """One error type per reaction the caller needs (refresh, back off, give up, retry later)."""
    body = payload if isinstance(payload, dict) else {}
    code, description = str(body.get("error") or ""), str(body.get("error_description") or "")
    upper = code.upper()
    if upper in TOKEN_CODES or (status == 401 and upper not in NOT_TOKEN_401):
        return TokenExpired(code, description, status)
    if upper == "QUERY_LIMIT_EXCEEDED":
        return RateLimited(code, description, status)
    if upper == "OPERATION_TIME_LIMIT" or status == 429:
        wait = float(retry_after) if retry_after and retry_after.isdigit() else OPERATION_LIMIT_WAIT_S
        return RateLimited(code, description, status, retry_after_s=wait)
    if status == 403 or upper in ACCESS_CODES:
        return AccessDenied(code, description, status)
    if upper in ("ERROR_NOT_FOUND", "NOT_FOUND") or description.lower() == "not found":
        return NotFound(code, description, status)
    if not isinstance(payload, dict):  # an HTML error page from a proxy or the portal
        return PortalUnavailable("NON_JSON_RESPONSE", "", status)
    if status >= 500 and upper != "PORTAL_DELETED":
        return PortalUnavailable(code, description, status)
    return BitrixError(code, description, status)
