"""A project may only speak a language the redact stage has a policy for (issue 10, finding 3):
otherwise its transcripts could not be redacted. Refused when the projects file is loaded and when
an admin saves portal projects; the list catalog keeps agrees with the redaction policies."""
from __future__ import annotations

import pytest

from catalog.languages import REDACTION_LANGUAGES
from catalog.projects import ProjectConfigError, load_catalog, parse_catalog, parse_portal_projects
from streams.settings import Settings

SCORECARD = {"version": "1", "criteria": [{"id": "greet", "label": "Greets", "weight": 1,
                                                          "rules": {"en": ["hello"]}}]}


def catalog_with(language: str) -> dict:
    return {"projects": {"p": {"language": language, "scorecard": "s"}}, "default_project": "p",
            "scorecards": {"s": SCORECARD}}


def test_the_languages_agree_with_the_redaction_policies():
    from agents.redact.engine import POLICIES, policy_for
    assert set(REDACTION_LANGUAGES) == set(POLICIES)
    for language in REDACTION_LANGUAGES:
        assert policy_for(language).language == language


def test_a_projects_file_with_a_language_without_a_redaction_policy_is_refused():
    assert parse_catalog(catalog_with("en")).projects["p"].language == "en"
    with pytest.raises(ProjectConfigError, match="no redaction policy"):
        parse_catalog(catalog_with("de"), "projects.yaml")


def test_portal_projects_with_a_language_without_a_redaction_policy_are_refused():
    base = load_catalog(Settings())
    scorecard = next(iter(base.scorecards))
    good = {"projects": {"p": {"language": "ru", "scorecard": scorecard}}, "default_project": "p"}
    assert parse_portal_projects(good, base).projects["p"].language == "ru"
    with pytest.raises(ProjectConfigError, match="no redaction policy"):
        parse_portal_projects({**good, "projects": {"p": {"language": "fr", "scorecard": scorecard}}}, base)
