"""Personal data dictated in shapes the other readers miss (issue 8, calibrate calls en80-en85).

- A name spelled with words for its letters: "K as in kilo, E, O, G as in golf, H", "A-L-D is in
  Delta, O-U-S" (ASR hears "as in" as "is in"), "G I double-L E double-T"; or spelled in lower
  case, as ASR writes letters it runs together ("k a t h e r i n e").
- A UK vehicle registration, two letters, two digits, three letters, however it is chunked
  ("YG68 KLD", "Y G 68, K L D"); a postcode's shape would otherwise take six of its seven.
- A reference whose letters ASR writes as one word before the digits: "MTR 447 912", "Fw 772-059".
- An e-mail whose "at" ASR lost into a dot: "free hypheneric.yahoo.co.uk", or whose mailbox is
  said as words run together: "R J Tremayne, all one word, at gmail dot com".
- An e-mail sentence: its words up to a provider's domain said aloud, however the mailbox is
  spelled and interrupted ("ingrid dot lindqvist, that's L I N D Q V I S T, seventy, at gmail dot com").
- An apartment's or unit's number and its building or street in lower case, as ASR writes names
  it does not know: "apartment for be marble court very road", "Unit 4, Tanyard Mews".
- A post office box: "P O Box four four seven one".
Each pattern is linear (bounded repeats, separators that cannot be read as words):
tests/unit/agents/test_redact_backtracking.py.
"""
from __future__ import annotations

import re

from agents.redact.identity import PERSON, SPELLED_ID
from agents.redact.references import ADDRESS

EMAIL = "EMAIL_ADDRESS"
# One spelled letter: "K", "K as in kilo", "D is in Delta", "double-L", "double T".
_LETTER = (r"(?:double[\s\-]?[A-Za-z](?![A-Za-z'’])"
           r"|[A-Za-z](?![A-Za-z'’])(?:\s+(?:as|is)\s+in\s+[A-Za-z][A-Za-z'’\-]{0,15}(?![A-Za-z'’]))?)")
_LETTER_GAP = r"[\s,.\-]{1,3}"
# Three letters or more of which one is told by a word or doubled; "Plan A is in place" has one.
SPELLED_WITH_WORDS = re.compile(
    rf"(?<![\w'’\-])(?=(?:{_LETTER}{_LETTER_GAP}){{0,12}}(?:[A-Za-z]\s+(?:as|is)\s+in\b|double[\s\-]?[A-Za-z]\b))"
    rf"{_LETTER}(?:{_LETTER_GAP}{_LETTER}){{2,14}}(?![\w'’])")
# Six single letters in a row, any case: "k k a t h e r i n e". Talk never has six one-letter words.
LOWER_SPELLED = re.compile(r"(?<![\w'’.\-])[A-Za-z](?: [A-Za-z]){5,}(?![\w'’\-])")
# Two letters, two digits, three letters (the current UK format), chunked or not. The digits may
# be said as one number ("W K nineteen, D X N"): the number reading takes a lone number word after
# spelled letters as dictated (agents.redact.numbers), so this sees "W K 19, D X N".
REGISTRATION = re.compile(
    r"(?<![\w'’])[A-Z][\s.\-]?[A-Z][\s,.\-]{0,2}\d[\s.\-]?\d[\s,.\-]{0,3}"
    r"[A-Z][\s.\-]?[A-Z][\s.\-]?[A-Z](?![\w'’])")
# A letter group of two or three capitals, or consonants only ("Fw": no word; "On" is), then five
# digits or more in groups. "NHS 111" or "BBC 2" have fewer digits; titles are no letter group.
LETTERS_THEN_DIGITS = re.compile(
    r"(?<![\w'’])(?!(?:Mr|Mrs|Ms|Dr|St|Mt|Rd|AM|PM|GBP|USD|EUR)\b)(?:[A-Z]{2,3}|[B-DF-HJ-NP-TV-Z][b-df-hj-np-tv-xz]{1,2})"
    r"[\s,\-]{1,3}\d(?:[\s,.\-]{0,2}\d){4,15}(?![\w'’])")
# "name.yahoo.co.uk": a mailbox run into a mail provider's domain ("www." and "mail." are sites).
_PROVIDERS = (r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|btinternet|icloud|aol|fastmail|"
              r"protonmail|proton|sky|virginmedia|talktalk|gmx|zoho|mail)")
PROVIDER_EMAIL = re.compile(
    rf"(?<![\w.\-])(?!(?:www|mail)\.)[a-z0-9][a-z0-9_\-]{{0,63}}(?:\.[a-z0-9_\-]{{1,63}}){{0,3}}"
    rf"\.{_PROVIDERS}\.(?:com|net|org|me|co\.uk|uk)(?![\w\-])", re.IGNORECASE)
# "R J Tremayne, all one word, at gmail dot com": the words before "all one word" are the mailbox
# (not the "It's" or "my email is" that introduces it).
ONE_WORD_EMAIL = re.compile(
    r"(?i:(?<![\w'’\-])(?!(?:it'?s|it’s|that'?s|is|my|the|and|to|at|email|e-mail|address|send)[\s,.])"
    r"(?:[a-z][a-z'’\-]{0,30}[\s,.]{1,2}){1,4}(?:all\s+)?(?:one\s+word|no\s+spaces?)[\s,]{1,3}"
    r"at\s+[a-z0-9\-]{1,63}(?:(?:\s+dot\s+|\.)[a-z]{2,6}){1,3})(?![\w'’])")
# "ingrid dot lindqvist, that's L I N D Q V I S T, seventy, at gmail dot com": a mailbox spelled out
# and interrupted is no one pattern, but a sentence that ends its words at a mail provider's domain
# said aloud is one e-mail: every word from its start (after "it's", "my email is") to "at".
_EMAIL_LEAD = (r"(?:it'?s|it’s|it is|that'?s|that’s|yes|yeah|yep|sure|okay|ok|right|so|um|er|erm|"
               r"(?:my|the|your|her|his)\s+e-?mail(?:\s+address)?(?:\s+is|'s)?|e-?mail(?:\s+address)?\s+is)")
SENTENCE_EMAIL = re.compile(
    rf"(?i:(?:^|(?<=[.?!]\s))(?:{_EMAIL_LEAD}[,\s]{{1,3}}){{0,3}}"
    rf"((?:[\w'’\-]{{1,30}}(?:[\s,]{{1,3}}|\.(?=\w))){{1,24}}?at\s+{_PROVIDERS}(?:\s+dot\s+|\.)(?:com|net|org|me|co|uk)"
    rf"(?:(?:\s+dot\s+|\.)(?:uk|com))?))(?![\w'’])")
# "apartment 4 B, marble court, very road": the apartment's number (digits, a number word, or
# ASR's "for"/"to" for one; after "flat" only a real number, "a flat for two weeks" is talk), an
# optional letter, then up to four words (no quantity or small word: "flat 20 minutes down the
# road" is talk) to a street or building word.
_NUMBER = r"(?:\d{1,4}[a-z]?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_HEARD_NUMBER = r"(?:for|to|too|ate|won)"
_UNIT_LETTER = r"(?:[a-h]|be|bee|see|sea|dee)"
_NOT_PLACE_NAME = (r"(?:minutes?|hours?|days?|weeks?|months?|years?|miles?|pounds?|quid|percent|the|an?|to|of|"
                   r"in|on|at|by|down|up|from|per|for|and|or|with|near|off)")
_PLACE_WORD = (r"(?:street|road|avenue|lane|drive|close|court|way|place|terrace|crescent|square|grove|"
               r"gardens|row|mews|walk|house|wharf|rise|hill|view|mansions|lodge|tower|towers|buildings)")
APARTMENT_PLACE = re.compile(
    rf"(?i:\b(?:apartment|apt\.?|flat|unit)\s+(?:number\s+)?(?:{_NUMBER}|(?<=apartment ){_HEARD_NUMBER})\b"
    rf"(?:[\s,]+{_UNIT_LETTER}\b)?(?:[\s,]+(?!{_NOT_PLACE_NAME}\b)[a-z][a-z'’\-]{{0,20}}){{1,4}}[\s,]+{_PLACE_WORD})\b")
# "P O Box 4471", "PO box number 12", ASR's "P.O. Box 4, 4, 7, 1": a box number is an address
# however short.
PO_BOX = re.compile(rf"(?i:\b(?:P\.?[\s.]?O\.?|post\s+office)\s+box\s+(?:number\s+)?"
                    rf"(?:\d(?:[\s,.\-]{{0,2}}\d){{0,7}}|{_NUMBER}))(?!\w)")
PATTERNS = ((SPELLED_WITH_WORDS, PERSON), (LOWER_SPELLED, PERSON), (REGISTRATION, SPELLED_ID),
            (LETTERS_THEN_DIGITS, SPELLED_ID), (PROVIDER_EMAIL, EMAIL), (ONE_WORD_EMAIL, EMAIL),
            (APARTMENT_PLACE, ADDRESS), (PO_BOX, ADDRESS))


def find_dictated(text: str) -> list[tuple[int, int, str]]:
    """(start, end, entity) for each shape in PATTERNS (module docstring)."""
    found = [(m.start(), m.end(), entity) for pattern, entity in PATTERNS for m in pattern.finditer(text)]
    emails = [(a, b) for a, b, entity in found if entity == EMAIL]
    return sorted(set(found + [(a, b, EMAIL) for a, b in interrupted_emails(text)
                               if not any(a < end and start < b for start, end in emails)]))


# Words that lead into a piece of a dictated mailbox without being part of it ("that's L I N D ...").
_PIECE_LEAD = re.compile(
    r"(?i:(?:(?:that'?s|that’s|it'?s|it’s|it|is|was|still|so|and|then|the|my|your|email|e-mail|email'?s|"
    r"address|number|send|to|please|yes|yeah|um|er|erm|sorry|no|like)\b[\s,]*)*)")


def interrupted_emails(text: str) -> list[tuple[int, int]]:
    """Spans of an e-mail sentence's mailbox pieces (SENTENCE_EMAIL), when the mailbox is interrupted
    (a comma in it: one said in one go is the other patterns'), each piece without the words that
    lead into it."""
    spans = []
    for match in SENTENCE_EMAIL.finditer(text):
        start, end = match.span(1)
        if "," not in text[start:end]:
            continue
        for piece in re.finditer(r"[^,]+", text[start:end]):
            a = start + piece.start()
            a = _PIECE_LEAD.match(text, a + len(piece.group()) - len(piece.group().lstrip())).end()
            if re.match(r"(?i:at\s)", text[a:]):  # the provider's domain alone names no one
                continue
            b = start + piece.end()
            while b > a and text[b - 1] in " .":
                b -= 1
            if b > a:
                spans.append((a, b))
    return spans

