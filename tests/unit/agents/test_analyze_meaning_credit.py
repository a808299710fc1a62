"""semantic.judged_by_meaning: a sentence judged by meaning alone must be heard fairly well and have
three words or more, for a failure and, since session 13, for credit too (h-empres13)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from agents.analyze.semantic import judged_by_meaning


def sentence(text: str, heard: float | None) -> SimpleNamespace:
    return SimpleNamespace(text=text, heard=heard)


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("text,heard,counts", [
    ("Ah, so sorry.", 0.95, True),
    ("Oh, right.", 0.95, False),            # two words sit near any short example
    ("Bin lorry will skip hire.", 0.4, False),  # misheard: its meaning is chance
    ("That sounds like a rotten week.", None, True),  # no ASR (a script): heard is unknown
])
def test_short_or_misheard_sentences_count_by_rules_only(text, heard, counts, strict):
    assert judged_by_meaning(sentence(text, heard), strict) is counts


def test_words_taken_back_count_only_at_or_after_the_last_evidence():
    from agents.analyze.semantic import withdrawn_after
    hits = [{"segment": 3}, {"segment": 7}]
    assert withdrawn_after([{"segment": 9}], hits) == {"segment": 9}
    assert withdrawn_after([{"segment": 5}], hits) is None
    assert withdrawn_after([], hits) is None
