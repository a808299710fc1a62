"""Versioned scorecards: criteria with their weights, rules, examples and thresholds. A new
version is a new contract, so scores from different versions are never mixed silently
(catalog.versions records what each version meant)."""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalog.pattern_safety import backtracking_risk, sre, sre_parse

RuleSet = dict[str, tuple[tuple[str, ...], ...]]  # language -> alternatives (all regexes of one must match)

# `(?P>name)`: a named piece of regex shared by several rules (PCRE's call of a named group, which
# Python's re does not have, so an unexpanded one fails to compile instead of matching wrongly).
PATTERN_PIECE = re.compile(r"\(\?P>(\w+)\)")


def _one_group(piece: str) -> bool:
    """`(a|b)`: a piece that is one group, so it means the same wherever it is put."""
    try:
        parsed = sre_parse.parse(piece)
    except re.error:
        return False
    return len(parsed) == 1 and parsed[0][0] == sre.SUBPATTERN


def with_pattern_pieces(value: object, pieces: dict[str, str]) -> object:
    """`value` (a scorecards mapping as read from YAML) with every `(?P>name)` in its strings
    replaced by the named piece, as written (so a scorecard's digest does not depend on whether a
    piece is shared); an unknown name or a piece that is not one group is an error."""
    if isinstance(value, str):
        def piece(match: re.Match) -> str:
            name = match.group(1)
            if name not in pieces:
                raise ValueError(f"pattern {value!r}: no pattern_pieces entry {name!r}")
            if not _one_group(pieces[name]):
                raise ValueError(f"pattern_pieces.{name} must be one regex group, e.g. (a|b)")
            return pieces[name]
        return PATTERN_PIECE.sub(piece, value)
    if isinstance(value, dict):
        return {key: with_pattern_pieces(item, pieces) for key, item in value.items()}
    if isinstance(value, list):
        return [with_pattern_pieces(item, pieces) for item in value]
    return value


class FrozenModel(BaseModel):
    """Catalog models are values: immutable, and unknown keys in the YAML are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _normalise_rules(value: object) -> RuleSet:
    """`{en: ["phrase", ["both", "of these"]]}` -> `{en: (("phrase",), ("both", "of these"))}`."""
    if not isinstance(value, dict):
        raise ValueError("rules must map a language code to a list of patterns")
    out: RuleSet = {}
    for language, alternatives in value.items():
        if not isinstance(alternatives, list):
            raise ValueError(f"rules.{language} must be a list")
        groups = tuple(tuple(alt) if isinstance(alt, list) else (alt,) for alt in alternatives)
        for pattern in (p for group in groups for p in group):
            if not isinstance(pattern, str) or not pattern.strip():
                raise ValueError(f"rules.{language}: every pattern must be a non-empty string")
            try:
                re.compile(pattern)
                risk = backtracking_risk(pattern)
            except re.error as exc:
                raise ValueError(f"rules.{language}: bad regex {pattern!r}: {exc}") from exc
            if risk:
                raise ValueError(f"rules.{language}: pattern \"{pattern}\" can take minutes on a long turn "
                                 f"({risk}); make each repeat unambiguous, e.g. \\w+( \\w+)* "
                                 f"instead of (\\w+ ?)+")
        out[str(language)] = groups
    return out


class Examples(FrozenModel):
    """Example utterances of one language for the semantic engine (agents/analyze/semantic.py):
    positive = what the criterion looks for (for `expect: absent`, the forbidden kind of talk);
    negative = near misses that must not count (a question instead of a commitment, a refusal);
    applies = talk that makes the criterion applicable (none of it -> verdict "na");
    train_positive / train_negative = more labelled lines for a criterion judged by a classifier
    (Criterion.classifier), used only to fit it: they are no examples for the nearest-example test
    and no implicit negatives of the other criteria;
    train_applies / train_not_applies = more lines to fit the applicability classifier
    (Criterion.applies_classifier): talk that makes the criterion applicable and talk that does not."""

    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    applies: tuple[str, ...] = ()
    train_positive: tuple[str, ...] = ()
    train_negative: tuple[str, ...] = ()
    train_applies: tuple[str, ...] = ()
    train_not_applies: tuple[str, ...] = ()


# Languages whose sentences can be parsed for reproach: English by agents/analyze/reproach.py
# (spaCy's English model), Russian by agents/analyze/reproach_ru.py (natasha).
REPROACH_LANGUAGES = frozenset({"en", "ru"})


class Criterion(FrozenModel):
    """One scorecard item. Rules are regexes (plain phrases work as-is), matched case-insensitively
    on whole words; an alternative that is a list needs all its patterns in the same turn. Examples
    add judgement by meaning: a sentence whose cosine similarity to the nearest positive example
    reaches `threshold` (and beats the nearest negative) counts like a rule match. `reject_if`
    regexes disqualify a sentence as positive evidence (refusals: "I can't guarantee")."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    description: str = ""  # what the LLM engine is told; the label when empty
    weight: float = Field(gt=0)
    critical: bool = False
    compliance: bool = False
    advice: str = ""
    expect: Literal["present", "absent"] = "present"  # absent: a match is a failure (rude words)
    speaker: Literal["agent", "client", "any"] = "agent"
    within_first_s: float | None = Field(default=None, gt=0)
    within_last_s: float | None = Field(default=None, gt=0)
    rules: RuleSet = Field(default_factory=dict)
    applies_if: RuleSet = Field(default_factory=dict)  # any turn; no match -> verdict na
    reject_if: RuleSet = Field(default_factory=dict)  # a sentence matching one is never positive evidence
    # What acting on or disclosing the details sounds like: the first evidence must come before the
    # agent's first such sentence, else not_met with it quoted (verification; agents/analyze/ordering.py).
    must_precede: RuleSet = Field(default_factory=dict)
    # The agent's words that set the criterion aside ("as you're not the account holder I can't go
    # into it"): with no evidence and nothing disclosed or changed (must_precede), the verdict is na.
    declined_if: RuleSet = Field(default_factory=dict)
    # Words, by either side, that the caller has no record with the company yet ("I've never used
    # you before", "I'm not a customer of yours", "we can't find anything under that name"): with no
    # evidence and nothing disclosed or changed (must_precede), there was nothing to guard: na.
    no_record_if: RuleSet = Field(default_factory=dict)
    # The agent taking details to make a new booking or form ("Имя и телефон для записи"): a check
    # of no record; unless the agent acted on or disclosed a record before them (must_precede), what
    # it does after is done to the new one, so with no evidence there was nothing to guard: na.
    new_record_if: RuleSet = Field(default_factory=dict)
    # What taking the evidence back sounds like ("I can't say when, it depends on the lab"): said by
    # the agent after the last evidence, it leaves the caller without the step (present criteria).
    withdrawn_if: RuleSet = Field(default_factory=dict)
    # The caller asking when the step happens ("When will I hear?"), and what the agent's reply must
    # then hold: a concrete when (`when_named`, or a plain yes to the caller's own "tomorrow?") and
    # no vague one (`when_vague`: "as soon as they can"). A reply without one, at or after the last
    # evidence, leaves the caller not knowing when (agents/analyze/asked_when.py).
    when_asked: RuleSet = Field(default_factory=dict)
    when_named: RuleSet = Field(default_factory=dict)
    when_vague: RuleSet = Field(default_factory=dict)
    # What a sentence found by meaning alone must also say in words (any alternative matching it):
    # for empathy a word of feeling, sympathy or apology. e5 puts a plain restatement of the
    # caller's situation ("So the boiler stopped on Monday.") or an explanation of it near a
    # sympathy example, though it acknowledges nothing (h-emp21). No patterns: no such condition.
    meaning_needs: RuleSet = Field(default_factory=dict)
    # Ids of `absent` criteria whose rules also disqualify a sentence here: blaming or talking down
    # to the caller is no sympathy, however near it sounds ("rejected_by: [no_rude_language]").
    rejected_by: tuple[str, ...] = ()
    # Languages in which a sentence found by meaning alone counts only when the caller's next turn
    # holds a value (a redacted placeholder or digits): a check is asked and answered, and a remark
    # that merely sounds like one ("I'll note it on the job") gets no details back.
    answered: tuple[str, ...] = ()
    examples: dict[str, Examples] = Field(default_factory=dict)  # language -> example utterances
    # Cosine threshold: one number, or per language ({en: 0.9, ru: 0.88}); calibrated by bench/qa_eval/calibrate.py.
    threshold: float | dict[str, float] | None = None
    applies_threshold: float | dict[str, float] | None = None
    # By how much a sentence judged by similarity must beat its nearest negative example (one
    # number or per language): e5 puts procedure ("I've moved that for you.") within a hundredth
    # of a sympathy example, so a tie is no evidence. None: the engine's default.
    margin: float | dict[str, float] | None = None
    # Languages whose sentences are judged by a logistic regression over embeddings fitted on the
    # examples and training lines (agents/analyze/classifier.py); `threshold` is then a probability.
    classifier: tuple[str, ...] = ()
    # Languages whose applicability is judged by a logistic regression fitted on the `applies`
    # examples and train_applies / train_not_applies lines; `applies_threshold` is then a probability.
    applies_classifier: tuple[str, ...] = ()
    # A response to the caller (empathy) counts only after the caller first spoke: the agent's
    # opening, however it was heard, acknowledges nothing yet.
    after_client: bool = False
    # Languages in which the agent's sentences are also judged by their grammar for reproach of the
    # caller (an `absent` criterion: agents/analyze/reproach.py, reproach_ru.py), whatever their wording.
    reproach: tuple[str, ...] = ()
    # Languages in which an `absent` criterion fails only on its rules' words or the reproach
    # structure, never on a sentence's meaning alone: in support-ru the classifier's meaning-only
    # failures were 12 false to 3 true on the calibrate script and 9 to 3 from audio (courtesy and
    # sympathy said with a negation: "Да не за что.", "Хуже не придумаешь."), while the rules and
    # the reproach structure found 42 of 49 rude agents (docs/quality.md, session 17).
    wording_only: tuple[str, ...] = ()
    # Languages in which a `present` criterion's rules also read the agent's opening turn as one
    # unit (agents/analyze/opening.py): its sentences, and the agent's segments before the caller
    # speaks, as one phrase. Whisper cuts "Театр на Таганке, касса, добрый день" into "Театр на
    # Таганке. Каса. Добрый день.", leaving the greeting word and the company in different sentences.
    opening_turn: tuple[str, ...] = ()

    @field_validator("reproach")
    @classmethod
    def _check_reproach(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unparsed = sorted(set(value) - REPROACH_LANGUAGES)
        if unparsed:
            raise ValueError(f"reproach: no sentence parser for {', '.join(unparsed)} (only {', '.join(sorted(REPROACH_LANGUAGES))})")
        return value

    @model_validator(mode="after")
    def _check_wording_only(self) -> "Criterion":
        if self.wording_only and self.expect != "absent":
            raise ValueError(f"{self.id}: wording_only is for `absent` criteria (a failure found by its words)")
        if self.opening_turn and self.expect != "present":
            raise ValueError(f"{self.id}: opening_turn is for `present` criteria (what the opening must hold)")
        return self

    @field_validator("rules", "applies_if", "reject_if", "must_precede", "declined_if", "no_record_if", "new_record_if",
                     "withdrawn_if",
                     "when_asked", "when_named", "when_vague", "meaning_needs", mode="before")
    @classmethod
    def _check_rules(cls, value: object) -> RuleSet:
        return _normalise_rules(value or {})

    def threshold_for(self, language: str, default: float) -> float:
        return _per_language(self.threshold, language, default)

    def applies_threshold_for(self, language: str, default: float) -> float:
        return _per_language(self.applies_threshold, language, default)

    def margin_for(self, language: str, default: float) -> float:
        return _per_language(self.margin, language, default)

    @property
    def prompt_text(self) -> str:
        return self.description or self.label


def _per_language(value: float | dict[str, float] | None, language: str, default: float) -> float:
    if isinstance(value, dict):
        return float(value.get(language, default))
    return default if value is None else float(value)


class Thresholds(FrozenModel):
    good: int = Field(default=80, ge=0, le=100)
    needs_attention: int = Field(default=60, ge=0, le=100)


class Scorecard(FrozenModel):
    id: str
    version: str
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    thresholds: Thresholds = Thresholds()
    # A failed critical item caps the score below "needs_attention" so the number never reads as OK.
    critical_cap: int = Field(default=40, ge=0, le=100)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        ids = [c.id for c in criteria]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate criterion ids: {duplicates}")
        forbidding = {c.id for c in criteria if c.expect == "absent"}
        unknown = sorted({r for c in criteria for r in c.rejected_by if r not in forbidding})
        if unknown:  # a typo would silently reject nothing
            raise ValueError(f"rejected_by names no `expect: absent` criterion of this scorecard: {unknown}")
        return criteria

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)
