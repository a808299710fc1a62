"""Judging one criterion by meaning: example utterances matched by sentence embeddings, plus the
scorecard's regexes where exact wording matters.

A verdict weighs who said it (the criterion's speaker; on mono calls the guessed roles, see
embeddings.guess_mono_roles), when (within_first_s / within_last_s), whether the criterion applies
at all (applies_if regexes or `applies` examples), refusals (`reject_if`: "I can't guarantee" is
no resolution) and, per sentence, the similarity to the nearest positive example, which must reach
the criterion's threshold and beat the nearest negative example. A regex hit is decisive.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from agents.analyze import memo
from agents.analyze.asked_when import left_open
from agents.analyze.embeddings import CallText, Sentence, embed_sentences, nearest
from agents.analyze.opening import opening_unit
from agents.analyze.ordering import acted_before, first_act, opened_before
from agents.analyze.retort import retort
from agents.analyze.transcript import (PLACEHOLDER, Turn, any_rule_regex, rule_search, screen_matches, sentence_at,
                                      word_probabilities, words_beside_values)
from catalog.scorecards import Criterion, Examples

DEFAULT_THRESHOLD = 0.9
DEFAULT_CLASSIFIER_THRESHOLD = 0.5  # a probability, for criteria judged by a classifier
DEFAULT_APPLIES_THRESHOLD = 0.9
MAX_EVIDENCE = 3
# A failure of an `absent` criterion (rudeness, a card read back) found by meaning alone needs a
# sentence the ASR heard well (transcript.heard): misheard speech ("I have issued a refund" heard as
# "I can miss you no reason") must not brand a polite agent rude. A regex hit on exact words counts.
MIN_HEARD_FOR_FAILURE = 0.8
# ...and three words or more: a two-word reply ("Yes, speaking.") sits as close to a short rude
# example ("Yeah, yeah, whatever.") as to anything else in e5's space. Rude words are regex rules.
MIN_WORDS_FOR_FAILURE = 3
# ...and, judged by the nearest example, clearly nearer a forbidden example than any courteous
# one: e5 puts short everyday lines within a few hundredths of everything, and on ASR text polite
# lines ("I'm not able to take that off.", "Oh, don't be embarrassed at all.") beat the nearest
# courteous example by 0.002-0.017 and pass the threshold. A tie is no evidence of rudeness.
MIN_MARGIN_FOR_FAILURE = 0.02
# Good conduct found by meaning alone needs a sentence heard fairly well and of three words or
# more too: a misheard line or a two-word formula lands near some positive example by chance.
MIN_HEARD_FOR_CREDIT = 0.8
MIN_WORDS_FOR_CREDIT = 3
# A sentence of redacted values alone ("<PERSON>, <PERSON>." for "Roadway Car Hire, Dean.") has no
# words to judge: its placeholders sit near every example that holds one, so it counts by rules only.


@dataclass(kw_only=True)
class Assessment:
    """What the engine found for one criterion on one call, before a threshold is applied.
    Built by keyword only: a change in the order of its fields cannot swap two values."""

    applies_score: float  # see applies_score(); compared with the criterion's applies_threshold
    rule_evidence: list[dict] = field(default_factory=list)
    scored: list[tuple[float, Sentence]] = field(default_factory=list)  # best first; beats its negatives
    act: tuple | None = None  # ordering.first_act: the agent's first act the evidence must precede
    declined: list[dict] = field(default_factory=list)  # the agent's words that set the criterion aside
    withdrawn: list[dict] = field(default_factory=list)  # the agent's words that take the evidence back
    no_record: list[dict] = field(default_factory=list)  # words that the caller has no record yet (no_record_if)
    new_record: list[dict] = field(default_factory=list)  # the agent taking details for a new booking (new_record_if)
    left_open: dict | None = None  # the agent's reply that leaves the caller's "when?" open (asked_when.py)
    when_named: tuple = ()  # the criterion's when_named rules: a step that names its when needs no answer

    def dated(self, hits: list[dict]) -> bool:
        """Whether some evidence names a concrete when itself: a later "when?" is then about
        something else ("and what time's the pick-up?") or asks for more than a next step needs."""
        return any(any_alternative_matches(self.when_named, h["quote"]) for h in hits)

    def applicable(self, applies_threshold: float) -> bool:
        return self.applies_score >= applies_threshold

    @property
    def best(self) -> float:
        return self.scored[0][0] if self.scored else -1.0

    def hits(self, threshold: float) -> list[dict]:
        found = list(self.rule_evidence)
        quoted = {(e["segment"], e["quote"]) for e in found}
        for score, s in self.scored:
            if score < threshold or len(found) >= MAX_EVIDENCE:
                break
            if (s.turn.index, s.text) not in quoted:
                found.append(quote_of(s))
        return found[:MAX_EVIDENCE]


def judged_by_meaning(s: Sentence, strict: bool) -> bool:
    """Whether a sentence's meaning may count as evidence: heard well enough and long enough
    (MIN_HEARD_FOR_FAILURE, MIN_WORDS_FOR_FAILURE). A failure always needs both; good conduct
    needs them when judged by meaning alone too ("Tip will skip higher." misheard, or a bare
    "Oh, sorry.", sits near a sympathy example), while exact wording counts through the rules."""
    if s.heard is not None and s.heard < (MIN_HEARD_FOR_FAILURE if strict else MIN_HEARD_FOR_CREDIT):
        return False
    return len(s.text.split()) >= (MIN_WORDS_FOR_FAILURE if strict else MIN_WORDS_FOR_CREDIT)


def quote_of(s: Sentence) -> dict:
    return {"quote": s.text, "segment": s.turn.index, "start": s.turn.start}


def alternative_matches(alternative: tuple[str, ...], text: str) -> list | None:
    """One match per pattern of the alternative, or None when some pattern does not match."""
    found = [rule_search(p, text) for p in alternative]
    return found if all(found) else None


def quote_of_matches(found: list, text: str) -> str:
    """The sentence(s) of the text holding the matches, in order, without duplicates."""
    return " ".join(dict.fromkeys(sentence_at(text, m.start()) for m in found))


def match_quote(alternative: tuple[str, ...], text: str) -> str | None:
    """The sentence(s) where every pattern of the alternative matches, or None."""
    found = alternative_matches(alternative, text)
    return quote_of_matches(found, text) if found else None


def first_quote(rules, text: str, rejects=()) -> str | None:
    """The quote of the first alternative of `rules` that matches `text` (match_quote) and is not
    rejected by `rejects` (a criterion's reject_if), or None. A rejected quote does not hide a
    later one: "I'll have a replacement sent out tomorrow. I've put a note on the order." keeps the
    first sentence, though a hedge pattern rejects the second."""
    if not screen_matches(any_rule_regex(rules), text):
        return None  # no pattern matches, so no alternative does
    return next((q for alt in rules
                 if (q := match_quote(alt, text)) and not (rejects and any_alternative_matches(rejects, q))), None)


# Whisper turns a name or a word it barely caught into a swear word or a curt phrase ("Is that
# Shelley ...?" as "Is that shitty ...?" at 0.78, "Beth's come down" as "Beth's calm down" at 0.54,
# "Sharon speaking" as "Shut up speaking" at 0.15), while the content words of real rude phrases
# mostly get 0.9 and more (calibrate audio, session 17):
# a short rude match is evidence only when each of its words was heard at least this surely.
CLEAR_WORD_PROBABILITY = 0.8
SHORT_MATCH_WORDS = 2


def clearly_heard_quote(rules, turn: Turn, rejects=()) -> str | None:
    """first_quote of the turn, skipping an alternative with a match of one to SHORT_MATCH_WORDS
    words that the ASR gave a word of below CLEAR_WORD_PROBABILITY (a longer phrase does not come
    out of one misheard word). A match of redacted values alone (a card number read back) is the
    redactor's finding and always counts."""
    if not screen_matches(any_rule_regex(rules), turn.text):
        return None  # no pattern matches, so no alternative does
    for alternative in rules:
        found = alternative_matches(alternative, turn.text)
        if not found:
            continue
        quote = quote_of_matches(found, turn.text)
        if rejects and any_alternative_matches(rejects, quote):
            continue
        if any(0 < len(words_beside_values(m.group())) <= SHORT_MATCH_WORDS
               and min(word_probabilities(turn, m.start(), m.end()) or [1.0]) < CLEAR_WORD_PROBABILITY for m in found):
            continue
        return quote
    return None


def any_alternative_matches(rules, text: str) -> bool:
    """Whether some alternative of `rules` (a criterion's rules, reject_if, when_named...) matches
    `text` (match_quote); False for no rules."""
    return bool(rules) and screen_matches(any_rule_regex(rules), text) and any(match_quote(alt, text) for alt in rules)


def rule_evidence(rules, candidates: list[Turn], rejects=(), clearly_heard: bool = False) -> list[dict]:
    """The turns where a rule matches, as quotes. With `clearly_heard` (a failure of an `absent`
    criterion), a match of one or two words counts only when the ASR was sure of each of them."""
    # Memoised per turn text (memo.py); a search that timed out is remembered as it came out.
    evidence = []
    rules, rejects = tuple(rules), tuple(rejects)
    if not rules:
        return evidence
    quotes = memo.table("quote", (rules, rejects))
    for turn in candidates:
        quote = quotes.get(turn.text, _UNSEEN)
        if clearly_heard and turn.words and quote is not None:
            # matched once, here: first_quote's alternatives less those the ASR was unsure of
            quote = clearly_heard_quote(rules, turn, rejects)
        elif quote is _UNSEEN:
            quote = memo.remember(quotes, turn.text, first_quote(rules, turn.text, rejects))
        if quote:
            evidence.append({"quote": quote, "segment": turn.index, "start": turn.start})
            if len(evidence) == MAX_EVIDENCE:
                break
    return evidence


_UNSEEN = object()


def opening_evidence(rules, call: CallText, candidates, rejects=()) -> list[dict]:
    """Evidence from the agent's opening turn read as one phrase (opening.py): one quote of the
    opening as said, when some alternative of `rules` matches it read whole and `rejects` does not
    reject it."""
    unit = opening_unit(call.turns, call.roles, candidates)
    if unit is None:
        return []
    turn, said = unit
    found = rule_evidence(rules, [turn], rejects)
    return [{"quote": said, "segment": turn.index, "start": turn.start}] if found else []


def in_window(criterion: Criterion, call_turns: list[Turn], within: list[Turn] | None = None) -> list[Turn]:
    """Turns in the criterion's time window. A window at the end covers the second half at most:
    on a call shorter than it, the opening's "Thanks for calling" is no closing."""
    call_end = max((t.end for t in call_turns), default=0.0)
    last_from = None if criterion.within_last_s is None else max(call_end - criterion.within_last_s, call_end / 2)
    return [t for t in (call_turns if within is None else within)
            if (criterion.within_first_s is None or t.start < criterion.within_first_s)
            and (last_from is None or t.end > last_from)]


def applies_score(criterion: Criterion, call: CallText, language: str, examples: Examples | None) -> float:
    """1.0 when the criterion applies for sure (no precondition, or an applies_if regex matched),
    else the similarity of the closest sentence to the `applies` examples (-1.0: none). Those
    examples are what the other side says (the client voices a worry, names an account), so an
    agent's criterion compares them with the client's sentences (and unattributed ones) only: the
    agent's own "I can see two payments" does not make empathy applicable."""
    condition = criterion.applies_if.get(language) or ()
    wanted = examples.applies if examples else ()
    if not condition and not wanted:
        return 1.0
    if condition and rule_evidence(condition, call.turns):
        return 1.0
    said = call.of_role("client") if criterion.speaker == "agent" else call.sentences
    if wanted and said and uses_applies_classifier(criterion, language):
        probability = applies_classifier_of(examples).probability(call.vectors)
        return round(max(float(probability[s.position]) for s in said), 6)
    if wanted and said:
        similarity = call.similarity(wanted)
        return round(max(float(similarity[s.position]) for s in said), 6)
    return -1.0


_per_scorecard: dict[tuple, tuple] = {}  # (ids of the parts, language) -> (the parts, the result)


def _once(parts: tuple, language: str, compute):
    """compute() once per (parts, language): the parts belong to frozen scorecards, so the result
    holds for every call they judge (the parts are kept, so their ids are not reused)."""
    key = (*map(id, parts), language)
    seen = _per_scorecard.get(key)
    if seen is None or any(a is not b for a, b in zip(seen[0], parts)):
        if len(_per_scorecard) > 4096:
            _per_scorecard.clear()
        seen = _per_scorecard[key] = (parts, compute())
    return seen[1]


def contrast(criterion: Criterion, scorecard_criteria, language: str) -> tuple[str, ...]:
    """Implicit negatives: what the scorecard's other criteria and ordinary call talk sound like,
    so a sentence counts for the criterion it is nearest to (a goodbye is closing, not empathy)."""
    from agents.analyze.exemplars import BACKGROUND

    def compute() -> tuple[str, ...]:
        others = (c.examples[language].positive for c in scorecard_criteria
                  if c.id != criterion.id and language in c.examples)
        return tuple(dict.fromkeys(text for group in others for text in group)) + BACKGROUND
    return _once((criterion, scorecard_criteria), language, compute)


def negatives_of(examples: Examples, implicit_negatives: tuple[str, ...]) -> tuple[str, ...]:
    """The criterion's negative examples and the implicit ones, without duplicates."""
    return _once((examples, implicit_negatives), "",
                 lambda: tuple(dict.fromkeys(examples.negative + implicit_negatives)))


def uses_classifier(criterion: Criterion, language: str) -> bool:
    examples = criterion.examples.get(language)
    return language in criterion.classifier and examples is not None and bool(examples.positive or examples.train_positive)


def default_threshold(criterion: Criterion, language: str) -> float:
    return DEFAULT_CLASSIFIER_THRESHOLD if uses_classifier(criterion, language) else DEFAULT_THRESHOLD


def uses_applies_classifier(criterion: Criterion, language: str) -> bool:
    examples = criterion.examples.get(language)
    return language in criterion.applies_classifier and examples is not None and bool(examples.applies)


def default_applies_threshold(criterion: Criterion, language: str) -> float:
    return DEFAULT_CLASSIFIER_THRESHOLD if uses_applies_classifier(criterion, language) else DEFAULT_APPLIES_THRESHOLD


def applies_classifier_of(examples: Examples):
    """The criterion's applicability classifier, fitted once per scorecard: its `applies` examples
    and train_applies lines against its train_not_applies lines and ordinary call talk. The
    nearest `applies` example does not tell "my boiler's broken and I'm freezing" from "I'd like
    to move my appointment" (both are close to any client line); a linear boundary can."""
    from agents.analyze.exemplars import BACKGROUND
    return _once((examples,), "applies_classifier", lambda: _fitted(
        examples.applies + examples.train_applies, examples.train_not_applies + BACKGROUND))


def classifier_of(examples: Examples, implicit_negatives: tuple[str, ...]):
    """The criterion's logistic regression (agents/analyze/classifier.py), fitted once per scorecard:
    its positives and training positives against its negatives, training negatives and the
    implicit negatives."""
    return _once((examples, implicit_negatives), "classifier", lambda: _fitted(
        examples.positive + examples.train_positive, examples.negative + examples.train_negative + implicit_negatives))


def _fitted(positive: tuple[str, ...], negative: tuple[str, ...]):
    """A logistic regression of the positive lines against the negative ones, each line once and
    a line in both counted as positive (the order of the lines is kept: the fit is deterministic)."""
    from agents.analyze.classifier import fit_logistic
    from agents.analyze.embeddings import embed_examples
    positive = tuple(dict.fromkeys(positive))
    taken = set(positive)
    negative = tuple(t for t in dict.fromkeys(negative) if t not in taken)
    return fit_logistic(embed_examples(positive), embed_examples(negative))


def meaning_scores(criterion: Criterion, call: CallText, language: str, examples: Examples,
                   implicit_negatives: tuple[str, ...], margin: float = 0.0, without_values: bool = False,
                   judged: set[int] | None = None):
    """Per call sentence: its score for the criterion and whether it may count (it beats the
    nearest negative example by more than `margin`; with a classifier every sentence may, the
    threshold decides). With `without_values` (a failure), a sentence holding redacted values counts
    only when it counts both as said and on its words alone (words_only): the placeholder must not
    make it rude, and taking the value out must not either ("a reference that starts with <PERSON>"
    cut to "...that starts with" sounds curt). `judged`: the positions whose scores will be read
    (None: all); only those are cut to their words."""
    if without_values:  # it must count both as said and on its words alone
        words = words_only(call, judged)
        if words[0] is not call.texts:
            as_said = meaning_scores(criterion, call, language, examples, implicit_negatives, margin)
            on_words = _meaning_scores_of(criterion, *words, language, examples, implicit_negatives, margin)
            return np.minimum(as_said[0], on_words[0]), as_said[1] & on_words[1]
    return _meaning_scores_of(criterion, call.texts, call.vectors, language, examples, implicit_negatives, margin)


def _meaning_scores_of(criterion, texts, vectors, language, examples, implicit_negatives, margin):
    if uses_classifier(criterion, language):
        score = classifier_of(examples, implicit_negatives).probability(vectors)
        return score, np.ones(len(score), dtype=bool)
    positive = nearest(texts, vectors, examples.positive)
    return positive, positive > nearest(texts, vectors, negatives_of(examples, implicit_negatives)) + margin


# What is left of a sentence once its redacted values are taken out: the commas and spaces that
# stood beside a value ("<EMAIL_ADDRESS>, that's sent now." -> "that's sent now.").
_VALUE_WITH_SEPARATORS = re.compile(r"[,;:]?\s*<[A-Z_]+>(?:\s*[,;:])?")


def without_placeholders(text: str) -> str:
    """The sentence without its redacted values, kept a sentence: "<PERSON>, you've been very
    patient." -> "you've been very patient."; "Thanks, <PERSON>, bye." -> "Thanks bye."."""
    stripped = re.sub(r"\s{2,}", " ", _VALUE_WITH_SEPARATORS.sub(" ", text)).strip()
    stripped = re.sub(r"\s+([.?!…])", r"\1", stripped)
    return stripped if words_beside_values(stripped) else text


def words_only(call: CallText, positions: set[int] | None = None) -> tuple[list[str], np.ndarray]:
    """The call's sentences and vectors with each sentence that holds a redacted value embedded
    without it. A placeholder is a token e5 never saw in ordinary speech: in a short sentence it
    can carry the vector away from what the words say ("<EMAIL_ADDRESS>, that's sent now." sat
    nearer a rude example than any courteous one). A failure by meaning is judged on the words.
    With `positions`, only those sentences are cut (the candidates a criterion judges; the caller's
    lines need no new vector); the others, and the shape, stay as in the call."""
    texts = [without_placeholders(t) if PLACEHOLDER.search(t) and (positions is None or i in positions) else t
             for i, t in enumerate(call.texts)]
    changed = [i for i, (new, old) in enumerate(zip(texts, call.texts)) if new != old]
    if not changed:
        return call.texts, call.vectors
    vectors = np.array(call.vectors, copy=True)
    vectors[changed] = embed_sentences([texts[i] for i in changed])
    return texts, vectors


def rejections(criterion: Criterion, scorecard_criteria, language: str) -> tuple:
    """What disqualifies a sentence as the criterion's evidence: its own reject_if and the rules of
    the criteria it is `rejected_by` (what the scorecard forbids is never evidence of good conduct)."""
    def compute() -> tuple:
        forbidding = (c.rules.get(language) or () for c in scorecard_criteria
                      if c.id in criterion.rejected_by and c.expect == "absent")
        return tuple(criterion.reject_if.get(language) or ()) + tuple(r for rules in forbidding for r in rules)
    if not criterion.rejected_by:
        return tuple(criterion.reject_if.get(language) or ())
    return _once((criterion, scorecard_criteria), f"rejections:{language}", compute)


def assess(criterion: Criterion, call: CallText, language: str, implicit_negatives: tuple[str, ...] = (),
           rejects: tuple | None = None) -> Assessment:
    examples = criterion.examples.get(language)
    strict = criterion.expect == "absent"  # a failure needs a speaker we know (or guessed) said it
    candidates = call.of_role(criterion.speaker, strict=strict)
    window = {t.index for t in in_window(criterion, call.turns)}
    candidates = [s for s in candidates if s.turn.index in window and s.turn.start >= _responds_from(criterion, call)]
    turn_ids = {s.turn.index for s in candidates}
    rejects = tuple(criterion.reject_if.get(language) or ()) if rejects is None else rejects
    # A refusal or a hedge disqualifies a sentence whether its wording or its meaning matched:
    # "I've sent it to the team, someone might look at it at some point" is no resolution.
    found = rule_evidence(criterion.rules.get(language) or (), [t for t in call.turns if t.index in turn_ids], rejects,
                          clearly_heard=strict)
    if strict and language in criterion.reproach:
        found += reproach_evidence(candidates, found, rejects, language)
        found += retort_evidence(candidates, found, rejects, call)
    if not found and language in criterion.opening_turn:  # the opening's sentences read as one (opening.py)
        found = opening_evidence(criterion.rules.get(language) or (), call, turn_ids, rejects)
    scored: list[tuple[float, Sentence]] = []
    by_meaning = not (strict and language in criterion.wording_only)
    if by_meaning and examples and (examples.positive or uses_classifier(criterion, language)) and candidates:
        margin = criterion.margin_for(language, MIN_MARGIN_FOR_FAILURE if strict else 0.0)
        needs = tuple(criterion.meaning_needs.get(language) or ())
        score, may_count = meaning_scores(criterion, call, language, examples, implicit_negatives, margin,
                                          without_values=strict, judged={s.position for s in candidates})
        for s in candidates:
            if not words_beside_values(s.text):
                continue
            if not judged_by_meaning(s, strict):
                continue
            if language in criterion.answered and not answered_with_value(s, call):
                continue
            if needs and not memo.per_text("any_alternative_matches", needs, s.full_text, any_alternative_matches):
                continue  # the meaning without the words that carry it (a plain restatement): no evidence
            if may_count[s.position] and not (rejects and memo.per_text("any_alternative_matches", rejects, s.full_text,
                                                                        any_alternative_matches)):
                scored.append((round(float(score[s.position]), 6), s))
    scored.sort(key=lambda item: (-item[0], item[1].position))  # deterministic order on ties
    if criterion.must_precede.get(language):  # a check guarding the record: the caller must know the answer
        found = [e for e in found if not caller_did_not_know(e["segment"], call)]
        scored = [(score, s) for score, s in scored if not caller_did_not_know(s.turn.index, call)]
    act = first_act(criterion.must_precede.get(language) or (), call)
    declined = rule_evidence(criterion.declined_if.get(language) or (), [t for t in call.turns if t.index in turn_ids])
    agent_turns = [t for t in call.turns if t.index in turn_ids]
    withdrawn = rule_evidence(criterion.withdrawn_if.get(language) or (), agent_turns[::-1])  # the last first
    # either side may say it, so a mono call's role guess does not matter here
    no_record = rule_evidence(criterion.no_record_if.get(language) or (), call.turns)
    new_record = rule_evidence(criterion.new_record_if.get(language) or (), agent_turns)
    return Assessment(applies_score=applies_score(criterion, call, language, examples), rule_evidence=found,
                      scored=scored, act=act, declined=declined, withdrawn=withdrawn, no_record=no_record,
                      new_record=new_record,
                      left_open=when_left_open(criterion, call, language),
                      when_named=tuple(criterion.when_named.get(language) or ()))


def reproach_evidence(candidates: list[Sentence], found: list[dict], rejects: tuple, language: str) -> list[dict]:
    """The agent's sentences that reproach the caller by their structure (reproach.py, reproach_ru.py),
    heard well and long enough to judge (a misheard line must not brand an agent rude), one per turn,
    in turns the rules have not quoted already. Russian sentences not seen before are parsed in one
    batch per call."""
    quoted = {e["segment"] for e in found}
    judged = [s for s in candidates if s.turn.index not in quoted and words_beside_values(s.text)
              and judged_by_meaning(s, True)]
    if language == "ru":
        from agents.analyze.reproach_ru import reproaches as parse_for_reproach
    else:
        from agents.analyze.reproach import reproach

        def parse_for_reproach(texts: list[str]) -> list[str | None]:
            return [reproach(text) for text in texts]
    known = memo.table("reproach", language)
    new = list(dict.fromkeys(s.text for s in judged if s.text not in known))
    for text, why in zip(new, parse_for_reproach(new) if new else ()):
        memo.remember(known, text, why)
    evidence = []
    for s in judged:
        if s.turn.index in quoted:
            continue
        if known.get(s.text) and not (rejects and memo.per_text("any_alternative_matches", rejects, s.full_text,
                                                                any_alternative_matches)):
            evidence.append(quote_of(s))
            quoted.add(s.turn.index)
    return evidence[:MAX_EVIDENCE]


def caller_turn_before(turn_index: int, call: CallText) -> str:
    """The text of the last turn before `turn_index` that is not the agent's ("" when none): what
    the agent's reply answers."""
    before = [t for t in call.turns if t.index < turn_index and call.roles[t.index] != "agent"]
    return before[-1].text if before else ""


def caller_turns_earlier(turn_index: int, call: CallText) -> str:
    """The caller's turns before the one the agent's reply at `turn_index` answers, joined: what the
    caller said of their situation so far."""
    before = [t.text for t in call.turns if t.index < turn_index and call.roles[t.index] != "agent"]
    return " ".join(before[:-1])


def caller_turn_after(turn_index: int, call: CallText) -> str:
    """The text of the first turn after `turn_index` that is not the agent's ("" when none): how the
    caller took the agent's reply."""
    after = [t for t in call.turns if t.index > turn_index and call.roles[t.index] != "agent"]
    return after[0].text if after else ""


def heard_as_a_reply(s: Sentence) -> bool:
    """Whether a reply's shape may count against the agent: heard well (MIN_HEARD_FOR_FAILURE) and of
    MIN_WORDS_FOR_FAILURE words or more; a two-word reply ("Alright, alright.") only when every word
    was heard surely, as a short rule match (clearly_heard_quote): the words are the evidence."""
    words = len(s.text.split())
    if words < 2 or (s.heard is not None and s.heard < MIN_HEARD_FOR_FAILURE):
        return False
    return words >= MIN_WORDS_FOR_FAILURE or s.heard is None or s.heard == 1.0


def retort_evidence(candidates: list[Sentence], found: list[dict], rejects: tuple, call: CallText) -> list[dict]:
    """The agent's sentences that are rude as the reply to the caller's turn before them (retort.py),
    heard well and long enough to judge (a misheard line must not brand an agent rude), one per turn,
    in turns not quoted already."""
    quoted = {e["segment"] for e in found}
    evidence = []
    for s in candidates:
        if s.turn.index in quoted or not words_beside_values(s.text) or not heard_as_a_reply(s):
            continue
        if retort(caller_turn_before(s.turn.index, call), s.full_text, s.turn.text,
                  caller_turn_after(s.turn.index, call), caller_turns_earlier(s.turn.index, call)) and not (
                rejects and memo.per_text("any_alternative_matches", rejects, s.full_text, any_alternative_matches)):
            evidence.append(quote_of(s))
            quoted.add(s.turn.index)
    return evidence[:MAX_EVIDENCE]


def when_left_open(criterion: Criterion, call: CallText, language: str) -> dict | None:
    """The agent's reply leaving the caller's last "when?" open (asked_when.left_open), for a
    criterion that sets `when_asked`; None otherwise."""
    asks = tuple(criterion.when_asked.get(language) or ())
    if not asks:
        return None
    named = tuple(criterion.when_named.get(language) or ())
    vague = tuple(criterion.when_vague.get(language) or ())
    hedges = tuple(criterion.withdrawn_if.get(language) or ())
    return left_open(call.turns, call.roles, language, lambda text: any_alternative_matches(asks, text),
                     lambda text: any_alternative_matches(named, text), lambda text: any_alternative_matches(vague, text),
                     lambda text: any_alternative_matches(hedges, text))


def _responds_from(criterion: Criterion, call: CallText) -> float:
    """The start of the caller's first turn for a criterion that answers the caller (after_client),
    else no limit; with no known caller turn, no limit either (roles unknown on a mono call)."""
    if not criterion.after_client:
        return float("-inf")
    client = [s.turn for s in call.sentences if call.roles[s.turn.index] == "client"]
    return min((t.start for t in client), default=float("-inf"))


# What an answer with details looks like after redaction: "<PERSON>, <DATE_TIME>", "<DIGIT_RUN>", "12th of April".
VALUE_SAID = re.compile(r"<[A-Z_]+>|\d")


# The caller cannot give the detail asked for ("Ой, а я не знаю.", "No idea, my husband set it up."):
# the check was asked but not passed, so it is no evidence that the agent knows who is calling.
DID_NOT_KNOW = re.compile(r"\b(I )?(don[’']?t|do not|dunno) know\b|\bno idea\b|\bnot sure\b|\bcan[’']?t remember\b"
                          r"|\bне (знаю|помню|в курсе)\b|без понятия|понятия не имею", re.IGNORECASE)
FIRST_SENTENCE = re.compile(r"^.*?(?:[.?!…]+(?=\s)|$)", re.DOTALL)


def caller_did_not_know(turn_index: int, call: CallText) -> bool:
    """Whether the caller's next turn after `turn_index` opens with not knowing the answer and gives
    no value in that sentence (a value after "not sure, maybe <DATE_TIME>" is still an answer)."""
    later = [t for t in call.turns if t.index > turn_index and call.roles[t.index] != "agent"]
    if not later:
        return False
    opening = FIRST_SENTENCE.match(later[0].text.strip()).group(0)
    return bool(DID_NOT_KNOW.search(opening)) and not VALUE_SAID.search(opening)


def answered_with_value(s: Sentence, call: CallText) -> bool:
    """Whether the first turn after the sentence's that is not the agent's holds a value: a redacted
    placeholder or digits, which is how a caller's name, date or number reaches the engine."""
    later = [t for t in call.turns if t.index > s.turn.index and call.roles[t.index] != "agent"]
    return bool(later) and bool(VALUE_SAID.search(later[0].text))



def warm_up(scorecard_criteria, language: str) -> None:
    """Embed a scorecard's examples for a language now rather than during the first call, and
    the engine's own: the summary's and the mono role guess's (~100 texts, ~2 CPU-s once)."""
    from agents.analyze.embeddings import embed_examples
    from agents.analyze.exemplars import BACKGROUND, style_examples
    from agents.analyze.summary import EXAMPLE_SETS

    for group in (BACKGROUND, *style_examples(), *EXAMPLE_SETS):
        embed_examples(group)
    for criterion in scorecard_criteria:
        examples = criterion.examples.get(language)
        if examples:
            for group in (examples.positive, examples.applies,
                          tuple(dict.fromkeys(examples.negative + contrast(criterion, scorecard_criteria, language)))):
                embed_examples(group)
            if uses_classifier(criterion, language):
                classifier_of(examples, contrast(criterion, scorecard_criteria, language))
            if uses_applies_classifier(criterion, language):
                applies_classifier_of(examples)


def text_for(criterion: Criterion, call: CallText, clauses: CallText) -> CallText:
    """The call as a criterion reads it: what must be present may be found in one clause of a
    run-on sentence (CallText.in_clauses); a failure of an `absent` criterion is judged on whole
    sentences, since a clause cut from one ("Нет, ничего не нужно") sounds curter than it was said."""
    return call if criterion.expect == "absent" else clauses


def verdict_of(criterion: Criterion, assessment: Assessment, threshold: float, call: CallText,
               applies_threshold: float) -> dict:
    where = _window_text(criterion)
    # The agent disclosing or changing the record (must_precede) makes the check due, whatever the
    # caller said: on an outgoing call the agent may open the record before the caller says a word,
    # and "Вижу заявку, её отклонили" makes a missed check a failure, not na.
    if not assessment.applicable(applies_threshold) and assessment.act is None:
        return _verdict(criterion, "na", "not applicable: the topic did not come up", [])
    hits = assessment.hits(threshold)
    closest = f" (closest {assessment.best:.2f} < {threshold:.2f})" if assessment.scored else ""
    if criterion.expect == "present":
        if hits and (late := acted_before(assessment.act, hits, call)):
            return _verdict(criterion, "not_met", "found only after the agent disclosed or acted on the details", [late])
        if hits and (taken_back := withdrawn_after(assessment.withdrawn, hits)):
            return _verdict(criterion, "not_met", "found, then taken back by the agent", [taken_back])
        if hits and assessment.left_open and not assessment.dated(hits) and (
                reply := withdrawn_after([assessment.left_open], hits)):
            return _verdict(criterion, "not_met", "found, but the caller's question of when was left open", [reply])
        if hits:
            return _verdict(criterion, "met", f"found{where}", hits)
        if assessment.declined and assessment.act is None:  # nothing opened, so nothing to check
            return _verdict(criterion, "na", "not applicable: the agent declined to go into the record", assessment.declined)
        if assessment.no_record and assessment.act is None:  # a first-time caller: no record to guard
            return _verdict(criterion, "na", "not applicable: the caller has no record yet", assessment.no_record)
        if assessment.new_record and not opened_before(assessment.act, assessment.new_record, call):
            # details taken for a new booking: what the agent does after them is done to the new one
            # ("Записываю на четверг. Как вас зовут и телефон?", then the studio's address read out)
            return _verdict(criterion, "na", "not applicable: details taken for a new booking", assessment.new_record)
        return _verdict(criterion, "not_met", f"not found{where}{closest}", [])
    if not hits:
        return _verdict(criterion, "met", f"nothing forbidden{where}", [])
    if call.mono and not call.roles_guessed:
        return _verdict(criterion, "na", "forbidden talk on a mono call: speaker unknown, review manually", hits)
    guessed = " (speaker guessed on a mono call)" if call.roles_guessed else ""
    return _verdict(criterion, "not_met", f"forbidden talk{where}{guessed}", hits)


def judge(criterion: Criterion, call: CallText, language: str, scorecard_criteria=()) -> dict:
    if not criterion.rules.get(language) and language not in criterion.examples:
        return _verdict(criterion, "na", f"no rules or examples for language {language!r}", [])
    threshold = criterion.threshold_for(language, default_threshold(criterion, language))
    applies_threshold = criterion.applies_threshold_for(language, default_applies_threshold(criterion, language))
    negatives = contrast(criterion, scorecard_criteria, language) if language in criterion.examples else ()
    rejects = rejections(criterion, scorecard_criteria, language)
    return verdict_of(criterion, assess(criterion, call, language, negatives, rejects), threshold, call, applies_threshold)


def withdrawn_after(withdrawn: list[dict], hits: list[dict]) -> dict | None:
    """The agent's last words taking the evidence back ("I can't say when") when they come at or
    after every piece of evidence: the caller is left with that, not with the step before it."""
    last = max(withdrawn, key=lambda w: w["segment"], default=None)
    return last if last and last["segment"] >= max(h["segment"] for h in hits) else None


def _verdict(criterion: Criterion, verdict: str, rationale: str, evidence: list[dict]) -> dict:
    return {"id": criterion.id, "verdict": verdict, "rationale": rationale, "evidence": evidence}


def _window_text(criterion: Criterion) -> str:
    if criterion.within_first_s:
        return f" in the first {criterion.within_first_s:g}s"
    if criterion.within_last_s:
        return f" in the last {criterion.within_last_s:g}s"
    return ""
