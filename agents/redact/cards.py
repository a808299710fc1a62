"""Card numbers as ASR hears them: where a card is talked about, a long stretch of digits is a card.

ASR breaks a dictated card number in ways no pattern for a card survives: digits lost (Luhn fails),
full stops and commas between groups, a digit heard as a short word or a letter ("T2-10", "O3",
"нали" for "ноль один"). And the word "card" may come only after the number, in the agent's
confirmation ("that's gone through on the card ending ..."), or as a brand or the expiry.
So: in a turn with card talk in it or near it (before or after), digit groups joined by separators
and at most one short word between two groups form one stretch; a stretch of enough digits is a
card, unless the turn names the number as something else (a phone, an account) and not as a card.
"""
from __future__ import annotations

import re

from agents.redact.numbers import normalise_spoken_numbers

# Card talk: the card itself, a card brand, its expiry date.
CARD_TALK = {
    "en": re.compile(r"\b(?:cards?|visa|master\s?card|maestro|amex|american express|expiry|expires|expiration)\b",
                     re.IGNORECASE),
    "ru": re.compile(r"карт|\bвиз(?:а|ы|у|е|ой)\b|\bvisa\b|мастер\s?кард|mastercard|срок\w* действия", re.IGNORECASE),
}
# A long number the turn names as something else is not a card ("my account number is ...").
OTHER_NUMBER = {
    "en": re.compile(r"\b(?:phone|mobile|landline|account|sort code|reference|policy|order|passport|"
                     r"national insurance)\b", re.IGNORECASE),
    "ru": re.compile(r"телефон|мобильн|сч[её]т|договор|заказ|паспорт|полис|снилс|\bинн\b", re.IGNORECASE),
}
# Any word that says what a number is, in either language.
NAMES_A_NUMBER = re.compile("|".join(p.pattern for p in (*CARD_TALK.values(), *OTHER_NUMBER.values())), re.IGNORECASE)
TURNS_BEFORE = 2  # "Go ahead with the card when you're ready." ... the number
TURNS_AFTER = 2   # the number ... "That's gone through, card ending ..."
MIN_CARD_DIGITS = 13  # a 15-16 digit card with a digit or two lost
# Between two digit groups of one number: separators, and at most two short words ASR made of a
# digit or two ("for", "T", "O", "нали", "лодину ныли" for "один ноль"); a longer word or more
# words end the number.
SEPARATORS = frozenset(" \t\n,.-:;/()…")
MAX_NOISE_LETTERS = 6
MAX_NOISE_IN_GAP = 2
MAX_NOISE_WORDS = 4  # per number
CORRECTION_WORDS = frozenset("sorry no wait i mean oops actually hang on uh um er erm "
                             "ой нет извините простите точнее то есть вернее ну э ээ".split())
MAX_GAP_WORDS = 4
WORD = re.compile(r"[^\W\d_]+")
DIGITS = re.compile(r"\d+")


def card_talk_turns(texts: list[str], language: str) -> list[bool]:
    """Per turn: is a card talked about in it, in the TURNS_BEFORE turns before or TURNS_AFTER after."""
    talk = CARD_TALK.get(language)
    if talk is None:
        return [False] * len(texts)
    said = [bool(talk.search(t)) for t in texts]
    return [any(said[max(0, i - TURNS_BEFORE):i + TURNS_AFTER + 1]) for i in range(len(texts))]


def names_another_number(text: str, language: str, asked: str = "") -> bool:
    """The turn, or the request it answers, calls its number something other than a card, and the
    turn never calls it a card ("Телефон назовите." - "Восемь, девятьсот...")."""
    other, talk = OTHER_NUMBER.get(language), CARD_TALK.get(language)
    return bool(other and (other.search(text) or other.search(asked)) and not (talk and talk.search(text)))


def _noise_words(gap: str) -> int | None:
    """Short words in a gap between two digit groups, or None if the gap ends the number. A caller
    correcting a digit ("one eight zero three, uh, sorry, one eight zero two") goes on with the
    same number: correction words are free. A word that names a number ("card", "карты",
    "phone") starts another one: "8 916 200 01 01, карты на 7321" is a phone and four digits."""
    words = [w for w in WORD.findall(gap) if w.casefold() not in CORRECTION_WORDS]
    if len(WORD.findall(gap)) > MAX_GAP_WORDS or len(words) > MAX_NOISE_IN_GAP \
            or any(len(w) > MAX_NOISE_LETTERS for w in words) or NAMES_A_NUMBER.search(gap):
        return None
    if any(ch not in SEPARATORS for ch in WORD.sub("", gap)):
        return None
    return len(words)


def digit_stretches(text: str) -> list[tuple[int, int, int]]:
    """(original start, original end, digits) of each stretch of digit groups in the text, dictated
    numbers read as digits; groups join across separators and a short noise word."""
    normalised = normalise_spoken_numbers(text)
    stretches: list[tuple[int, int, int]] = []
    current: list[re.Match] = []
    noise = 0
    for group in DIGITS.finditer(normalised.text):
        words = _noise_words(normalised.text[current[-1].end():group.start()]) if current else None
        if current and words is not None and noise + words <= MAX_NOISE_WORDS:
            current.append(group)
            noise += words
            continue
        if current:
            stretches.append(_stretch(normalised, current))
        current, noise = [group], 0
    if current:
        stretches.append(_stretch(normalised, current))
    return stretches


def _stretch(normalised, groups: list[re.Match]) -> tuple[int, int, int]:
    start, end = normalised.to_original(groups[0].start(), groups[-1].end())
    return start, end, sum(len(g.group()) for g in groups)


def heard_card_spans(text: str, language: str, asked: str = "") -> list[tuple[int, int]]:
    """Spans of the card numbers in one turn said during card talk (the caller checks the talk);
    `asked` is the turn before it."""
    if names_another_number(text, language, asked):
        return []
    return [(start, end) for start, end, digits in digit_stretches(text) if digits >= MIN_CARD_DIGITS]
