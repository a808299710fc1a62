"""Short-lived signed dashboard sessions, issued once a placement's AUTH_ID is verified with the
portal. Stateless (itsdangerous, HMAC-SHA256): any process holding the secret key can check one,
and it binds portal, user, admin flag, the CRM entity opened and the expiry. It travels as
`Authorization: Bearer` (no cookies in a third-party iframe); audio takes `?session=`."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass
from pathlib import Path

from aiohttp import web
from itsdangerous import BadSignature, URLSafeSerializer

from control.portals import load_secret_box
from httpapi.errors import Refused
from streams.settings import Settings

SALT = "aica.dashboard.session.v1"
ENTITY_TYPES = ("contact", "deal")


class SessionError(Refused):
    """No session, a forged or expired one: always 401."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(401, code, reason)


@dataclass(frozen=True)
class DashboardSession:
    member_id: str
    user_id: int
    is_admin: bool
    entity_type: str  # contact | deal
    entity_id: int
    lang: str
    expires_at: float  # unix seconds


def session_key(settings: Settings) -> bytes:
    """Derived from the product's secret key (AICA_SECRET_KEY or data_dir/secret.key), so the
    Fernet key itself never signs anything and every process derives the same signing key."""
    load_secret_box(settings)  # creates data_dir/secret.key in embedded mode if missing
    root = settings.secret_key.encode() if settings.secret_key else \
        (Path(settings.data_dir) / "secret.key").read_bytes().strip()
    return hmac.new(root, SALT.encode(), hashlib.sha256).digest()


class SessionSigner:
    def __init__(self, key: bytes, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._serializer = URLSafeSerializer(key, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})

    def issue(self, *, member_id: str, user_id: int, is_admin: bool, entity_type: str, entity_id: int,
              lang: str, now: float) -> str:
        session = DashboardSession(member_id, user_id, is_admin, entity_type, entity_id, lang, now + self.ttl_s)
        return self._serializer.dumps(asdict(session))

    def verify(self, token: str | None, now: float) -> DashboardSession:
        if not token:
            raise SessionError("no_session", "a dashboard session is required")
        try:
            data = self._serializer.loads(token)
            session = DashboardSession(**data)
        except (BadSignature, TypeError, ValueError):
            raise SessionError("bad_session", "the session is not valid") from None
        if session.expires_at <= now:
            raise SessionError("session_expired", "the session has expired; reopen the tab")
        return session


def token_from(request: web.Request, allow_query: bool = False) -> str | None:
    """The bearer token; `?session=` only where a header cannot be sent (an <audio> src)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.query.get("session") if allow_query else None
