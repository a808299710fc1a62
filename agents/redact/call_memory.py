"""What one redacted value says about the words around it and about the rest of the call.

- A capitalised word joined to a name is a name too: right after it ("<PERSON> Whitfield",
  "<PERSON> Игоревна": the NER took only the first name), or joined to it by "and" with a
  possessive on both ("Jack's nine and <PERSON>'s six": two children named in one breath, the NER
  knew only one); an English one right before it, which the tagger reads as a proper noun, the two
  closing a sentence ("Edna <PERSON>.": the NER took only the surname).
- The words of a value worth remembering for the rest of the call: a name's parts, a street's
  name without its type ("Harbour" of "12 Harbour Street", said later as "on Harbour"), a
  mailbox's local words, a secret; Russian words in any case ending ("Кржижановского",
  "Кржижановской"), and a Russian name as ASR may write it when it hears it again ("Гарбунова"
  for Горбунова: near_name_spellings_ru).
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from rapidfuzz.distance import Levenshtein
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS

from agents.redact.identity import NOT_NAMES, NOT_NAMES_RU
from agents.redact.morphology import known_word
from agents.redact.numbers import is_number_word
from agents.redact.russian import beside_a_name_ru, has_name_reading, never_a_name

NAME_WORD = r"(?:Mc|Mac)?[A-ZА-ЯЁ][a-zа-яё]+(?:['’\-][A-ZА-ЯЁ][a-zа-яё]+)?"
# Right after a name, with one space between: a surname or patronymic.
NAME_AFTER = re.compile(rf"^ ({NAME_WORD})(?![\w'’\-])")
# Joined by "and" / "or", said of them as people: a possessive or "is" ('s) on one side at least
# ("Jack's nine and <PERSON>'s six"; ASR drops one: "Jack nine and <PERSON>'s"), up to two words
# after the first (lower case or digits). A company's "Watts and Volts" has none.
_AND = r"(?:and|or)"
# An age between them may be written as a capitalised number word ("Alfie Seven and <PERSON>'s five").
_AGE_WORD = r"(?:One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Eleven|Twelve|Thirteen|Fourteen|Fifteen|Sixteen)"
_BETWEEN = rf"(?:\s+(?:[a-z]+|\d+|{_AGE_WORD})){{0,2}},?\s+"
NAME_BEFORE_AND = re.compile(rf"(?<![\w'’\-])({NAME_WORD})(['’]s)?{_BETWEEN}{_AND}\s+$")
NAME_AFTER_AND = re.compile(rf"^(['’]s)?{_BETWEEN}{_AND}\s+({NAME_WORD})(['’]s)?(?![\w\-])")
# Right before a name, with one space between: an English first name ("Edna <PERSON>").
# Words said before a name to address someone, which the tagger may read as part of it ("Right Smith"),
# and titles.
ADDRESSING_WORDS = frozenset("right lovely brilliant perfect great cheers ta super fab excellent cool nice sorry "
                             "afternoon evening morning night dear hiya "
                             # titles: "Doctor <PERSON>.", "Captain <PERSON>?"
                             "mister doctor captain coach chief sir madam nurse professor sergeant officer".split())
SENTENCE_END = re.compile(r"\s*(?:[.!?]|$)")  # ...the two closing the sentence: a company ("Muddy <PERSON> Grooming") goes on
NAME_BEFORE = re.compile(r"(?<![\w'’\-])((?:Mc|Mac)?[A-Z][a-z]+(?:['’\-][A-Z][a-z]+)?) $")
POSSESSIVE_AFTER = re.compile(r"^['’]s(?!\w)")
# What follows a name without being one: "I" and the words a sentence goes on with.
NOT_NAME_WORDS = frozenset("i i'm i've i'll i'd im".split())
MAX_JOINED = 3  # "<PERSON> Anne Whitfield": a few words at most

STREET_TYPES = frozenset(
    "street road avenue lane drive close court way place terrace crescent square grove gardens row "
    "parkway mews walk yard rise wharf parade quay vale view hill park green boulevard "
    "улица улице улицу улицы проспект проспекте переулок переулке бульвар бульваре шоссе площадь "
    "набережная набережной проезд микрорайон тупик аллея дом квартира корпус".split())
STREET_TYPE = re.compile(r"(?i:\b((?:street|road|avenue|lane|drive|close|court|way|place|terrace|crescent|"
                         r"square|grove|gardens|row|mews|walk|yard|rise|wharf|parade|quay|vale|boulevard|"
                         r"улиц\w*|ул\.|проспект\w*|переул\w*|бульвар\w*|шоссе|площад\w*|набережн\w*|проезд\w*))(?!\w))")
# Words a mailbox is dictated with, which are no part of it.
DICTATION_WORDS = frozenset(
    "dot underscore dash hyphen all one word lower case capital then слитно раздельно точка дефис тире "
    "нижнее подчёркивание подчеркивание потом затем через большая маленькая буква буквы цифры латиница "
    "латинскими собака собачка".split())
MAIL_AT = re.compile(r"@|(?<!\w)(?:at|собака|собачка)(?!\w)", re.IGNORECASE)
MIN_PART = 4
RU_WORD = re.compile(r"[А-Яа-яЁё]{5,}")
RU_ENDINGS = "аяоеиыйьу"
MIN_RU_STEM = 4


def _is_name(word: str) -> bool:
    folded = word.casefold()
    # ASR capitalises a sentence it did not end: "Ирина Соколова Мне дважды списали" has no surname "Мне"
    return not (folded in NOT_NAMES or folded in NOT_NAMES_RU or folded in NOT_NAME_WORDS
                or is_number_word(word) or word.isupper() or never_a_name(word))


def proper_noun(text: str, start: int, end: int) -> bool:
    """Whether spaCy's tagger reads the word at text[start:end] as a proper noun (NNP)."""
    from agents.redact.engine import english_pipeline

    doc = english_pipeline()(text[:min(len(text), end + 60)], disable=["parser", "ner"])
    return any(t.idx == start and t.tag_ == "NNP" for t in doc)


# A Russian word right beside a name, a space or a comma between ("лебедево <PERSON>", "<PERSON>,
# зайцев"): a part of the name when russian.beside_a_name_ru says so.
RU_BEFORE = re.compile(r"(?<![\w\-])([А-Яа-яЁё]{3,}(?:-[А-Яа-яЁё]+)?),? $")
RU_AFTER = re.compile(r"^,? ([А-Яа-яЁё]{3,}(?:-[А-Яа-яЁё]+)?)(?![\w\-])")


def _ru_neighbour(match: re.Match | None, offset: int) -> tuple[int | None, int | None]:
    if match and beside_a_name_ru(match.group(1)):
        return offset + match.start(1), offset + match.end(1)
    return None, None


def names_beside_names(text: str, person_spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of capitalised words joined to a person's span (module docstring)."""
    found: list[tuple[int, int]] = []
    for start, end in person_spans:
        for _ in range(MAX_JOINED):  # a surname after a first name, then perhaps another
            after = NAME_AFTER.match(text[end:])
            if not after or not _is_name(after.group(1)):
                break
            found.append((end + after.start(1), end + after.end(1)))
            end += after.end(1)
        first = NAME_BEFORE.search(text[:start])
        if first and SENTENCE_END.match(text[end:]) and _is_name(first.group(1)) and first.group(1).casefold() not in EN_STOP_WORDS | ADDRESSING_WORDS \
                and proper_noun(text, *first.span(1)):
            found.append(first.span(1))
        for a, b in (_ru_neighbour(RU_BEFORE.search(text[:start]), 0), _ru_neighbour(RU_AFTER.match(text[end:]), end)):
            if a is not None and (a, b) not in found:
                found.append((a, b))
        before = NAME_BEFORE_AND.search(text[:start])
        if before and (before.group(2) or POSSESSIVE_AFTER.match(text[end:])) and _is_name(before.group(1)):
            found.append(before.span(1))
        following = NAME_AFTER_AND.match(text[end:])
        if following and (following.group(1) or following.group(3)) and _is_name(following.group(2)):
            found.append((end + following.start(2), end + following.end(2)))
    return found


def street_name_words(value: str) -> list[str]:
    """A street's name without its type, number or flat: "Harbour" of "12 Harbour Street, flat 3".
    Only values with a street type in them; only capitalised words, which are what a name is."""
    if not STREET_TYPE.search(value):
        return []
    return [w for w in re.findall(r"[^\W\d_][\w'’\-]*", value)
            if len(w) >= MIN_PART and w[0].isupper() and w.casefold() not in STREET_TYPES
            and not STREET_TYPE.fullmatch(w) and _is_name(w)]


STREET_PHRASE = re.compile(rf"((?:[^\W\d_][\w'’\-]*\s+){{1,3}}?){STREET_TYPE.pattern}")


def street_phrases(value: str) -> list[str]:
    """A street's name with its type, without the house number ("cotton street" of "23 cotton
    street"): looked for in any case, as ASR may write a street in lower case, where the name alone
    is not told from an ordinary word."""
    phrases = []
    for match in STREET_PHRASE.finditer(value):
        words = match.group(1).split()
        while words and (is_number_word(words[0]) or len(words[0]) < 3):
            words.pop(0)
        if words:
            phrases.append(" ".join(words + [match.group(2)]))
    return phrases


def mailbox_words(value: str) -> list[str]:
    """The words of a mailbox's local part ("Сказочник" of "Сказочник 42, собака, мэйл точка ру"):
    agents repeat a mailbox back without its domain."""
    at = MAIL_AT.search(value)
    local = value[:at.start()] if at else value.split("@")[0]
    return [w for w in re.findall(r"[^\W\d_]+", local)
            if len(w) >= MIN_PART and w.casefold() not in DICTATION_WORDS and not is_number_word(w)]


# ASR writes a mailbox's made-up word differently each time it hears it ("Сказрошник 42, собака ..."
# dictated, "сказочник 42" read back; "okafor", then "okafur"): a word of the call as long (two
# letters either way, six at least), with the same first two letters and nearly the same letters,
# and not the word with an ending added or dropped, is that word.
MIN_NEAR_MAILBOX_WORD = 6
NEAR_MAILBOX_RATIO = 0.8
TEXT_WORD = re.compile(r"(?<![\w'’])[^\W\d_]{4,}(?![\w'’])")


def near_spellings(text: str, word: str) -> list[tuple[int, int]]:
    """Spans of the words in `text` that are `word` spelled a little differently (see above); none
    for a word shorter than MIN_NEAR_MAILBOX_WORD or one with a digit or space in it."""
    folded = word.casefold()
    if len(folded) < MIN_NEAR_MAILBOX_WORD or not folded.isalpha():
        return []
    spans = []
    for match in TEXT_WORD.finditer(text):
        other = match.group().casefold()
        # An ending added or dropped is the ordinary word inflected ("appeals@" and "the appeal").
        inflected = other.startswith(folded) or folded.startswith(other)
        if len(other) >= MIN_NEAR_MAILBOX_WORD and not inflected and other[:2] == folded[:2] \
                and abs(len(other) - len(folded)) <= 2 and \
                SequenceMatcher(None, folded, other).ratio() >= NEAR_MAILBOX_RATIO:
            spans.append(match.span())
    return spans


# ASR writes a Russian surname it does not know as it sounds, differently each time: an unstressed
# «о» as «а», «е»/«я» as «и», another ending («Гарбунова», «Лаптива», «руденка» for Горбунова,
# Лаптева, Руденко), or none («лаптив»). Compared by sound (vowels reduced, doubled letters single,
# the closing vowels left off), a word as long (two letters either way) with the same first two
# sounds and at most one sound different (two in a name of eight sounds or more) is the name, unless
# the dictionary knows it as another word with no name reading («горбатого» is a word, «гарбунова» none).
_RU_SOUNDS = str.maketrans({"о": "а", "ё": "и", "е": "и", "э": "и", "я": "и", "ы": "и", "й": "и", "ю": "у",
                            "ь": None, "ъ": None})
MIN_NEAR_NAME = 5
RU_NAME_WORD = re.compile(r"(?<![\w\-])[А-Яа-яЁё]{5,}(?![\w\-])")


@lru_cache(maxsize=20_000)
def sound_key_ru(word: str) -> str:
    """A Russian word as it sounds, near enough to match ASR's spellings of it (see above)."""
    key = re.sub(r"(.)\1+", r"\1", word.lower().translate(_RU_SOUNDS))
    return key.rstrip("аиу") or key


def sounds_like_name_ru(name: str, word: str) -> bool:
    """Whether `word` is a Russian name as ASR may write it again (see above), not the name as
    written nor an ordinary word."""
    a, b = sound_key_ru(name), sound_key_ru(word)
    if len(name) < MIN_NEAR_NAME or a[:2] != b[:2] or abs(len(a) - len(b)) > 2 or word.lower() == name.lower():
        return False
    if Levenshtein.distance(a, b) > (2 if len(a) >= 8 else 1):
        return False
    return not known_word(word) or has_name_reading(word)


def misheard_name_ru(value: str) -> bool:
    """Whether a place the NER found is one Russian word the dictionary does not know: a surname
    misheard in its ending reads as a village («Горбуново» for Горбунова), and the agent's echo of it
    («да, горбуново») is found by nothing else, so it is looked for through the call like a name."""
    return bool(RU_WORD.fullmatch(value)) and not known_word(value)


def near_name_spellings_ru(text: str, name: str) -> list[tuple[int, int]]:
    """Spans of the words in `text` that sound like the Russian name `name` (one word, five letters
    or more); none for a name in another script or of several words."""
    if not RU_WORD.fullmatch(name):
        return []
    return [m.span() for m in RU_NAME_WORD.finditer(text) if sounds_like_name_ru(name, m.group())]


def known_value_pattern(value: str) -> str:
    """A whole-word pattern for a remembered value; a Russian word in any case ending."""
    if RU_WORD.fullmatch(value):
        stem = value
        for _ in range(2):  # "Старокузнецк|ая" is said "Старокузнецк|ой" too
            if stem[-1].lower() in RU_ENDINGS and len(stem) > MIN_RU_STEM:
                stem = stem[:-1]
        return rf"(?<!\w){re.escape(stem)}[а-яё]{{0,3}}(?!\w)"
    return rf"(?<!\w){re.escape(value)}(?!\w)"
