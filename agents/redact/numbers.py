"""Spoken numbers to digits, with a map back to the original characters.

ASR writes dictated phone and card numbers as words ("five five five, one two three"), which
no pattern recognizer matches. We analyse a copy with such runs rewritten as digits and map
every span found there back to the original text, so the redaction still hits the words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {
    "zero": 0, "oh": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "три": 3,
    "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9,
}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
         "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
         "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13,
         "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17,
         "восемнадцать": 18, "девятнадцать": 19}
TENS = {"twenty": 2, "thirty": 3, "forty": 4, "fifty": 5, "sixty": 6, "seventy": 7,
        "eighty": 8, "ninety": 9,
        "двадцать": 2, "тридцать": 3, "сорок": 4, "пятьдесят": 5, "шестьдесят": 6,
        "семьдесят": 7, "восемьдесят": 8, "девяносто": 9}
# Russian dictates phone numbers in groups: "девятьсот шестнадцать" is 916, "сто три" 103.
HUNDREDS = {"сто": 1, "двести": 2, "триста": 3, "четыреста": 4, "пятьсот": 5, "шестьсот": 6,
            "семьсот": 7, "восемьсот": 8, "девятьсот": 9}
REPEATS = {"double": 2, "triple": 3, "treble": 3}
# Scale words fill the places after the number before them: "seven hundred" is 700, "oh seven seven
# hundred, nine hundred, three one five" a UK mobile; "две тысячи двести два" is 2202 (a card's group).
SCALES = {"hundred": 2, "тысяча": 3, "тысячи": 3, "тысяч": 3}

TOKEN = re.compile(r"[^\W\d_]+|\d+")
# What may sit between two dictated digits: spaces, commas, dashes, full stops.
RUN_GAP = re.compile(r"[\s,.\-]+")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    word: str  # lower-cased token text


@dataclass(frozen=True)
class NormalisedText:
    """`text` with dictated digit runs as digits; per-character original [start, end)."""
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original-text span covering the normalised span [start, end)."""
        return self.starts[start], self.ends[end - 1]


def is_number_word(word: str) -> bool:
    """"Twelve" in "Twelve Orchard Close", which NER may read as a name: a number, never a name part
    (it would wipe "twelve pounds" everywhere else in the call)."""
    return any(word.casefold() in table for table in (UNITS, TEENS, TENS))


def _is_number_token(word: str) -> bool:
    return word.isdigit() or any(word in table for table in (UNITS, TEENS, TENS, HUNDREDS, REPEATS, SCALES))


def _runs(text: str) -> list[list[Token]]:
    """Maximal runs of number tokens separated only by RUN_GAP characters."""
    runs: list[list[Token]] = []
    current: list[Token] = []
    for match in TOKEN.finditer(text):
        token = Token(match.start(), match.end(), match.group().lower())
        if not _is_number_token(token.word):
            if current:
                runs.append(current)
            current = []
            continue
        if current and not RUN_GAP.fullmatch(text[current[-1].end:token.start]):
            runs.append(current)
            current = []
        current.append(token)
    if current:
        runs.append(current)
    return runs


def _places_taken(word: str) -> int:
    """How many of the places a scale word fills a number word itself takes (0 for another word)."""
    if word in HUNDREDS:
        return 3
    if word in TENS or word in TEENS:
        return 2
    return 1 if word in UNITS else 0


def _fill(places: int, following: str) -> str:
    """Zeros a scale word leaves for the places the number joined to it does not take."""
    taken = _places_taken(following)
    return "0" * (places - taken) if taken <= places else "0" * places


def _digit_pieces(run: list[Token], text: str) -> list[tuple[str, int, int]]:
    """(digits, original start, original end) per number; "double five" is one piece "55".
    A hundred or thousand takes the number after it only when no comma or stop parts them: in
    "nine hundred, three one five" or "двести, три" the three starts the next group."""
    out: list[tuple[str, int, int]] = []
    repeat_from: Token | None = None
    for i, token in enumerate(run):
        word, following = token.word, run[i + 1].word if i + 1 < len(run) else ""
        joined = following and not re.search(r"[,.]", text[token.end:run[i + 1].start])
        if word in REPEATS:
            repeat_from = token if following in UNITS else None
            continue
        if word.isdigit():
            digits = word
        elif word in UNITS:
            digits = str(UNITS[word]) * (REPEATS[repeat_from.word] if repeat_from else 1)
        elif word in TEENS:
            digits = str(TEENS[word])
        elif word in SCALES:  # "hundred" or "тысяча" with no number before it is one of them
            digits = ("" if i and run[i - 1].word not in REPEATS else "1") + _fill(SCALES[word], following if joined else "")
        elif word in HUNDREDS:  # the tens and units that follow fill the other two places
            digits = str(HUNDREDS[word]) + _fill(2, following if joined else "")
        else:  # tens: "twenty" alone is 20, "twenty three" is 2 then 3; a zero after it starts
            # the next group: "двести сорок, ноль семь" is 240 07, not 2407
            digits = str(TENS[word]) + ("" if UNITS.get(following) else "0")
        out.append((digits, (repeat_from or token).start, token.end))
        repeat_from = None
    return out


# A single number word is a number only where an address part names it: "дом десять",
# "flat nine" (elsewhere "one" or "два" is prose: "one moment", "два раза").
ADDRESS_PART = re.compile(r"(?:^|[^\w])(?:дом|д|квартира|квартиру|кв|корпус|корп|строение|стр|подъезд|"
                          r"офис|flat|apartment|house|suite|unit)[\s.,:№#]{0,3}$", re.IGNORECASE)


# ...or after letters spelled one by one: a registration's "W K nineteen, D X N" ("BBC two" or
# "NHS one" are names, not spelled).
SPELLED_LETTERS = re.compile(r"(?:^|[^\w'’])[A-Z](?:[\s,.\-]{1,2}[A-Z]){1,3}[\s,.\-]{1,2}$")


def _is_dictated(run: list[Token], text: str) -> bool:
    """Two or more tokens with at least one spelled-out number (leave plain "2024" alone), or one
    number word after an address part or spelled letters."""
    if any(not t.word.isdigit() for t in run) and len(run) >= 2:
        return True
    word = run[0].word
    if len(run) != 1 or word.isdigit() or word == "oh" or word in REPEATS or word in SCALES:
        return False
    before = text[max(0, run[0].start - 16):run[0].start]
    return bool(ADDRESS_PART.search(before) or SPELLED_LETTERS.search(before))


def normalise_spoken_numbers(text: str) -> NormalisedText:
    pieces: list[tuple[str, int, int]] = []  # (replacement, original start, original end)
    cursor = 0
    for run in (r for r in _runs(text) if _is_dictated(r, text)):
        # A leading "oh" is an interjection ("Oh, five minutes"), not a zero.
        while len(run) > 1 and run[0].word == "oh":
            run = run[1:]
        if len(run) < 2 and not _is_dictated(run, text):
            continue
        pieces.extend((ch, i, i + 1) for i, ch in enumerate(text[cursor:run[0].start], cursor))
        for digits, start, end in _digit_pieces(run, text):
            pieces.extend((ch, start, end) for ch in digits)
        cursor = run[-1].end
    pieces.extend((ch, i, i + 1) for i, ch in enumerate(text[cursor:], cursor))
    return NormalisedText(
        text="".join(p[0] for p in pieces),
        starts=tuple(p[1] for p in pieces),
        ends=tuple(p[2] for p in pieces),
    )
