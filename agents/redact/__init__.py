"""Redaction: personal data in transcripts replaced by `<ENTITY_TYPE>` placeholders.

Pure logic only (no faust, no models loaded at import); the agent shell reading
calls.transcribed and writing calls.redacted goes in this package.
"""
from agents.redact.engine import (ENGLISH_POLICY, RUSSIAN_POLICY, RedactionPolicy, build_analyzer,
                                  policy_for)
from agents.redact.numbers import normalise_spoken_numbers
from agents.redact.text import redact_text
from agents.redact.transcript import redact_transcript

__all__ = ["ENGLISH_POLICY", "RUSSIAN_POLICY", "RedactionPolicy", "build_analyzer",
           "normalise_spoken_numbers", "policy_for", "redact_text", "redact_transcript"]
