"""Session 19 review mends: refactors that change no verdict, summary or redaction.
The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import numpy as np
import pytest

from agents.analyze import semantic
from agents.analyze.embeddings import CallText
from agents.analyze.transcript import Turn, rule_search, turns


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


RUDE = ((r"shut up",), (r"that's (your|the) problem",))


def _heard(text: str, probabilities: list[float]) -> Turn:
    words = text.split(" ")
    spoken = tuple((("" if i == 0 else " ") + w, p) for i, (w, p) in enumerate(zip(words, probabilities)))
    return Turn(0, 0.0, 2.0, "agent", text, spoken)


@pytest.mark.parametrize(("text", "probabilities", "quote"), [
    ("Oh shut up now.", [0.9, 0.95, 0.92, 0.9], "Oh shut up now."),
    ("Oh shut up now.", [0.9, 0.3, 0.92, 0.9], None),  # a short match the ASR was unsure of
    # the short match is skipped, a later alternative the ASR heard well still counts
    ("Shut up, that's your problem.", [0.2, 0.9, 0.9, 0.9, 0.9], "Shut up, that's your problem."),
    ("We can post it today.", [0.9] * 5, None),
])
def test_a_clearly_heard_failure_is_matched_once(monkeypatch, text, probabilities, quote):
    from agents.analyze import memo

    memo.forget()
    turn = _heard(text, probabilities)
    assert semantic.word_probabilities(turn, 0, len(text)) == probabilities

    def not_again(*args, **kwargs):
        raise AssertionError("matched a second time")
    monkeypatch.setattr(semantic, "first_quote", not_again)
    found = semantic.rule_evidence(RUDE, [turn], clearly_heard=True)
    assert [e["quote"] for e in found] == ([quote] if quote else [])


def test_a_turn_without_asr_words_is_matched_as_written():
    said = Turn(3, 1.0, 2.0, "agent", "Honestly, that's your problem.")
    assert semantic.rule_evidence(RUDE, [said], clearly_heard=True) == [
        {"quote": "Honestly, that's your problem.", "segment": 3, "start": 1.0}]


def test_own_limits_takes_the_emphatic_first_person():
    from agents.analyze.reproach_ru import own_limits, parse

    def limits(text: str) -> str | None:
        return next((found for words in parse([text])[0] if (found := own_limits(words))), None)

    assert limits("Мы же не обязаны звонить каждому клиенту.")
    assert limits("Я-то ведь не обязана это знать.")
    assert not limits("Мы же вам перезвоним сегодня.")  # no negation: no limits insisted on


@pytest.fixture(scope="module")
def ponimayu():
    from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file

    rules = load_catalog_file(DEFAULT_PROJECTS_FILE).scorecard("support-ru").criterion("empathy").rules["ru"]
    return next(alt for alt in rules if "понимаю,? (?!" in alt[0])


@pytest.mark.parametrize(("text", "counts"), [
    ("Конечно, понимаю, после такой дороги сил уже ни на что нет.", True),
    ("Я вас понимаю, зимой без отопления очень тяжело.", True),
    ("Хорошо. Понимаю, с маленьким ребёнком неделю ждать непросто.", True),  # a second sentence of the turn
    ("Понимаю, сейчас проверю ваш договор.", False),  # procedure
    ("Понимаю, так где вы сейчас находитесь?", False),  # a question after a linking word
    ("Понимаю, но тариф уже не поменять.", False),  # an objection
    ("Понимаю, то есть счёт пришёл дважды.", False),  # a summing up
    ("Понимаю, бывает.", False),  # too short to be a circumstance
    ("Я вот не понимаю, почему так долго.", False),  # not the sentence's opening
])
def test_ponimayu_rule_composed_from_pieces(ponimayu, text, counts):
    assert "(?P>" not in ponimayu[0]  # the pieces were put in
    assert bool(all(rule_search(p, text) for p in ponimayu)) is counts
