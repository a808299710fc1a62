"""The languages the redact stage has a policy for (agents/redact/engine.py `POLICIES`). A project
in another language could not have its transcripts redacted, so projects are refused at save time
(projects file, dashboard settings). Kept here because catalog may not import agents; a test
(tests/unit/catalog/test_languages.py) holds the two lists together."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REDACTION_LANGUAGES = ("en", "ru")


def check_redaction_languages(projects: Iterable[Any]) -> None:
    """ValueError naming the first project whose language has no redaction policy."""
    for project in projects:
        if project.language not in REDACTION_LANGUAGES:
            raise ValueError(f"project {project.name!r}: language {project.language!r} has no redaction policy;"
                             f" choose from {list(REDACTION_LANGUAGES)}")
