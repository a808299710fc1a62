"""Session 19 review mends: refactors that change no verdict, summary or redaction.
The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import numpy as np
import pytest

from agents.analyze import semantic
from agents.analyze.embeddings import CallText
from agents.analyze.transcript import turns


def _call(*lines: str) -> CallText:
    call = CallText(turns({"segments": [{"start": float(i), "end": i + 1.0, "speaker": "agent", "text": line}
                                        for i, line in enumerate(lines)]}))
    call.__dict__["vectors"] = np.arange(len(call.texts) * 3, dtype=np.float32).reshape(len(call.texts), 3)
    return call


@pytest.fixture
def embedded(monkeypatch):
    """What words_only sends to the encoder (a fake one: a row of 9s per sentence)."""
    sent: list[list[str]] = []

    def fake_embed(texts):
        sent.append(list(texts))
        return np.full((len(texts), 3), 9.0, dtype=np.float32)
    monkeypatch.setattr(semantic, "embed_sentences", fake_embed)
    return sent


def test_words_only_cuts_and_embeds_only_the_judged_sentences(embedded):
    call = _call("Thanks, <PERSON>, that's all done.", "My address is <EMAIL_ADDRESS>.", "Lovely, bye.")
    texts, vectors = semantic.words_only(call, {0, 2})
    assert texts == ["Thanks that's all done.", "My address is <EMAIL_ADDRESS>.", "Lovely, bye."]
    assert embedded == [["Thanks that's all done."]]  # the caller's line was not embedded again
    assert vectors.shape == call.vectors.shape  # the same rows: a row's score depends on no other
    assert (vectors[0] == 9).all() and (vectors[1:] == call.vectors[1:]).all()


def test_words_only_without_positions_cuts_every_sentence_with_a_value(embedded):
    call = _call("Thanks, <PERSON>, that's all done.", "My address is <EMAIL_ADDRESS>.")
    texts, _ = semantic.words_only(call)
    assert texts == ["Thanks that's all done.", "My address is."]
    assert embedded == [["Thanks that's all done.", "My address is."]]


def test_words_only_keeps_the_call_when_no_judged_sentence_holds_a_value(embedded):
    call = _call("My address is <EMAIL_ADDRESS>.", "Lovely, bye.")
    texts, vectors = semantic.words_only(call, {1})
    assert texts is call.texts and vectors is call.vectors and not embedded
