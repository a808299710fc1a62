"""Speaker attribution for mono calls: pure parts on hand-made input, then a real two-voice
espeak-ng dialogue through the real tiny.en model."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from agents.speakers import agent_voice, attribute_speakers, split_pieces, voice_track, voice_windows
from agents.speakers.roles import role_scores
from agents.speakers.voice import SAMPLE_RATE, VoiceTrack
from agents.asr import transcribe_file
from streams.settings import Settings

# The transcribe stage's decoding as configured by default (batched, its beam width).
DEFAULT_DECODING = {"batch_size": Settings().asr_batch_size, "beam_size": Settings().asr_beam_size}

DIALOGUE = [("agent", "Thank you for calling Northline, my name is Sam. How can I help?"),
            ("client", "Hi, I'm calling about my internet, it keeps dropping every evening."),
            ("agent", "Sorry to hear that. Can I take your postcode, please?"),
            ("client", "It is M one, four A B."),
            ("agent", "Thanks. I have booked an engineer for Tuesday. Anything else today?")]


def word(text: str, start: float, end: float) -> dict:
    return {"word": text, "start": start, "end": end, "probability": 0.9}


def voiced(f0: float, seconds: float, brightness: float) -> np.ndarray:
    """A buzzy vowel-like tone: harmonics of f0 whose loudness falls off by `brightness`."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wobble = 1 + 0.03 * np.sin(2 * np.pi * 3 * t)  # a little intonation
    return sum(np.sin(2 * np.pi * k * f0 * wobble * t) / k ** brightness for k in range(1, 20)).astype(np.float32) * 0.1


def test_segments_split_at_sentence_ends_and_pauses():
    segment = {"start": 0.0, "end": 4.0, "speaker": "unknown", "text": "Hello. Yes I need help",
               "words": [word(" Hello.", 0.0, 0.5), word(" Yes", 0.6, 0.8), word(" I", 1.3, 1.4),
                         word(" need", 1.45, 1.7), word(" help", 1.75, 2.0)]}
    assert [p["text"] for p in split_pieces(segment)] == ["Hello.", "Yes", "I need help"]


def test_wording_cues_in_english_and_russian():
    agent, client = role_scores("Thank you for calling Acme, how can I help you today?", "en")
    assert agent >= 6 and client == 0
    agent, client = role_scores("Hi, I'm calling about my broadband bill.", "en")
    assert client >= 3 and agent == 0
    agent, client = role_scores("Здравствуйте, компания Ромашка, меня зовут Анна, чем могу помочь?", "ru")
    assert agent >= 6 and client == 0
    agent, client = role_scores("Я звоню по поводу моей карты, у меня списали деньги дважды.", "ru")
    assert client >= 5 and agent == 0


def test_asking_for_the_customer_by_title_is_the_agent_asking_for_the_company_the_client():
    # An outgoing call's check that the right person answered; the client's check is of the company.
    assert role_scores("Is that Mr Fenwick? It's the dental practice, about your appointment.", "en") == (2.0, 0)
    assert role_scores("Am I speaking to Mrs Okafor?", "en")[1] == 0
    assert role_scores("Hello, is that Brightwave Energy?", "en") == (0, 2.0)
    assert role_scores("Is that Dr Shah's surgery?", "en") == (0, 0)  # either side may ask for a doctor


def test_the_agent_voice_needs_enough_evidence():
    greet = {"text": "Thank you for calling Acme, how can I help?"}
    ask = {"text": "I'm calling about my bill."}
    neutral = {"text": "Okay."}
    assert agent_voice([(greet, 1, 1.0), (ask, 0, 1.0)], "en") == 1
    assert agent_voice([(ask, 1, 1.0), (greet, 0, 1.0)], "en") == 0
    # Who spoke first is not enough on an outgoing call or one of unknown direction ...
    for direction in ("outgoing", "unknown"):
        assert agent_voice([(neutral, 0, 1.0), (neutral, 1, 1.0)], "en", direction) is None
    # ... but on an incoming call the one heard answering is the agent, unless the wording disagrees
    assert agent_voice([(neutral, 0, 1.0), (neutral, 1, 1.0)], "en", "incoming") == 0
    assert agent_voice([(neutral, 0, 1.0), (neutral, 1, 1.0)], "en", "incoming", first_heard=False) is None
    assert agent_voice([(neutral, 0, 1.0), ({"text": "Let me check that."}, 1, 1.0)], "en", "incoming") is None


def test_on_an_outgoing_call_the_one_who_answers_first_is_taken_as_the_client():
    answer = {"text": "Hello?"}
    check = {"text": "Let me check that for you."}  # a weak agent cue (1.5)
    pieces = [(answer, 0, 1.0), (check, 1, 1.0)]
    assert agent_voice(pieces, "en") is None  # incoming: answering first outweighs the weak cue
    assert agent_voice(pieces, "en", direction="outgoing") == 1


def test_who_answered_first_counts_only_when_their_voice_was_heard():
    """On an outgoing call a client's short "Hello, who's this?" may get no voice window of its
    own; its words then borrow the next voice (the agent's), which must not count as answering."""
    from agents.speakers.voice import VoiceTrack

    pieces = [({"text": "Hi, it's Carl from Nova Mobile."}, 0, 1.0), ({"text": "Okay."}, 1, 1.0)]
    assert agent_voice(pieces, "en", direction="outgoing") is None  # "answered first" argues against
    assert agent_voice(pieces, "en", direction="outgoing", first_heard=False) == 0
    track = VoiceTrack(np.array([3.2]), np.array([0]), np.array([1.0]), 0.2, 0.11, reach=0.8)
    assert not track.reaches(0.3, 1.8) and track.reaches(2.5, 3.0)


def test_after_an_unheard_answer_the_first_voice_heard_is_the_caller():
    """An outgoing call's answer too short for a window: the next voice is the agent who rang, a
    hint as weak as who answered, that a weak cue can complete."""
    promise, neutral = {"text": "I'll pass that on to the team."}, {"text": "Sure."}
    pieces = [(promise, 0, 1.0), (neutral, 1, 1.0)]
    assert agent_voice(pieces, "en", "outgoing", first_heard=False) is None
    assert agent_voice(pieces, "en", "outgoing", first_heard=False, answer_unheard=True) == 0
    assert agent_voice([(neutral, 0, 1.0), (neutral, 1, 1.0)], "en", "outgoing", first_heard=False,
                       answer_unheard=True) is None


def _track(spans: list[tuple[float, float, int]]) -> VoiceTrack:
    """A voice track with a window every 0.25 s over each (start, end, voice) span."""
    times = np.concatenate([np.arange(a, b, 0.25) for a, b, _ in spans])
    voices = np.concatenate([np.full(len(np.arange(a, b, 0.25)), v) for a, b, v in spans])
    return VoiceTrack(times, voices, np.ones_like(times), 1.0, 0.11, reach=0.4)


def _segment(*timed_words: tuple[str, float]) -> dict:
    words = [word(text, at, at + 0.4) for text, at in timed_words]
    return {"start": words[0]["start"], "end": words[-1]["end"], "speaker": "unknown",
            "text": "".join(w["word"] for w in words).strip(), "words": words}


def test_when_no_voice_sounds_like_the_agent_the_turns_follow_the_voices():
    """Wording that names neither side leaves the roles to the analysis, which takes alternate
    turns as one side: the turns must change where the voice changes, not where the ASR cut."""
    segments = [_segment((" Morning,", 0.0), (" Fernside.", 0.5), (" Hi,", 1.5), (" the", 2.0), (" van", 2.5)),
                _segment((" never", 3.0), (" came.", 3.5), (" Right,", 4.5), (" sorry.", 5.0))]
    track = _track([(0.0, 1.2, 0), (1.5, 4.2, 1), (4.5, 5.6, 0)])
    turns = attribute_speakers(segments, language="en", direction="unknown", track=track)
    assert [(t["speaker"], t["text"]) for t in turns] == [
        ("unknown", "Morning, Fernside."), ("unknown", "Hi, the van never came."), ("unknown", "Right, sorry.")]
    # Rung by the client, the call's first voice heard is the agent's who picked up.
    turns = attribute_speakers(segments, language="en", direction="incoming", track=track)
    assert [(t["speaker"], t["text"]) for t in turns] == [
        ("agent", "Morning, Fernside."), ("client", "Hi, the van"), ("client", "never came."), ("agent", "Right, sorry.")]


def test_an_outgoing_calls_unheard_hello_is_a_turn_of_its_own():
    """The client answering "Hello?" gets no voice window and borrows the agent's voice; joined to
    the agent's turn it would shift every later turn to the wrong side."""
    segments = [_segment((" Hello?", 0.0)), _segment((" Hi,", 1.5), (" about", 2.0), (" your", 2.5), (" windows.", 3.0)),
                _segment((" Oh,", 4.5), (" yes.", 5.0))]
    track = _track([(1.5, 3.6, 0), (4.5, 5.6, 1)])
    assert not track.reaches(0.0, 0.4)
    texts = [t["text"] for t in attribute_speakers(segments, language="en", direction="outgoing", track=track)]
    assert texts == ["Hello?", "Hi, about your windows.", "Oh, yes."]
    texts = [t["text"] for t in attribute_speakers(segments, language="en", direction="incoming", track=track)]
    assert texts == ["Hello? Hi, about your windows.", "Oh, yes."]


def test_an_unheard_answer_run_into_the_callers_opening_is_the_clients():
    """The ASR may join the client's short answer to the agent's opening with no pause between
    them: the answer's word has no window of its own, so it is the client's and says nothing about
    who spoke first (the first window hears the agent)."""
    opening = [_segment((" Yes", 0.0), (" Morning,", 0.6), (" it's", 1.1), (" Dana", 1.6), (" from", 2.1),
                        (" Corvid", 2.6), (" Energy.", 3.1)),
               _segment((" Oh,", 4.5), (" right.", 5.0))]
    track = _track([(1.2, 3.6, 0), (4.5, 5.6, 1)])
    turns = attribute_speakers(opening, language="en", direction="outgoing", track=track)
    assert [(t["speaker"], t["text"]) for t in turns] == [
        ("client", "Yes"), ("agent", "Morning, it's Dana from Corvid Energy."), ("client", "Oh, right.")]
    # Nothing names a side: the answer is still a turn of its own among the voices' runs.
    plain = [_segment((" Yes", 0.0), (" Morning,", 0.6), (" about", 1.1), (" the", 1.6), (" meter.", 2.1)),
             _segment((" Oh,", 4.5), (" right.", 5.0))]
    turns = attribute_speakers(plain, language="en", direction="outgoing", track=_track([(1.2, 2.6, 0), (4.5, 5.6, 1)]))
    assert [t["text"] for t in turns] == ["Yes", "Morning, about the meter.", "Oh, right."]
    # An incoming call's first word is heard: nothing is split off.
    heard = _track([(0.0, 3.6, 0), (4.5, 5.6, 1)])
    assert [t["text"] for t in attribute_speakers(plain, language="en", direction="outgoing", track=heard)] == [
        "Yes Morning, about the meter.", "Oh, right."]


def test_a_russian_farewell_names_neither_side():
    """Either side says goodbye (the client as often as the agent): no role evidence."""
    assert role_scores("Ладно, всего доброго.", "ru") == (0, 0)
    assert role_scores("Спасибо, до свидания!", "ru") == (0, 0)


def test_russian_caller_saying_where_they_call_from_and_offering_more():
    assert role_scores("Добрый вечер, это из ветклиники «Лапа» вас беспокоят.", "ru")[0] >= 2.0
    assert role_scores("Звоним вам из автосервиса по поводу записи.", "ru") == (2.0, 0)
    assert role_scores("Это из ветклиники звонят?", "ru") == (0, 0)  # the client picking up asks
    assert role_scores("Мне звонили из ветклиники вчера.", "ru") == (0, 0)
    assert role_scores("Ну это из аптеки чек, наверное.", "ru") == (0, 0)
    assert role_scores("Сейчас я уточню.", "ru") == (1.5, 0)
    assert role_scores("Чем-нибудь ещё помочь?", "ru") == (2.5, 0)


def test_russian_desk_answering_and_a_question_about_when():
    assert role_scores("Сервисный центр «Техномастер», слушаю.", "ru") == (2.0, 0)
    assert role_scores("Да, слушаю.", "ru") == (0, 0)  # the client picking up an outgoing call
    assert role_scores("А когда будут деньги?", "ru") == (0, 1.5)
    assert role_scores("Запишу вас, когда будет окно, вам перезвонят.", "ru") == (0, 0)
    assert role_scores("Не знаю, когда будет.", "ru") == (0, 0)


def test_two_synthetic_voices_are_told_apart_turn_by_turn():
    gap = np.zeros(int(0.4 * SAMPLE_RATE), dtype=np.float32)
    low, high = voiced(110, 2.0, 1.0), voiced(220, 2.0, 2.0)
    track = voice_track(*voice_windows(np.concatenate([low, gap, high, gap, low, gap, high]), "prints"), "prints")
    first_turn, second_turn = track.voice[track.times < 2.0], track.voice[(track.times > 2.5) & (track.times < 4.3)]
    assert track.separation > 5.0 and set(first_turn) == {first_turn[0]} and set(second_turn) == {1 - first_turn[0]}


def test_without_audio_only_strong_wording_is_attributed():
    segments = [{"start": 0.0, "end": 2.0, "speaker": "unknown", "text": "Thank you for calling Acme, how can I help?",
                 "words": []},
                {"start": 2.5, "end": 3.0, "speaker": "unknown", "text": "Okay.", "words": []},
                {"start": 3.5, "end": 6.0, "speaker": "unknown", "text": "I'm calling about my card.", "words": []}]
    assert [s["speaker"] for s in attribute_speakers(segments, None, "en")] == ["agent", "unknown", "client"]


@pytest.fixture
def mono_dialogue(tmp_path: Path) -> tuple[Path, list[tuple[str, float, float]]]:
    """8 kHz mu-law mono WAV of DIALOGUE (agent en-us, client en+Annie) and each turn's time span."""
    parts, turns, clock = [], [], 0.0
    for i, (speaker, text) in enumerate(DIALOGUE):
        raw, spoken = tmp_path / f"{i}-raw.wav", tmp_path / f"{i}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us" if speaker == "agent" else "en+Annie", "-s", "160",
                        "-w", str(raw), text], check=True, capture_output=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(spoken), "pad", "0", "0.35"],
                       check=True, capture_output=True)
        seconds = float(subprocess.run(["soxi", "-D", str(spoken)], check=True, capture_output=True, text=True).stdout)
        turns.append((speaker, clock, clock + seconds - 0.35))
        parts.append(str(spoken))
        clock += seconds
    out = tmp_path / "mono.wav"
    subprocess.run(["sox", *parts, "-e", "mu-law", "-b", "8", str(out)], check=True, capture_output=True)
    return out, turns


@pytest.mark.models
@pytest.mark.parametrize("asr_options", [{}, DEFAULT_DECODING], ids=["sequential", "default"])
def test_a_mono_dialogue_is_attributed_word_by_word(whisper_model, mono_dialogue, asr_options):
    path, turns = mono_dialogue
    body = transcribe_file(whisper_model, path, "en", **asr_options)
    assert body["channels"] == 1
    words = [(s["speaker"], (w["start"] + w["end"]) / 2) for s in body["segments"] for w in s["words"]]
    truth = [min(turns, key=lambda t: 0 if t[1] <= mid <= t[2] else min(abs(mid - t[1]), abs(mid - t[2])))[0]
             for _, mid in words]
    correct = sum(said == true for (said, _), true in zip(words, truth))
    assert len(words) >= 40 and correct / len(words) >= 0.85
    client_words = set(re.findall(r"[a-z']+", " ".join(s["text"] for s in body["segments"]
                                                        if s["speaker"] == "client").lower()))
    assert "internet" in client_words and not {"postcode", "engineer", "help"} & client_words


def test_silence_has_no_voice_prints_and_no_crash():
    """A silent recording (or a silent 10-minute chunk of a long call) used to raise ValueError
    reshaping zero prints."""
    from agents.speakers.voice import track_from_prints, window_prints

    times, prints = window_prints(np.zeros(16000 * 5, dtype=np.float32))
    assert times.shape == (0,) and prints.shape[0] == 0
    assert voice_track(*voice_windows(np.zeros(16000 * 5, dtype=np.float32), "prints"), "prints").times.size == 0
    assert track_from_prints(np.concatenate([times, times]), np.concatenate([prints, prints])).separation == 0.0


def test_a_lone_word_ending_a_piece_in_a_clear_other_voice_starts_the_next_turn():
    """The ASR runs the reply's first word onto the turn before it ("...for the electricity Sure,");
    heard clearly in the other voice, that word is the next turn's. Inside a piece a lone word in
    the other voice stays a mislabelled window, and so does a final one heard only faintly."""
    from agents.speakers import split_by_voice
    piece = _segment((" charged", 0.0), (" me", 0.5), (" twice", 1.0), (" Sure,", 1.5))
    heard = _track([(0.0, 1.45, 1), (1.5, 2.0, 0)])
    clear = VoiceTrack(heard.times, heard.voice, 2 * heard.margin, 1.0, 0.11, reach=0.4)
    assert [(p["text"], voice) for p, voice, _ in split_by_voice(piece, clear)] == [
        ("charged me twice", 1), ("Sure,", 0)]
    inside = _track([(0.0, 0.45, 1), (0.5, 0.95, 0), (1.0, 2.0, 1)])
    assert {voice for _, voice, _ in split_by_voice(piece, inside)} == {1}
    faint = VoiceTrack(clear.times, clear.voice, np.where(clear.times >= 1.5, 1.0, 2.0), 1.0, 0.11, reach=0.4)
    assert {voice for _, voice, _ in split_by_voice(piece, faint)} == {1}
