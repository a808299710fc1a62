"""How analysis fails: the agent shell retries transient errors and dead-letters permanent ones."""
from __future__ import annotations


class AnalysisError(Exception):
    """Permanent: retrying the same input will not help (bad input, invalid model replies)."""


class TransientAnalysisError(Exception):
    """Worth retrying later: LLM timeout, connection failure, 429 or 5xx."""


class UnredactedInputError(AnalysisError):
    """The text did not come from a RedactedTranscript, so it must not leave the process."""
