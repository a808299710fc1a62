"""Everything one sandbox portal knows, in memory: identity, OAuth tokens, CRM data, faults and
the log of what it was sent. Handlers mutate it; tests read it directly."""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bitrix.portals import Portal

# Portals answer in their own time zone; a non-UTC offset catches naive date handling.
PORTAL_TZ = timezone(timedelta(hours=3))


def iso(ts: float) -> str:
    """Bitrix24 date format: `2020-09-27T13:26:55+03:00`."""
    return datetime.fromtimestamp(ts, PORTAL_TZ).isoformat(timespec="seconds")


@dataclass
class LeakyBucket:
    """The portal's REST limit: +1 per request, drains `per_s`; above `burst` -> rejected."""
    burst: int = 50
    per_s: float = 2.0
    level: float = 0.0
    updated_at: float = 0.0

    def admit(self, now: float) -> bool:
        self.level = max(0.0, self.level - (now - self.updated_at) * self.per_s)
        self.updated_at = now
        if self.level + 1 > self.burst:
            return False
        self.level += 1
        return True


@dataclass
class Faults:
    fail_next: dict[str, int] = field(default_factory=dict)  # method -> number of 500s left
    slow_ms: int = 0
    outage: bool = False  # every REST call answers 500 until switched off
    denied: set[str] = field(default_factory=set)  # methods answering 403 ACCESS_DENIED
    operation_limited: set[str] = field(default_factory=set)  # methods answering 429 (§6.1)

    def take_failure(self, method: str) -> bool:
        left = self.fail_next.get(method, 0)
        if left <= 0:
            return False
        self.fail_next[method] = left - 1
        return True


@dataclass
class StoredFile:
    file_id: int
    activity_id: int
    name: str
    content_type: str
    body: bytes


def _token() -> str:
    return secrets.token_hex(16)


@dataclass
class SandboxState:
    member_id: str = field(default_factory=_token)
    application_token: str = field(default_factory=_token)
    client_id: str = "local.aica"  # matches the Settings defaults, so the product works as is
    client_secret: str = "sandbox-client-secret"
    scope: str = "crm,placement,telephony,user"
    user_id: int = 1
    base_url: str = ""  # http://127.0.0.1:<port>, known once the server listens
    event_handler_url: str = ""
    event_handler_id: int = 185
    access_ttl_s: float = 3600.0
    bucket: LeakyBucket = field(default_factory=LeakyBucket)
    faults: Faults = field(default_factory=Faults)

    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expires_at
    users: dict[int, dict[str, Any]] = field(default_factory=dict)  # sandbox.frames: user 1 is the admin
    token_users: dict[str, int] = field(default_factory=dict)  # user tokens (AUTH_ID); others are user 1's
    refresh_token: str = ""  # rotates: only the latest one is valid
    refresh_count: int = 0

    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    deals: dict[int, dict[str, Any]] = field(default_factory=dict)
    activities: dict[int, dict[str, Any]] = field(default_factory=dict)
    statistics: dict[int, dict[str, Any]] = field(default_factory=dict)  # by activity id
    files: dict[int, StoredFile] = field(default_factory=dict)
    userfields: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {"CRM_CONTACT": {}, "CRM_DEAL": {}})

    # What the app bound (event.bind, placement.bind); Bitrix24 drops them on uninstall.
    event_bindings: list[dict[str, Any]] = field(default_factory=list)
    placements: list[dict[str, Any]] = field(default_factory=list)

    # Webhook mode (sandbox.webhooks): inbound webhooks by code -> {user_id, scopes}; outbound
    # webhooks -> {handler, events, application_token}.
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbound_webhooks: list[dict[str, Any]] = field(default_factory=list)

    # Recordings the home page offers (sandbox.home): id -> {title, path, line, direction}.
    samples: dict[str, dict[str, Any]] = field(default_factory=dict)

    updates: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    _last_id: int = 100

    def __post_init__(self) -> None:
        if not self.refresh_token:
            self.refresh_token = _token()
        if not self.access_tokens:
            self.issue_access_token()

    def __repr__(self) -> str:  # never print tokens
        return f"SandboxState(member_id={self.member_id!r}, base_url={self.base_url!r})"

    # identity ---------------------------------------------------------------------------------
    @property
    def domain(self) -> str:
        return self.base_url.split("://", 1)[-1].rstrip("/")

    @property
    def client_endpoint(self) -> str:
        return f"{self.base_url}/rest/"

    @property
    def server_endpoint(self) -> str:
        return f"{self.base_url}/oauth/rest/"

    def next_id(self) -> int:
        self._last_id += 1
        return self._last_id

    # tokens -----------------------------------------------------------------------------------
    def issue_access_token(self) -> str:
        token = _token()
        self.access_tokens[token] = time.time() + self.access_ttl_s
        return token

    def token_status(self, token: str) -> str:
        """'ok', 'expired' or 'invalid' (unknown token)."""
        expires_at = self.access_tokens.get(token)
        if expires_at is None:
            return "invalid"
        return "ok" if time.time() < expires_at else "expired"

    def current_access_token(self) -> str:
        """The newest token still valid (issuing one if none is)."""
        now = time.time()
        valid = [(exp, tok) for tok, exp in self.access_tokens.items() if exp > now]
        return max(valid)[1] if valid else self.issue_access_token()

    def rotate(self) -> tuple[str, str]:
        """A refresh: new access token, new refresh token; the old refresh token is dead."""
        self.refresh_count += 1
        self.refresh_token = _token()
        return self.issue_access_token(), self.refresh_token

    def revoke_refresh(self) -> None:
        """As if the admin reinstalled the app elsewhere: the stored refresh token is dead."""
        self.refresh_token = _token()

    def expire_tokens(self) -> None:
        self.access_tokens = {tok: 0.0 for tok in self.access_tokens}

    def installation(self) -> Portal:
        """The Portal record the product needs to talk to this sandbox."""
        if not self.base_url:
            raise RuntimeError("sandbox base_url is not set (server not started?)")
        token = self.current_access_token()
        return Portal(member_id=self.member_id, domain=self.domain,
                      client_endpoint=self.client_endpoint, server_endpoint=self.server_endpoint,
                      application_token=self.application_token, access_token=token,
                      refresh_token=self.refresh_token, access_expires_at=self.access_tokens[token])

    def event_auth(self, with_user_token: bool) -> dict[str, str]:
        """`auth[...]` of an event; user tokens only when a user caused it (§1.2)."""
        auth: dict[str, str] = {}
        if with_user_token:
            auth |= {"access_token": self.issue_access_token(),
                     "expires_in": str(int(self.access_ttl_s)), "scope": self.scope}
        auth |= {"domain": self.domain, "server_endpoint": self.server_endpoint, "status": "L",
                 "client_endpoint": self.client_endpoint, "member_id": self.member_id,
                 "application_token": self.application_token}
        return auth
