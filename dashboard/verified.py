"""Placements the portal has already confirmed, so that reloading a card tab costs no REST calls
(a check is one `batch` request of the portal's 2/s, from the side budget of bitrix.limits).

Keyed by the portal's install generation and a digest of the posted AUTH_ID (the token itself is
not kept): the same AUTH_ID on the same install is the same user, as app.info, user.current and
user.admin said; each entity that user was allowed to read is remembered too, so a new card
costs one call (`crm.<type>.get`), a reload none. A verdict lasts as long as the session it
produced (dashboard_session_ttl_s): trusting it for that long is what the session already does.
A new token generation (refresh, reinstall) starts afresh."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bitrix.portals import Portal

User = TypeVar("User")
MAX_ENTITIES = 200  # per AUTH_ID: cards one user opens in one session


@dataclass
class Verdict(Generic[User]):
    user: User
    expires_at: float
    entities: set[tuple[str, int]] = field(default_factory=set)


class VerifiedPlacements(Generic[User]):
    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl_s, self.max_entries = ttl_s, max_entries
        self._verdicts: OrderedDict[tuple[str, int, str], Verdict[User]] = OrderedDict()

    @staticmethod
    def _key(portal: Portal, auth_id: str) -> tuple[str, int, str]:
        return portal.member_id, portal.generation, hashlib.sha256(auth_id.encode()).hexdigest()

    def get(self, portal: Portal, auth_id: str, now: float) -> Verdict[User] | None:
        key = self._key(portal, auth_id)
        verdict = self._verdicts.get(key)
        if verdict is None:
            return None
        if verdict.expires_at <= now:
            del self._verdicts[key]
            return None
        self._verdicts.move_to_end(key)
        return verdict

    def remember(self, portal: Portal, auth_id: str, user: User, entity: tuple[str, int],
                 now: float) -> None:
        key = self._key(portal, auth_id)
        verdict = self.get(portal, auth_id, now)
        if verdict is None or verdict.user != user:
            verdict = self._verdicts[key] = Verdict(user, now + self.ttl_s)
        if len(verdict.entities) < MAX_ENTITIES:
            verdict.entities.add(entity)
        while len(self._verdicts) > self.max_entries:  # forget the least recently used
            self._verdicts.popitem(last=False)
