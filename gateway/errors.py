"""The one way a request is refused: an HTTP status, a stable code and a human reason."""
from __future__ import annotations


class Refused(Exception):
    """Raised by the pure checks; the handler turns it into `{"error": code, "reason": reason}`."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(f"{status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason
