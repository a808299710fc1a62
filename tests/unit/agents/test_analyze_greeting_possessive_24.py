"""support-en 18 (h-leaks24): redaction now takes a child's name said with a possessive ("about
<PERSON>'s piano lessons"), so the placeholder with 's in an opening names someone else's thing and
is no introduction; the agent's own redacted name after a greeting still is. Lines written for
these tests, none from bench/qa_eval."""
from __future__ import annotations

from test_analyze_en_classes_8 import greeting_of
from test_analyze_ordering import english  # noqa: F401 (english is a fixture)


def test_a_greeting_about_someones_lessons_is_no_introduction(english):  # noqa: F811
    assert greeting_of(english, "Hi, is that Mrs <PERSON>? It's about <PERSON>'s swimming lessons.")["verdict"] == "not_met"


def test_a_greeting_with_the_agents_name_is_still_one(english):  # noqa: F811
    assert greeting_of(english, "Hi, it's <PERSON> from Harbour Swim School, is that Mrs <PERSON>?")["verdict"] == "met"
