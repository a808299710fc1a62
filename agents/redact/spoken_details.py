"""Personal data said without the cues the other readers rely on (issue 8, calibrate calls en102-en107).

- A sort code: "sort code is 20 45 17" (dictated digits are already digits here), or three pairs
  in bank talk when ASR lost the words "sort code" ("Circo does 20, 45, 17, and the account
  number is ..."). Six digits are too few for a digit run to count by itself.
- A memorable word, password or security answer: "the memorable word is pumpernickel", or the
  turn answering a question for one ("What's the security password?" - "It's bluebell 91.").
- A street said without a house number, after a preposition: "I'm on Larkspur Crescent", "coming
  to Tanner Yard", "the bakery on Cobbler's Row"; ASR may split an unknown name ("Larks per
  Crescent"). Typed LOCATION, so a company's keep term ("welcome to Harbour Quay Dental") cancels it.
- A house number and the words after it to the end of the clause, in the turn answering a question
  for an address: "nine orchard rice" is ASR's "Nine Orchard Rise", whose type no list can expect
  garbled; after "what's the address?" a number and up to three words ending the clause are one.
- A clause that is only an address, said without a preposition: "Mr Cole, 42 Linden Terrace, paid ..."
  ("42 Linden Terrors" as ASR writes it), "Right, Marsh Avenue."
- A full name only the agent says, reading it back: "So I've got Tobias Reinholt at ..., is that
  right?"
- A surname naming an order or booking ("the Lindqvist booking", "booked under Adeyemi"); a name
  said by the caller's relation to them ("my son Oscar") is identity.FAMILY_NAME_CUE's.
Each pattern is linear (bounded repeats; words cannot be split between quantifiers):
tests/unit/agents/test_redact_backtracking.py.
"""
from __future__ import annotations

import re

from agents.redact.identity import FULL_NAME, NAME_WORD, NOT_NAMES, PERSON, SPELLED_ID, answers
from agents.redact.recognizers import _HOUSE_NUMBER, _NUMBER_WORD

PASSWORD, LOCATION, ADDRESS = "PASSWORD", "LOCATION", "ADDRESS"
_PAIR_SEPARATOR = r"(?:-|, ?| )"
_NOT_AFTER_DIGITS = r"(?<!\d)(?<!\d,)(?<!\d, )(?<!\d-)(?<!\d )(?<![.\w])"
SORT_CODE_SAID = re.compile(
    r"(?i:\bsort[\s\-]?code\b)[^\d.?!]{0,20}?(\d{2}[\s,\-]{0,2}\d{2}[\s,\-]{0,2}\d{2})(?![\d\w])")
# "20-45-17", "20, 45, 17": the same separator twice, nothing numeric on either side.
SORT_CODE_SHAPE = re.compile(
    rf"{_NOT_AFTER_DIGITS}\d{{2}}({_PAIR_SEPARATOR})\d{{2}}\1\d{{2}}(?!\w|[,\- .]{{1,2}}\d)")
BANK_TALK = re.compile(r"(?i:\bsort[\s\-]?code|\bbank\b|\baccount\b|\bIBAN\b|\bdirect debit|\bpayee\b)")

_SECRET_CUE = (r"(?:(?:memorable|secret|security)\s+(?:word|answer|phrase|password|name|place)"
               r"|pass(?:word|code|phrase)|\bPIN(?:\s+number)?)")
# Words that say something about a password rather than being one ("the password is wrong").
_NOT_A_SECRET = (r"(?:wrong|incorrect|right|correct|expired|locked|not|case|too|reset|changed|fine|working|"
                 r"different|required|needed|missing|blank|empty|forgotten|being|still|also|now|just|very|"
                 r"invalid|weak|strong|long|short|ok|okay|valid|on|in|at|for|from|with|the same|what|that|it)")
_SECRET_VALUE = r"([\w'’\-]{1,30}(?:\s+[\w'’\-]{1,30}){0,3}?)(?=\s*(?:[.!?,;]|$|\s+(?:and|but)\b))"
SECRET_SAID = re.compile(
    rf"(?i:\b{_SECRET_CUE}(?:\s+on (?:the|my|your) account)?(?:\s+(?:is|was)|['’]s)\s+)(?!(?i:{_NOT_A_SECRET})\b)"
    rf"{_SECRET_VALUE}")
SECRET_REQUEST = re.compile(rf"(?i:\b{_SECRET_CUE}\b)")
# The answer: after "it's", "yes," and the like, up to four words to the end of its first sentence.
_NOT_AN_ANSWER = (r"(?:thanks|thank|sorry|hang|hold|hmm|um|er|erm|what|which|I|I'm|I've|I'll|I'd|you|we|they|"
                  r"no|not|one|just|let|can|could|sure|okay|ok|yes|yeah|hello|hi|right|oh|the|a)")
SECRET_ANSWER = re.compile(
    r"^\s*(?i:(?:it's|it’s|it is|its|yes|yeah|sure|okay|ok|right)[,.]?\s+){0,2}"
    rf"(?!(?i:{_NOT_AN_ANSWER})\b){_SECRET_VALUE}")

_STREET_TYPE = (r"(?:Street|Road|Avenue|Lane|Drive|Close|Court|Way|Place|Terrace|Crescent|Square|Grove|"
                r"Gardens|Row|Mews|Walk|Yard|Rise|Wharf|Parade|Quay|Vale)")
_SMALL_WORD = r"(?:and|or|the|a|an|of|to|in|on|at|for|with|my|your|our)"
# ASR often writes the type in lower case ("on Cobbler's row"), and an unknown name too ("I'm on
# marks per crescent" for Larkspur Crescent): a lower-case type after a capitalised name, or
# after any name with the types that are hardly ever ordinary words after a preposition.
_RARE_WORD_STREET_TYPE = r"(?:crescent|terrace|mews|avenue|grove|quay|wharf|boulevard)"
STREET_WITHOUT_NUMBER = re.compile(
    rf"(?i:\b(?:on|at|to|in|off|near|from|along|into|onto)\s+)((?!The\b)[A-Z][a-z'’]{{1,20}}"
    rf"(?:[\s\-](?!{_SMALL_WORD}\b)[A-Za-z][a-z'’]{{1,20}}){{0,2}}?[\s\-](?i:{_STREET_TYPE}))\b"
    rf"|(?i:\b(?:on|at|to|in|off|near|from|along|into|onto)\s+)((?!(?i:{_SMALL_WORD})\b)[a-z][a-z'’]{{1,20}}"
    rf"(?:[\s\-](?!{_SMALL_WORD}\b)[a-z][a-z'’]{{1,20}}){{0,2}}?[\s\-]{_RARE_WORD_STREET_TYPE})\b")
# A clause that is only an address, as an agent reads details back or a caller lists them ("Mr Cole,
# 42 Linden Terrace, paid ..."; "Right, yeah, Marsh Avenue."): a house number in digits and two or
# three capitalised words (ASR garbles an unknown type: "42 Albany Terrors"), or capitalised name
# words and a street type with or without a number. "2 Samsung phones" or "the Green Lane shop" do
# not end the clause.
_CLAUSE_START = r"(?:^|(?<=[,;:.?!]\s))"
_CLAUSE_END = r"(?=\s*(?:[,.;!?]|$))"
_CAPITALISED = r"[A-Z][a-z'’]{1,20}"
ADDRESS_CLAUSE = re.compile(
    rf"{_CLAUSE_START}(?:(?<!\S)[1-9]\d{{0,3}}[a-z]?\s+(?:{_CAPITALISED}\s+){{1,2}}{_CAPITALISED}"
    rf"|(?:(?i:{_HOUSE_NUMBER})\s+)?(?!The\b)(?:{_CAPITALISED}[\s\-]){{1,2}}{_STREET_TYPE}){_CLAUSE_END}")
READ_BACK_NAME = re.compile(
    rf"(?i:\b(?:I've|I’ve|I have)\s+got\s+(?:you\s+(?:down\s+)?as\s+)?)({FULL_NAME})"
    # ...where the question is about the person: "Tobias Reinholt at ...", "..., is that right?"; not
    # "I've got Premium Broadband on my account, is that right?"
    r"(?=(?:,?\s+(?:at|of|from|living at|born on)\b[^?]{0,60}?)?,?\s*\b(?:is that|that's|that’s|right|correct)\b"
    r"[^?]{0,20}\?)")

# An order or booking named by whose it is, which is the caller's surname: "that's the Lindqvist
# booking", "it's booked under Adeyemi", "in the name of Farrow".
_NAMED_THING = r"(?:order|booking|reservation|account|claim|job|file|case|policy|contract|delivery|installation|quote)"
NAMED_ORDER = re.compile(rf"(?i:\b(?:the|your|my|our)\s+)({NAME_WORD})(?=\s+(?i:{_NAMED_THING})s?\b)")
UNDER_NAME = re.compile(
    rf"(?i:\b(?:(?:booked|booking|ordered|order|reservation|account|it's|it’s|it is|that's|that’s|put|listed|"
    rf"registered)\s+under|in the name of|under the name(?: of)?|for the name|surname)\s+)"
    rf"({NAME_WORD})(?![\w\-]|\s+[A-Z])")


def names_of_orders(text: str) -> list[tuple[int, int]]:
    """Spans of the names of NAMED_ORDER and UNDER_NAME that are not ordinary words."""
    spans = [m.span(1) for pattern in (NAMED_ORDER, UNDER_NAME) for m in pattern.finditer(text)]
    return [(a, b) for a, b in spans if text[a:b].casefold() not in NOT_NAMES]


def find_spoken_details(text: str) -> list[tuple[int, int, str]]:
    """(start, end, entity) for each shape of the module docstring."""
    found = [(*m.span(1), SPELLED_ID) for m in SORT_CODE_SAID.finditer(text)]
    if BANK_TALK.search(text):
        found += [(*m.span(), SPELLED_ID) for m in SORT_CODE_SHAPE.finditer(text)]
    found += [(*m.span(1), PASSWORD) for m in SECRET_SAID.finditer(text)]
    found += [(*m.span(m.lastindex), LOCATION) for m in STREET_WITHOUT_NUMBER.finditer(text)]
    found += [(*m.span(), ADDRESS) for m in ADDRESS_CLAUSE.finditer(text)]
    found += [(*m.span(1), PERSON) for m in READ_BACK_NAME.finditer(text)]
    found += [(a, b, PERSON) for a, b in names_of_orders(text)]
    return sorted(set(found))



def answered_secrets(segments: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> the answer opening the turn after a question for a password or memorable
    word (the next turn by another speaker, or any next turn on mono)."""
    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers(segments, SECRET_REQUEST):
        match = SECRET_ANSWER.match(reply["text"])
        if match:
            found[index] = [match.span(1)]
    return found


# A question for where the caller lives: "what's the address?", "and the first line of the address?",
# "which house number is it?".
ADDRESS_REQUEST = re.compile(r"(?i:\baddress\b|\bfirst line\b|\bhouse (?:number|name)\b|\bwhere do you live\b)")
# Words after a number that make it a quantity or a time, not a house: "nine months ago", "two of them".
_NOT_A_HOUSE_WORD = (r"(?:hours?|minutes?|days?|weeks?|months?|years?|miles?|times?|pounds?|quid|pence|percent|"
                     r"o'?clock|am|pm|more|other|of|the|a|an|and|or|to|in|on|at|for|with|i|it|it's|is|was|"
                     r"you|we|they|he|she|that|this|please|thanks|yes|yeah|no|ago|items?|people|kids|children|as|so|but|if|"
                     r"by|from|off|up|down|all|each|only|just|not|yet|still|again|before|after|now|then|too|"
                     r"sorry|actually|though|i'm|i've|i'll|i'd|anyway|right|okay|ok)")
_HOUSE_WORD = rf"(?!(?:{_NOT_A_HOUSE_WORD}|{_NUMBER_WORD})\b)[A-Za-z][A-Za-z'’]{{1,20}}"
# A house number, then one to three words that end the clause (a comma, a full stop, the turn's end).
ANSWERED_ADDRESS = re.compile(
    rf"(?<![\w'’\-])(?i:{_HOUSE_NUMBER})(?:\s+|-)(?i:{_HOUSE_WORD})(?:[\s\-](?i:{_HOUSE_WORD})){{0,2}}"
    r"(?=\s*(?:[,.;!?]|$))")


ANSWER_SEGMENTS = 3  # an answer of name, birthday and address may run over a few segments


def answered_addresses(segments: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> house number and street words in the answer to a question for an address:
    the next turn by another speaker (or any next turn on mono) and the segments of the same
    speaker that go on with it ("It's Ann Lee, fifth of May," - "nine orchard rise, ...")."""
    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers(segments, ADDRESS_REQUEST):
        for offset, segment in enumerate(segments[index:index + ANSWER_SEGMENTS]):
            if offset and (segment["speaker"] != reply["speaker"] or segment["speaker"] == "unknown"):
                break
            spans = [m.span() for m in ANSWERED_ADDRESS.finditer(segment["text"])]
            if spans:
                found[index + offset] = spans
    return found
