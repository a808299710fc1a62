"""Session 18 review mends: refactors that change no verdict, summary or redaction."""
from __future__ import annotations

import subprocess
import sys


def test_redaction_and_reproach_share_one_english_pipeline(english_analyzer):
    from agents.analyze import reproach
    from agents.redact.engine import english_pipeline

    shared = english_pipeline()
    assert english_analyzer.nlp_engine.nlp["en"]._nlp is shared
    assert reproach.parse("You should have rung us first.").vocab is shared.vocab
    assert english_pipeline.cache_info().currsize == 1


def test_redaction_skips_the_parser_and_reproach_skips_the_ner(english_analyzer):
    from agents.analyze import reproach

    redacting = english_analyzer.nlp_engine.nlp["en"]("Send it to Mary Jones in Leeds.")
    assert not redacting.has_annotation("DEP")
    assert {e.label_ for e in redacting.ents} >= {"PERSON"}
    parsed = reproach.parse("Send it to Mary Jones in Leeds.")
    assert parsed.has_annotation("DEP") and not parsed.ents
    # the shared object itself keeps every pipe on: neither caller switched one off for the other
    from agents.redact.engine import english_pipeline
    assert "parser" in english_pipeline().pipe_names and "ner" in english_pipeline().pipe_names


def test_either_may_load_the_pipeline_first_in_a_fresh_process():
    script = ("from agents.analyze.reproach import reproach\n"
              "assert reproach('You should have read the letter.')\n"
              "from agents.redact import build_analyzer\n"
              "found = build_analyzer('en').analyze('Ring Peter Brown tomorrow.', language='en')\n"
              "assert any(r.entity_type == 'PERSON' for r in found)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_any_alternative_matches_says_whether_some_alternative_matches():
    from agents.analyze.semantic import any_alternative_matches

    rules = ((r"call (you )?back",), (r"tomorrow", r"morning"))
    assert any_alternative_matches(rules, "I'll call you back in an hour.")
    assert any_alternative_matches(rules, "Someone will ring tomorrow morning.")
    assert not any_alternative_matches(rules, "Someone will ring tomorrow.")  # one pattern of two
    assert not any_alternative_matches((), "I'll call you back in an hour.")


def test_an_assessment_is_built_by_keyword_only():
    import pytest

    from agents.analyze.semantic import Assessment

    with pytest.raises(TypeError):
        Assessment(0.9, [{"quote": "Thanks for calling."}])  # type: ignore[misc]
    built = Assessment(applies_score=0.9, declined=[{"quote": "We can't do that here."}])
    assert built.applies_score == 0.9 and built.declined and not built.withdrawn and built.when_named == ()


def test_the_news_an_agent_rang_with_is_looked_for_once(monkeypatch):
    from agents.analyze import summary as summary_module
    from agents.analyze.embeddings import CallText
    from agents.analyze.transcript import Turn

    looked_for = []
    original = summary_module.news_of_cause

    def counting(purpose, call, quoted):
        looked_for.append(purpose.position)
        return original(purpose, call, quoted)

    monkeypatch.setattr(summary_module, "news_of_cause", counting)
    turns = [("client", "Hello?"),
             ("agent", "Hi, it's <PERSON> from the garage, I'm calling about your car's service on Thursday."),
             ("client", "Right, go on."),
             ("agent", "Our ramp has failed, so we can't take the car on Thursday."),
             ("client", "Oh dear."),
             ("agent", "I've booked you in for Friday at nine instead."),
             ("client", "Friday's fine, thanks.")]
    call = CallText([Turn(i, 5.0 * i, 5.0 * i + 4.5, who, text) for i, (who, text) in enumerate(turns)],
                    direction="outgoing")
    text = summary_module.template_summary(call, "en")
    assert "ramp has failed" in text.split("Done:")[0]
    assert len(looked_for) == 1


def test_the_shared_catalog_is_the_packaged_one(builtin_catalog):
    from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file

    fresh = load_catalog_file(DEFAULT_PROJECTS_FILE)
    assert builtin_catalog.scorecards == fresh.scorecards
    assert builtin_catalog.scorecard("support-ru").criterion("greeting") == fresh.scorecard("support-ru").criterion("greeting")
