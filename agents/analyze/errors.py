"""How analysis fails: the agent shell retries transient errors and dead-letters permanent ones."""
from __future__ import annotations

from streams.stage import Reject


class AnalysisError(Reject):
    """Permanent: retrying the same input will not help (bad input, invalid model replies).
    A Reject, so the stage dead-letters it as a refusal, not as a bug."""


class TransientAnalysisError(Exception):
    """Worth retrying later: LLM timeout, connection failure, 429 or 5xx."""

    transient = True  # streams.stage.is_transient: retried on the delay tiers


class UnredactedInputError(AnalysisError):
    """The text did not come from a RedactedTranscript, so it must not leave the process."""
