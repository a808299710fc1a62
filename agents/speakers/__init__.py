"""Speaker attribution for mono recordings: which words the agent said and which the client.

`attribute_speakers` splits the ASR segments at pauses and sentence ends, labels each piece with
one of two voices (by a trained speaker encoder, agents/speakers/ge2e.py, or by hand-made voice
prints, agents/speakers/voice.py), and decides which voice is the agent from what each
one says (agents/speakers/roles.py). Anything it is unsure of stays "unknown", so the analysis
judges those words conservatively; when no voice sounds like the agent, the "unknown" turns follow
the two voices, and the analysis guesses which is the agent by how each sounds. Without audio only
lines with strong wording cues are labelled.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.speakers import ge2e
from agents.speakers import voice as voice_prints
from agents.speakers.roles import role_scores
from agents.speakers.voice import VoiceTrack

# How a window of speech becomes a voice vector, and how the vectors become a track of two voices.
VOICE_MODELS = {"ge2e": (ge2e.window_embeddings, ge2e.track_from_embeddings),
                "prints": (voice_prints.window_prints, voice_prints.track_from_prints)}

PIECE_PAUSE_S = 0.25  # a gap between words this long may be a change of speaker
SENTENCE_END = (".", "?", "!", "…")
MIN_MARGIN = 0.15  # a piece this close to both voices is left unknown
MIN_ROLE_MARGIN = 1.5  # role evidence (cue weights) needed to name the agent's voice
# Who speaks first answered the phone: the agent on an incoming call, the client on an outgoing
# one. On an incoming call that decides alone (= MIN_ROLE_MARGIN) when the first word was heard by a
# voice window (first_word_heard): the agent's long opening is. Session 7 tried this and dropped it
# for a Russian report call it labelled wrongly, but bench.speaker_attribution then took every
# outgoing call for incoming, and a first piece counted as heard when only its later words were.
# On an outgoing call it stays a hint: the client's short answer is rarely heard, and the ASR may
# drop it, so the first voice heard is often the agent's.
FIRST_SPEAKER_PRIOR = {"incoming": MIN_ROLE_MARGIN, "outgoing": -1.0}
UNKNOWN_DIRECTION_PRIOR = 1.0
ROLE_FULL_MARGIN = 1.0  # a piece's wording counts fully for its voice only when its voice is this clear
TURN_START_MARGIN = 1.5  # a lone word ending a piece in the other voice this clear starts the next turn
STRONG_CUE = 2.5  # without a usable voice track, a line needs this much wording evidence


def voice_windows(audio: np.ndarray, model: str = "ge2e") -> tuple[np.ndarray, np.ndarray]:
    """(window centre times, voice vectors) of one stretch of audio (16 kHz float)."""
    return VOICE_MODELS[model][0](audio)


def voice_track(times: np.ndarray, vectors: np.ndarray, model: str = "ge2e") -> VoiceTrack:
    """The two voices of a call from its windows' vectors (a long call's chunks add theirs, times
    shifted by the chunk's offset, so the audio need not be held at once)."""
    return VOICE_MODELS[model][1](times, vectors)


def _piece(words: list[dict], speaker: str) -> dict:
    return {"start": words[0]["start"], "end": words[-1]["end"], "speaker": speaker,
            "text": "".join(w["word"] for w in words).strip(), "words": words}


def split_pieces(segment: dict) -> list[dict]:
    """Split a segment after sentence ends and at pauses of PIECE_PAUSE_S or more."""
    words = segment.get("words") or []
    if not words:
        return [dict(segment)]
    groups: list[list[dict]] = [[]]
    for i, word in enumerate(words):
        groups[-1].append(word)
        following = words[i + 1] if i + 1 < len(words) else None
        if following and (word["word"].strip().endswith(SENTENCE_END)
                          or following["start"] - word["end"] >= PIECE_PAUSE_S):
            groups.append([])
    return [_piece(g, segment.get("speaker", "unknown")) for g in groups]


def split_by_voice(piece: dict, track: VoiceTrack) -> list[tuple[dict, int | None, float]]:
    """A piece may still hold a change of speaker: split it where its words' voices change."""
    words = piece.get("words") or []
    if not words:
        voice, margin = track.at(piece["start"], piece["end"])
        return [(piece, voice, margin)]
    labelled = [(w, *track.at(w["start"], w["end"])) for w in words]
    runs: list[list[tuple[dict, int | None, float]]] = []
    for item in labelled:
        if runs and runs[-1][-1][1] == item[1]:
            runs[-1].append(item)
        else:
            runs.append([item])
    # A run of one short word is more likely a mislabelled window than a turn, unless it ends the
    # piece in a clear voice: then it is the next turn's first word, run on by the ASR
    # ("...за электричество Понимаю," where the agent's "Понимаю" starts the reply).
    merged: list[list] = []
    for index, run in enumerate(runs):
        turn_start = index == len(runs) - 1 and run[0][2] >= TURN_START_MARGIN
        if merged and len(run) == 1 and not turn_start:
            merged[-1].append((run[0][0], merged[-1][0][1], run[0][2]))
        else:
            merged.append(run)
    return [(_piece([w for w, _, _ in run], "unknown"), run[0][1], float(np.mean([m for _, _, m in run])))
            for run in merged]


def agent_voice(pieces: list[tuple[dict, int | None, float]], language: str,
                direction: str = "unknown", first_heard: bool = True,
                answer_unheard: bool = False) -> int | None:
    """The voice (0/1) whose lines sound like the agent's; None when the evidence is too thin.
    direction (call context): on an outgoing call the agent rang, so the client answers first.
    first_heard: whether the first piece's voice was heard (a voice window covers it); if not,
    its voice is its neighbour's, and who spoke first says nothing. answer_unheard: an outgoing
    call's answer was heard by no window (unheard_answer, not among `pieces`): the first voice
    heard is then the one who rang, the agent's (as weak a hint as who answered)."""
    evidence = [0.0, 0.0]  # agent-minus-client cue weight per voice
    for piece, voice, margin in pieces:
        if voice is not None:
            # The last words before a change of speaker are often given to the next voice (its
            # windows straddle the change), and "How can I help?" is exactly such a tail.
            agent, client = role_scores(piece["text"], language)
            evidence[voice] += (agent - client) * min(1.0, margin / ROLE_FULL_MARGIN)
    first = next((voice for _, voice, _ in pieces if voice is not None), None)
    if first is not None and answer_unheard and direction == "outgoing":
        evidence[first] -= FIRST_SPEAKER_PRIOR["outgoing"]
    elif first is not None and first_heard:
        evidence[first] += FIRST_SPEAKER_PRIOR.get(direction, UNKNOWN_DIRECTION_PRIOR)
    if abs(evidence[0] - evidence[1]) < MIN_ROLE_MARGIN:
        return None
    return 0 if evidence[0] > evidence[1] else 1


def by_wording(piece: dict, language: str) -> str:
    agent, client = role_scores(piece["text"], language)
    if abs(agent - client) < STRONG_CUE:
        return "unknown"
    return "agent" if agent > client else "client"


def merge_neighbours(pieces: list[dict], key: str = "_source") -> list[dict]:
    """Join neighbouring pieces of one speaker that share `key` (the ASR segment they came from,
    or "_voice": a voice's run of speech when the roles are undecided)."""
    merged: list[dict] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if last and last["speaker"] == piece["speaker"] and last.get(key) == piece.get(key):
            words = last["words"] + piece["words"]
            merged[-1] = {**_piece(words, last["speaker"]), key: last[key]} if words else last
        else:
            merged.append(piece)
    return [{k: v for k, v in p.items() if not k.startswith("_")} for p in merged]


def unheard_answer(voiced: list[tuple[dict, int | None, float]], track: VoiceTrack,
                   direction: str) -> tuple[dict | None, list[tuple[dict, int | None, float]]]:
    """(the answering client's opening, the other pieces) of an outgoing call. The client answers
    with a short "Hello?" / "Алло" that no voice window hears (a window needs 1.6 s of mostly
    speech): the track lends it the next voice, the agent's. The ASR often runs it into the
    agent's opening without a pause, so the unheard words are looked for word by word at the start
    of the first piece. None when the call is not outgoing or its first word was heard."""
    if direction != "outgoing" or not voiced:
        return None, voiced
    (first, voice, margin), rest = voiced[0], voiced[1:]
    words = first.get("words") or []
    if not words:
        return (None, voiced) if track.reaches(first["start"], first["end"]) else (first, rest)
    unheard = 0
    while unheard < len(words) and not track.reaches(words[unheard]["start"], words[unheard]["end"]):
        unheard += 1
    if not unheard:
        return None, voiced
    private = {k: v for k, v in first.items() if k.startswith("_")}  # the ASR segment it came from
    answer = {**_piece(words[:unheard], "client"), **private}
    if unheard == len(words):
        return answer, rest
    return answer, [({**_piece(words[unheard:], first["speaker"]), **private}, voice, margin)] + rest


def first_word_heard(voiced: list[tuple[dict, int | None, float]], track: VoiceTrack) -> bool:
    """Whether a voice window hears the call's first word, so that the first voice is the voice of
    whoever spoke first (a window that hears only the later words of the first piece says nothing
    about who opened)."""
    if not voiced:
        return False
    first = voiced[0][0]
    words = first.get("words") or [first]
    return track.reaches(words[0]["start"], words[0]["end"])


def voice_runs(answer: dict | None, voiced: list[tuple[dict, int | None, float]]) -> list[dict]:
    """Roles undecided: the pieces as "unknown" turns that follow the voices, one turn per run of
    a voice, so that turns alternate speakers. The analysis then names the agent's turns by how
    they sound (agents.analyze.embeddings.guess_mono_roles, which takes alternate turns as one
    side), where split ASR segments would pair each segment with the wrong side.
    On an outgoing call the client's unheard answer (unheard_answer, split off by the caller) is a
    turn of its own."""
    pieces = [{**piece, "speaker": "unknown", "_voice": voice} for piece, voice, _ in voiced]
    if answer is not None:
        pieces.insert(0, {**answer, "speaker": "unknown", "_voice": "answer"})
    return merge_neighbours(pieces, key="_voice")


def attribute_speakers(segments: Sequence[dict], audio: np.ndarray | None = None,
                       language: str = "en", direction: str = "unknown",
                       track: VoiceTrack | None = None, voice_model: str = "ge2e") -> list[dict]:
    """Mono segments (speaker "unknown") -> segments with speaker agent | client | unknown.
    audio: the recording at 16 kHz (float), as faster-whisper decodes it; or instead `track`,
    the voice track built from it (voice_track, for a call decoded in chunks); voice_model: a
    VOICE_MODELS name."""
    pieces = [{**p, "_source": i} for i, s in enumerate(segments) for p in split_pieces(s)]
    if track is None:
        track = (voice_track(*voice_windows(audio, voice_model), voice_model)
                 if audio is not None and audio.size else None)
    if track is None or not track.two_voices:
        return merge_neighbours([{**p, "speaker": by_wording(p, language)} for p in pieces])
    voiced = [(part | {"_source": p["_source"]}, voice, margin)
              for p in pieces for part, voice, margin in split_by_voice(p, track)]
    answer, rest = unheard_answer(voiced, track, direction)
    # Who spoke first counts only if their own words were heard, not a neighbour's voice lent to them.
    agent = agent_voice(rest, language, direction, first_heard=answer is None and first_word_heard(rest, track),
                        answer_unheard=answer is not None)
    wording = [by_wording(piece, language) for piece, _, _ in rest]
    if agent is None and all(speaker == "unknown" for speaker in wording):
        return voice_runs(answer, rest)
    labelled = [] if answer is None else [{**answer, "speaker": "client"}]  # who answers an outgoing call
    for (piece, voice, margin), worded in zip(rest, wording):
        if agent is None or voice is None or margin < MIN_MARGIN:
            speaker = worded
        else:
            speaker = "agent" if voice == agent else "client"
        labelled.append({**piece, "speaker": speaker})
    return merge_neighbours(labelled)
