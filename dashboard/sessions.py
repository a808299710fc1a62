"""Short-lived signed dashboard sessions, issued once a placement's AUTH_ID is verified with the
portal. Stateless (itsdangerous, HMAC-SHA256): any process holding the secret key can check one,
and it binds portal, user, admin flag, the CRM entity opened and the expiry. It travels as
`Authorization: Bearer` (no cookies in a third-party iframe); an audio URL carries its own
short-lived token for one call's recording instead (`AudioSigner`)."""
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


AUDIO_SALT = "aica.dashboard.audio.v1"


@dataclass(frozen=True)
class AudioGrant:
    """May play one call's recording, from one card, until expires_at."""
    member_id: str
    call_id: str
    entity_type: str
    entity_id: int
    expires_at: float


class AudioSigner:
    """The token in an audio URL (an <audio> element cannot send a header). Not the session: a URL
    ends up in histories, logs and Referer headers, so what it carries opens one call's recording
    for a few minutes and nothing else. Another salt: neither token passes for the other."""

    def __init__(self, key: bytes, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._serializer = URLSafeSerializer(key, salt=AUDIO_SALT, signer_kwargs={"digest_method": hashlib.sha256})

    def issue(self, *, member_id: str, call_id: str, entity_type: str, entity_id: int, now: float) -> str:
        return self._serializer.dumps(asdict(AudioGrant(member_id, call_id, entity_type, entity_id, now + self.ttl_s)))

    def verify(self, token: str, call_id: str, now: float) -> AudioGrant:
        try:
            grant = AudioGrant(**self._serializer.loads(token))
        except (BadSignature, TypeError, ValueError):
            raise SessionError("bad_audio_token", "the audio link is not valid") from None
        if grant.call_id != call_id:
            raise SessionError("bad_audio_token", "the audio link is for another call")
        if grant.expires_at <= now:
            raise SessionError("audio_token_expired", "the audio link has expired; reopen the call")
        return grant

    def session_of(self, grant: AudioGrant) -> DashboardSession:
        """What the grant allows, in the shape the API's checks take (no user, not an admin)."""
        return DashboardSession(grant.member_id, 0, False, grant.entity_type, grant.entity_id, "en", grant.expires_at)


def token_from(request: web.Request) -> str | None:
    """The bearer token (the audio URL has its own token: AudioSigner)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None
