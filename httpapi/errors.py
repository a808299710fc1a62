"""The one way a request is refused: an HTTP status, a stable code and a human reason, answered
as JSON `{"error": code, "reason": reason}` by `json_errors` (aiohttp's own 404/405/413 too)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """Raised by the pure checks of either app; never carries personal data in its reason."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"{status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason


class Busy(Refused):
    """503 with Retry-After: our share of a portal's rate limit is used up for now; nothing was sent."""

    def __init__(self, code: str, reason: str, retry_after_s: float) -> None:
        super().__init__(503, code, reason)
        self.retry_after_s = retry_after_s


def refusal_response(refusal: Refused) -> web.Response:
    log.info("refused %d %s", refusal.status, refusal.code)
    retry_after = getattr(refusal, "retry_after_s", None)
    headers = {"Retry-After": str(max(1, round(retry_after)))} if retry_after is not None else None
    return web.json_response({"error": refusal.code, "reason": refusal.reason}, status=refusal.status,
                             headers=headers)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refused as refusal:
        return refusal_response(refusal)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.lower().replace(" ", "_")
        headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
        return web.json_response({"error": code, "reason": exc.reason}, status=exc.status, headers=headers)
