"""English recognizers for how callers identify themselves, which spaCy's small NER misses.

- A full name in an identification phrase: "It's Helen Price.", "name's Omar Haddad",
  "under Rhys Morgan", or opening an answer that goes on with the date of birth ("Gemma Hollis,
  twelfth of March..."). spaCy finds such names only when it knows them (surnames that are
  also words, "Price", "Cook", or foreign ones, "Laurent", slip through); the position says it is
  a name whatever the name is.
- A first name the agent addresses the caller by ("Thank you, Sophie.", "Bye now, Thibault."),
  or a surname after a title ("Mrs Okonkwo").
- A reference spelled letter by letter with its digits: "Q R one two three four five six C"
  (a national insurance number), "A B nine eight seven six five four three". Dictated digits are
  already digits here (agents.redact.numbers), so this sees "Q R 123456 C".
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from difflib import SequenceMatcher

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS

PERSON, SPELLED_ID = "PERSON", "ID_NUMBER"
NAME_WORD = r"(?:Mc|Mac)?[A-Z][a-z]+(?:['’][A-Z][a-z]+|-[A-Z][a-z]+)?"  # Price, O'Neill, Smith-Jones, McAllister
FULL_NAME = rf"{NAME_WORD}(?:\s+{NAME_WORD}){{1,2}}(?!['’]s\b)"  # "Greenleaf Bank's team" is no name
# A caller names themselves: "it's", "name's / name is", "under (the name)", "account holder is".
NAME_CUE = re.compile(
    rf"(?i:\b(?:it's|it’s|it is|name's|name’s|name is|under(?: the name(?: of)?)?|in the name of|"
    rf"account holder is|holder's name is|that's|that’s|"
    # whom a parcel or letter is for: "it's for P Okonjo", ASR: "it's for Pia Condual"
    rf"it's for|it’s for|it is for|addressed to|made out to)\s+)({FULL_NAME})")
# Someone named by who they are to the caller: "for my son, Alfie Brennan", "my wife Sarah's on the
# policy", "our eldest, Maisie", "my neighbour Doreen", "my nephew's called Ravi".
_KIN = (r"(?:son|daughter|boy|girl|kid|child|husband|wife|partner|fianc[ée]e?|mum|mom|mother|dad|father|"
        r"brother|sister|grandson|granddaughter|grandchild|nephew|niece|uncle|aunt|auntie|nan|nana|gran|"
        r"granny|grandma|grandmother|grandad|grandpa|grandfather|cousin|friend|neighbour|neighbor|flatmate|"
        r"housemate|lodger|tenant|carer|colleague|boss|landlord|landlady|stepson|stepdaughter|eldest|youngest)")
FAMILY_NAME_CUE = re.compile(
    rf"(?i:\b(?:my|our|his|her|their)\s+(?:(?:little|eldest|youngest|oldest|older|younger|baby|twin|step|late|"
    rf"best|other)\s+){{0,2}}{_KIN}(?:['’]s name(?: is|['’]s)|(?:\s+is|['’]s)?\s+called|['’]s)?\s*,?\s+)"
    rf"({NAME_WORD}(?:\s+{NAME_WORD}){{0,2}})(?![\w\-])")
# Someone named by what only a person has (the caller's child, a relative): "Eleanor's piano lessons",
# "Alfie's teacher", "is Maisie's mum there?", up to one word between ("Eleanor's grade two exam"
# has two: no). A company's "Tesco's delivery" or "Halifax's app" names nothing here.
_OWNED_BY_A_PERSON = (rf"(?:{_KIN}s?|teachers?|tutors?|lessons?|class|classes|school|nursery|homework|"
                      r"appointments?|birthday|party|medication|medicine|prescription|inhaler|wheelchair|"
                      r"bedroom|pram|buggy|pushchair|carers?|consultant|gp|exams?|grades?|uniform|"
                      r"swimming|football|ballet|recital|christening|wedding|funeral)")
OWNER_OF = re.compile(rf"(?<![\w'’\-])({NAME_WORD})['’]s\s+(?:([a-z]+)\s+)?(?i:{_OWNED_BY_A_PERSON})(?![\w\-])")
# Love or greetings sent to someone named: "give Eleanor our love", "send Ravi my best", "say hi to Maisie".
GREETINGS_TO = re.compile(rf"(?i:\b(?:give|send)\s+)({NAME_WORD})\s+(?i:(?:our|my|all our|all my)\s+"
                          rf"(?:love|best|regards|best wishes))\b"
                          rf"|(?i:\b(?:say hi|say hello|love|best wishes|regards)\s+to\s+)({NAME_WORD})(?![\w'’\-])")
# A surname given on its own after its cue: "the surname's Whitcombe", "last name is Okafor".
SURNAME_CUE = re.compile(rf"(?i:\b(?:surname|last name|family name)(?:'s|’s| is)\s+)({NAME_WORD})")
_ORDINAL = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
            r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
            r"thirtieth|twenty[\s\-]\w+|thirty[\s\-]first|\d+(?:st|nd|rd|th)?)")
_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|"
          r"december)")
# The agent addressing the caller by first name, or a title and surname: "Thank you, Sophie.",
# "You're welcome, Aurelie.", "Bye now, Thibault.", "Mrs Okonkwo", "Mr D Shaw".
ADDRESSED = re.compile(
    rf"(?:(?i:\b(?:thank you|thanks|cheers|welcome|bye(?: now)?|goodbye|sorry)(?: (?:so|very) much)?,?\s+)"
    rf"({NAME_WORD})(?=\s*[,.!?]|\s*$)"
    rf"|\b(?:Mr|Mrs|Ms|Miss|Mister|Dr)\.?\s+((?:[A-Z]\.?\s+)?{NAME_WORD}(?:\s+{NAME_WORD})?))")
# Whom the agent asks for on an outgoing call: "Am I speaking to Grace Okafor?", "Is that Mr Daniel
# Shaw?", "Could I speak to Priya, please?". The question names the person whatever the name is,
# and ASR splits a surname it does not know into lower-case words ("Desmond a chebe"), so the words
# after a capitalised first one go up to the question mark. "Is that" asks about anything ("Is that
# Tuesday?", "Is that Clearview Opticians?", the caller ringing a company): only with a title.
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mister|Dr)\.?\s+"
_ASKED_NAME = rf"({NAME_WORD}(?:\s+[A-Za-z][\w'’\-]{{0,30}}){{0,2}})(?=\s*(?:,\s*(?i:please))?\s*\?)"
ASKED_FOR = re.compile(
    rf"(?i:\b(?:am i|are we) (?:speaking|talking) (?:to|with)\s+|\b(?:could|can|may) i (?:speak|talk) (?:to|with)\s+)"
    rf"(?:{_TITLE})?{_ASKED_NAME}"
    rf"|(?i:\b(?:is|am) (?:that|this|it|i speaking to)\s+){_TITLE}{_ASKED_NAME}")
# An answer opening with a full name and going on with the date of birth or a number.
NAME_THEN_BIRTH_DATE = re.compile(
    rf"(?:^|(?<=[.!?]\s))({FULL_NAME}),\s+(?=(?i:(?:the\s+)?{_ORDINAL}\b|{_MONTH}\b|born\b|"
    rf"date of birth\b|d\.?o\.?b\b|\d))")
# An answer closing with the name after the date of birth ("...the 9th of September 65, Julia
# Fernandes."): ASR often splits a surname it does not know into ordinary words ("Julia for
# non-death"), so the first name and up to three words after it to the end of the sentence go.
_YEAR = (r"(?:\d{2,4}|(?i:(?:nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|oh|one|two|"
         r"three|four|five|six|seven|eight|nine|hundred|thousand|and)[\s\-]{0,2}){1,4})")
_DATE = rf"(?:(?i:{_MONTH})(?:[\s,]{{1,2}}{_YEAR})?|\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}})"
BIRTH_DATE_THEN_NAME = re.compile(
    rf"(?<!\w){_DATE},?\s+({NAME_WORD}(?:\s+[A-Za-z][\w'’\-]{{0,30}}){{0,3}})(?=\s*[.!?]|\s*$)")
# Capitalised words that open sentences or follow "it's" without being names.
NOT_NAMES = frozenset(
    "hi hello hey thanks thank good morning afternoon evening yes yeah no okay ok sure well sorry "
    "dear the this that it mr mrs ms miss dr monday tuesday wednesday thursday friday saturday "
    "sunday january february march april may june july august september october november "
    "december christmas easter nothing everything something anything please then but and so we i "
    "you they he she great perfect fine bye goodbye cheers "
    "box unit flat apartment".split())  # address words spaCy takes into a name ("P.O. Box 4")
# Single capital letters and digit runs: "Q R 123456 C", "AB 98 76 54 C".
SPELLED = re.compile(r"(?<![\w])(?:[A-Z][\s,.\-]{1,2}){1,3}\d[\d\s,.\-]*\d(?:[\s,.\-]{1,2}[A-Z](?![\w'’]))?(?![\w])")
# The same reference written by ASR as one token: "V H two two nine..." comes out "BH22981" or
# "QR-123456C", or with only its first letter a capital ("Bw66018"). Five digits or more, so
# "K-N7", "A320" or "M20" (a postcode part) stay.
JOINED_ID = re.compile(r"(?<![\w\-])[A-Z][A-Za-z]{0,2}-?\d{5,12}[A-Z]?(?![\w\-])")
# An initial and a surname after a word that introduces whom something is for or from: "for a D
# Shaw", "addressed to J. Okafor", "it's R Patel". Without such a word "Plan B Premium" would be
# one; "a" only after a preposition ("for a D Shaw", while "it's a C Class" is a car). ASR may
# hyphenate the two ("a D-Shaw"); "an X-Ray", "a T-Mobile contract" or "an E-Mail" are no names.
INITIAL_SURNAME = re.compile(
    rf"(?i:\b(?:(?:for|to|from|by|under|of)\s+(?:an?\s+)?|(?:is|it's|it’s|name|called)\s+))"
    rf"((?![AI]\b)[A-Z](?:\.?\s+|-)(?!(?:Ray|Mobile|Mail|Book|Commerce|Shirt|Turn|Bike|Scooter|Cig)\b){NAME_WORD})"
    rf"(?![\w'’])")
# A surname spelled out letter by letter, as ASR writes it: "W-H-I-T-L-O-W", "W.H.A.T.L.O.W.U.",
# "R A M A S W A M Y", "R, A, M, A, S" (four letters or more with a hyphen or full stop, five with
# spaces or commas: "A B C"
# and "B.B.C." stay), or run together right after the name it spells ("Ramaswamy, RMSWMY").
SPELLED_LETTERS = re.compile(
    r"(?<![\w.\-])(?:[A-Z](?:-[A-Z]){3,}|[A-Z](?:\.[A-Z]){3,}\.?|[A-Z](?:,? [A-Z]){4,})(?![\w\-])"
    rf"|(?<!\w)(?:{NAME_WORD}),\s+(?i:(?:that's|that’s|that is|spelt|spelled)\s+)?([A-Z]{{4,12}})(?![\w'’])")
# The same run together after a spelling cue, also where a full stop ended the name before it
# ("...Whitlow. That's WHITLOW, ..."), and any such capitals beside the word they spell as ASR
# heard it ("Gareth price PRYCE price"): agents/redact/identity.spelled_beside.
SPELLING_CUE = re.compile(r"(?i:\b(?:spelt|spelled|spelling(?:'s| is)?)\s+)([A-Z]{4,12})(?![\w'’])"
                          # "that's" only when the capitals spell a word just said ("That's GREAT news" stays)
                          r"|(?i:\b(?:that's|that’s|that is)\s+)([A-Z]{4,12})(?![\w'’])")
_JUST_SAID = re.compile(r"[A-Za-z'’]{3,20}")
CAPITALS_WORD = re.compile(r"(?<![\w'’\-])[A-Z]{4,12}(?![\w'’\-])")
_NEIGHBOUR_BEFORE = re.compile(r"([A-Za-z'’]{3,20})[\s,]{1,3}$")
_NEIGHBOUR_AFTER = re.compile(r"^[\s,]{1,3}([A-Za-z'’]{3,20})")
SPELLED_LIKE = 0.75  # difflib ratio: "price" for PRYCE 0.8, "Whitlow" for WHITLOW 1.0
SPELLED_AFTER_CUE_LIKE = 0.65  # with "that's" before it: "Whitwell. That's WHITLOW" 0.67
# Common acronyms ASR spells out ("M-O-T", "H-M-R-C"), also after "the" heard as a letter D
# ("D-M-O-T"): the spelling of a thing, not of anyone's name.
NOT_SPELLED_NAMES = frozenset({"ASAP", "RSVP", "MOT", "NHS", "VAT", "BBC", "ATM", "SIM", "USB", "DVD", "PIN",
                               "ISA", "HMRC", "DVLA", "CCTV", "PAYG", "GDPR", "DIY", "ISP", "APR"})


def _is_acronym(letters: str) -> bool:
    return letters in NOT_SPELLED_NAMES or (letters[:1] == "D" and letters[1:] in NOT_SPELLED_NAMES)
MIN_SPELLED_CHARS = 7  # "L L 603" (a policy prefix) or "K N 7" identify nobody
MIN_SPELLED_DIGITS = 5


def _spelled_like(capitals: str, word: str) -> float:
    """How closely spelled-out capitals match a word as heard (difflib ratio, case ignored)."""
    return SequenceMatcher(None, capitals.lower(), word.lower()).ratio()


def spelled_beside(text: str) -> list[tuple[int, int]]:
    """A word in capitals (no known acronym) and the neighbouring word it spells: both name
    someone. ASR writes a spelled surname as one word next to its own mishearing of the name."""
    spans = []
    for caps in CAPITALS_WORD.finditer(text):
        if _is_acronym(caps.group()):
            continue
        before = _NEIGHBOUR_BEFORE.search(text, max(0, caps.start() - 25), caps.start())
        after = _NEIGHBOUR_AFTER.match(text[caps.end():])
        neighbours = ([before.span(1)] if before else []) + (
            [(caps.end() + after.start(1), caps.end() + after.end(1))] if after else [])
        like = [(a, b) for a, b in neighbours
                if _spelled_like(caps.group(), text[a:b]) >= SPELLED_LIKE]
        if like:
            spans += [caps.span(), *like]
    return spans


def _words_spelled_before(text: str, letters: str, end: int) -> list[tuple[int, int]]:
    """Spans of the words said in the 60 characters before `end` that the letters spell."""
    return [m.span() for m in _JUST_SAID.finditer(text, max(0, end - 60), end)
            if _spelled_like(letters, m.group()) >= SPELLED_AFTER_CUE_LIKE]


def word_spelled_before(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """The word said just before a letter-by-letter spelling that it spells ("It'll be Pickle.
    P, I, C, K, L, E."): the spelling marks it as a name or an answer, whatever word it is."""
    return _words_spelled_before(text, re.sub(r"[^A-Z]", "", text[span[0]:span[1]]), span[0])[-1:]


def _spells_a_word_before(text: str, match: re.Match) -> bool:
    """Whether the capitals spell one of the words said in the 60 characters before the cue."""
    return bool(_words_spelled_before(text, match.group(match.lastindex), match.start()))


def _is_name(value: str) -> bool:
    return not any(word.casefold() in NOT_NAMES for word in value.split())


def _owner_named(match: re.Match) -> bool:
    """An OWNER_OF match names its owner: no question word or pronoun before 's, which is "is"
    there ("Who's your mum?", "That's the teacher"), nor one between ("Harry's my son")."""
    return _is_name(match.group(1)) and match.group(1).casefold() not in EN_STOP_WORDS \
        and (match.group(2) or "") not in EN_STOP_WORDS


class CallerNameRecognizer(EntityRecognizer):
    """PERSON for a full name where a caller gives their name (see the module docstring). It
    outranks spaCy's LOCATION guess on the same words (0.85), so the name is also swept from the
    rest of the call (agents.redact.transcript)."""

    def __init__(self, score: float = 0.9) -> None:
        self.score = score
        super().__init__(supported_entities=[PERSON], name="CallerNameRecognizer", supported_language="en")

    def load(self) -> None:  # regex only
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if PERSON not in entities:
            return []
        spans = {m.span(1) for pattern in (NAME_CUE, SURNAME_CUE, FAMILY_NAME_CUE, NAME_THEN_BIRTH_DATE,
                                           BIRTH_DATE_THEN_NAME, INITIAL_SURNAME)
                 for m in pattern.finditer(text) if _is_name(m.group(1))}
        for m in SPELLED_LETTERS.finditer(text):
            span = m.span(1) if m.group(1) else m.span()
            spelled_after = m.group(1) and not _is_name(m.group().split(",")[0])  # "Hello, HSBC"
            if not spelled_after and not _is_acronym(re.sub(r"[^A-Z]", "", text[span[0]:span[1]])):
                spans.add(span)
                spans.update(word_spelled_before(text, span))
        spans.update(m.span(m.lastindex) for m in SPELLING_CUE.finditer(text)
                     if not _is_acronym(m.group(m.lastindex)) and (m.lastindex == 1 or _spells_a_word_before(text, m)))
        spans.update(spelled_beside(text))
        spans.update(m.span(1) for m in OWNER_OF.finditer(text) if _owner_named(m))
        spans.update(m.span(m.lastindex) for m in GREETINGS_TO.finditer(text) if _is_name(m.group(m.lastindex)))
        for m in ASKED_FOR.finditer(text):
            if _is_name(m.group(m.lastindex)):
                spans.add(m.span(m.lastindex))
        for m in ADDRESSED.finditer(text):
            group = 1 if m.group(1) else 2
            if _is_name(m.group(group)):
                spans.add(m.span(group))
        return [RecognizerResult(PERSON, start, end, self.score) for start, end in sorted(spans)]


class SpelledIdRecognizer(EntityRecognizer):
    """ID_NUMBER for a reference dictated as letters and digits (national insurance, licence)."""

    def __init__(self, score: float = 0.6) -> None:
        self.score = score
        super().__init__(supported_entities=[SPELLED_ID], name="SpelledIdRecognizer", supported_language="en")

    def load(self) -> None:  # regex only
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if SPELLED_ID not in entities:
            return []
        results = []
        for match in SPELLED.finditer(text):
            chars = re.sub(r"[\W_]", "", match.group())
            if len(chars) >= MIN_SPELLED_CHARS and sum(c.isdigit() for c in chars) >= MIN_SPELLED_DIGITS:
                results.append(RecognizerResult(SPELLED_ID, match.start(), match.end(), self.score))
        results += [RecognizerResult(SPELLED_ID, m.start(), m.end(), self.score) for m in JOINED_ID.finditer(text)]
        return results


# The turn after a request for the caller's name ("Could I have your surname?", "Назовите ФИО")
# often opens with nothing but the name ("Ashworth, M20 4QB."): no cue in the answer itself, so
# it takes the question (agents.redact.transcript.answered_names).
NAME_REQUEST = {
    "en": re.compile(r"(?i:\b(?:your|the|a)\s+(?:[\w\-]+['’]s\s+)?(?:full\s+|first\s+|last\s+|family\s+)?(?:name|surname)\b"
                     # ...whose name: "the account holder's name", "the policyholder's name"
                     # the request as a bare word: "Surname, and the first line of the address?"
                     # ...also as the last sentence of the turn: "Yeah, I can put you down. Name?"
                     r"|(?:^|[.!?]\s+)\W*(?:full\s+|last\s+)?(?:name|surname)\b(?!['’]s)"
                     r"|\bwho am i (?:speaking|talking) (?:to|with)\b"
                     # "What name's the booking under?" (ASR: "What names the..."), "Whose name is it in?"
                     r"|\b(?:what|which|whose) names?\b|\bwho(?:'s|’s| is) (?:it|that|the \w+) (?:under|booked)\b)"),
    "ru": re.compile(r"(?i:\bфио\b|\bфамили[юяи]\b|\bваше\s+имя\b|\bкак\s+(?:вас|к\s+вам)\s+(?:зовут|обращаться)\b)"),
}
ANSWER_NAME = {
    "en": re.compile(rf"^\s*(?i:(?:it's|it’s|yes|yeah|sure|okay|ok)[,.]?\s+)?((?:(?![AI]\b)[A-Z]\.?\s+)?"
                     rf"{NAME_WORD}(?:\s+{NAME_WORD}){{0,2}})"
                     r"(?=\s*[,.!?]|\s*$)"),
    "ru": re.compile(r"^\s*(?i:(?:да|так)[,.]?\s+)?([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?(?:\s+[А-ЯЁ][а-яё]+){0,2})"
                     r"(?=\s*[,.!?]|\s*$)"),
}
NOT_NAMES_RU = frozenset("да нет так здравствуйте спасибо хорошо конечно алло минуту сейчас".split())


# A turn of the asker this short between the ask and the other speaker's turn is a fragment the
# speaker labels got wrong ("It's" heard on the agent's side), not the answer.
FRAGMENT_WORDS = 2
_LAST_SENTENCE = re.compile(r"[^.?!]*[.?!]*\s*$")
# A request said with "please" is put to the other speaker (a question may be the speaker's own:
# "What was my password? Bluebell, I think.").
CLOSING_ASK = re.compile(r"(?i:\bplease)\W*$")


def _asks_last(text: str, request: re.Pattern) -> bool:
    """Whether the request is in the turn's last sentence, the ask closing the turn."""
    core = text.rstrip().rstrip(".?!")
    tail = _LAST_SENTENCE.search(core)
    return bool(tail and request.search(tail.group()))


def answers(segments: list[dict], request: re.Pattern, question: bool = True) -> Iterator[tuple[int, dict]]:
    """(index, reply) for each turn answering one that matches `request` (with a question mark, when
    `question`): the next turn by another speaker, or any next turn on mono. Speaker labels of a mono
    call are guessed from voices and can be wrong, so the reply is also the asker's next turn when
    the ask closes its turn with "please" ("... And the postcode, please." -
    "NG5 1DW"), and the other speaker's turn after a fragment of one or two words ("It's")."""
    for index in range(1, len(segments)):
        asked, reply = segments[index - 1], segments[index]
        if question and "?" not in asked["text"] or not request.search(asked["text"]):
            continue
        if reply["speaker"] == asked["speaker"] != "unknown":
            following = segments[index + 1] if index + 1 < len(segments) else None
            if len(reply["text"].split()) <= FRAGMENT_WORDS and "?" not in reply["text"] and following is not None \
                    and following["speaker"] != asked["speaker"]:
                yield index + 1, following
            elif _asks_last(asked["text"], request) and "?" not in reply["text"] and CLOSING_ASK.search(asked["text"]):
                yield index, reply
            continue
        yield index, reply


# Someone naming themselves: answering the phone ("Hello, Priya speaking."; not "Is that Jim
# speaking?") or "my name's Priya". The NER misses first names it has not seen; the agent's own
# introduction is kept apart from this (transcript.agent_introductions).
SELF_NAMED = {
    "en": re.compile(rf"(?<![\w'’])({NAME_WORD})\s+speaking\b(?![^.?!]*\?)"
                     rf"|\b(?i:my name is|my name['’]s)\s+({NAME_WORD})"
                     # ...or confirming who they are, the name closing the clause: "Yeah, that's me, Sean."
                     rf"|\b(?i:that['’]s me|it['’]s me|yes,? me),?\s+({NAME_WORD})(?=\s*(?:[,.;!?]|$))"
                     # ...or "I'm" and a capitalised word closing the clause: "Jan calls me, I'm Teresa, his wife."
                     rf"|(?<![\w'’])I['’]m\s+({NAME_WORD})(?=\s*(?:[,.;!?]|$))"),
}


I_AM_GROUP = 4  # "I'm Teresa": a stop word there is talk ("I'm Not.")
DEPARTMENTS = frozenset("reception accounts support billing sales service bookings enquiries office desk "
                        "team helpdesk customer who".split())  # "Reception speaking" names no one


def self_named(segments: list[dict], language: str) -> dict[int, list[tuple[int, int]]]:
    """segment index -> spans of the names people give as their own."""
    pattern = SELF_NAMED.get(language)
    found: dict[int, list[tuple[int, int]]] = {}
    for index, segment in enumerate(segments if pattern else ()):
        for match in pattern.finditer(segment["text"]):
            group = match.lastindex
            word = match.group(group).casefold()
            if word not in NOT_NAMES | DEPARTMENTS and not (group == I_AM_GROUP and word in EN_STOP_WORDS):
                found.setdefault(index, []).append(match.span(group))
    return found


def answered_names(segments: list[dict], language: str) -> dict[int, list[tuple[int, int]]]:
    """segment index -> the name opening a turn that answers a request for the caller's name (asked
    or not as a question: "Your name, please.")."""
    request, answer = NAME_REQUEST.get(language), ANSWER_NAME.get(language)
    if request is None or answer is None:
        return {}
    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers(segments, request, question=False):
        match = answer.match(reply["text"])
        words = match.group(1).casefold().split() if match else []
        if words and not any(w in NOT_NAMES or w in NOT_NAMES_RU for w in words):
            found[index] = [match.span(1)]
    return found
