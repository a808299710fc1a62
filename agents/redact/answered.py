"""Answers read by the question they answer, whatever ASR did to their words (issue 8, session 20).

The agent's ask says what the next turn carries; ASR misspells an unknown surname into ordinary
words ("Don't fielding" for Dawn Fielding), writes it in lower case ("call in marsh") or hears a
postcode's letters as words ("Energy 5, 1-D-W" for NG5 1DW). So:

- English, after a request for the caller's name: the first clause of the reply (one to three
  words, after "it's", "yes" and the like, up to a comma, a full stop, "and" or the next detail's
  name) is the name, in whatever case, unless it is talk: its last word a function word or a word
  of ordinary talk ("Hang on", "Don't know", "Sorry?"). Capitalised words inside the reply's
  sentences (not opening one) are names too ("<PERSON>, Holy Barnard, ..."; "NT's Alfie").
- English, after a request for a postcode: the dictated run that starts at the reply's first
  token with a digit, with one word before it ("E811 2pj", "Energy 5, 1-D-W", "cm2 free RT").
- Russian, after a request for a name («как фамилия?», «ФИО»): the reply's opening sentences of one
  to three words the dictionary does not know as ordinary words (a surname misheard as "лаптиф"),
  never talk («сейчас скажу», «да, минуту»).
- Russian, after a request for an address («адрес?», «адрес участка»), which the caller answers
  without «улица»: up to three words that may name a street before the house number, across one
  full stop or comma ("полевая. Двенадцать."); not a date ("ноября 58 года").
Each reading takes the next turn by another speaker (any next turn on mono), as identity.answers.
"""
from __future__ import annotations

import re
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS

from agents.redact.call_memory import proper_noun
from agents.redact.identity import NAME_REQUEST, NOT_NAMES, answers
from agents.redact.numbers import TEENS, TENS, UNITS, normalise_spoken_numbers

# Words that make a short reply talk rather than a name, beyond the function words.
_TALK = frozenset(
    "know sure sorry pardon hang hold wait sec second moment minute course problem worries fine right "
    "okay ok yes yeah yep no nope hello hi thanks thank cheers please um erm er uh hmm oh ah mine me "
    "think remember said say tell check look see spell spelt spelled name names surname postcode address "
    "account booking number date birth first last full afternoon morning evening idea clue bit mo again "
    "it's that's what's there's here's i'm i've i'll i'd we'll we've you'll postcodes".split())
# A clause opening like a sentence of talk ("I think...", "Can you...") is no name.
_TALK_OPENING = frozenset("i i'm i've i'd i'll we we're you it is are can could would will what who let just "
                          "not no do did does about for from with to the a an my our his her their on in at under of "
                          "by this that but and so well oh".split())
_FILLER = r"(?:it's|it’s|it is|its|yes|yeah|yep|sure|okay|ok|right|um|erm|er|uh|so|oh|please)"
# The clause of the name: up to three words (or placeholders), to a comma, a full stop, "and", or
# the next detail asked for with it ("name and postcode": "call in marsh postcode cm2 ...").
_NAME_TOKEN = r"(?:<[A-Z_]+>|[A-Za-z][A-Za-z'’\-]{0,24})"
ANSWER_CLAUSE = re.compile(
    rf"^\s*(?i:{_FILLER}[,.]?\s+){{0,3}}({_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}}?)"
    r"(?=\s*(?:[,.;!?]|$)|\s+(?i:and|post\W?code|post[\s\-]go|post[\s\-]good|date of birth|born)\b)")
# A capitalised word inside a sentence of the reply: after a word or a comma, not after a full stop.
INNER_CAPITAL = re.compile(r"(?<=[\w,’'] )((?:Mc|Mac)?[A-Z][a-z]{2,20})(?![\w'’\-])")


def _talk(word: str) -> bool:
    if word.startswith("<"):
        return False
    key = word.casefold().strip("'’-")
    return key in EN_STOP_WORDS or key in _TALK or key in NOT_NAMES or key.replace("’", "'") in EN_STOP_WORDS


def _reply_name_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    match = ANSWER_CLAUSE.match(text)
    if match:
        words = match.group(1).split()  # a placeholder counts as the name it replaced
        if any(not w.startswith("<") for w in words) and not _talk(words[-1]) and words[0].casefold().replace("’", "'") not in _TALK_OPENING and \
                sum(_talk(w) for w in words) < len(words):
            spans.append(match.span(1))
    spans += [m.span(1) for m in INNER_CAPITAL.finditer(text) if not _talk(m.group(1))
              and not any(a <= m.start(1) < b for a, b in spans)]
    return spans


# A lower-case word right after the caller's own name cue is the name ASR did not capitalise.
LOWER_NAME_CUE = re.compile(r"\b(?i:my name is|my name['’]s|my surname is|my surname['’]s)\s+([a-z][a-z'’\-]{2,24})(?![\w'’])")


# identity.NAME_REQUEST, and the name asked for with "ваши полные имя..." (the rest of the ask
# redacted or misheard).
RU_NAME_REQUEST = re.compile(rf"{NAME_REQUEST['ru'].pattern}|(?i:(?<!\w)(?:ваш\w{{0,2}}|полн\w{{0,3}})\s+(?:имя|фио)(?!\w))")


def answered_names_loose(segments: list[dict], language: str, morph: Any = None) -> dict[int, list[tuple[int, int]]]:
    """segment index -> the name spans of the reply to a request for a name (module docstring)."""
    found: dict[int, list[tuple[int, int]]] = {}
    if language == "en":
        for index, segment in enumerate(segments):
            spans = [m.span(1) for m in LOWER_NAME_CUE.finditer(segment["text"]) if not _talk(m.group(1))]
            if spans:
                found[index] = spans
        for index, reply in answers(segments, NAME_REQUEST["en"], question=False):
            spans = _reply_name_spans(reply["text"])
            if spans:
                found.setdefault(index, []).extend(spans)
        for index, spans in echoed_names(segments).items():
            found.setdefault(index, []).extend(spans)
    elif language == "ru" and morph is not None:
        for index, reply in answers(segments, RU_NAME_REQUEST, question=False):
            spans = _russian_reply_names(reply["text"], morph)
            if spans:
                found[index] = spans
        for index, segment in enumerate(segments):
            spans = russian_greeted_self_named(segment["text"])
            if spans:
                found.setdefault(index, []).extend(spans)
    return found


# Someone greeting and saying who they are: «Алло, здравствуйте, это шкубенно веро, я у вас ...». The
# words after «это» that russian.beside_a_name_ru reads as a name or does not know (ASR's mangled
# surname) are the name, up to three; «здравствуйте, это очень срочно» stays.
RU_GREETED_THIS = re.compile(r"(?i:(?:здравствуйте|алло|добрый\s+(?:день|вечер)|доброе\s+утро)[,.!]?\s+это\s+)")
RU_NAME_WORDS = 3


def russian_greeted_self_named(text: str) -> list[tuple[int, int]]:
    from agents.redact.russian import beside_a_name_ru

    spans = []
    for cue in RU_GREETED_THIS.finditer(text):
        at = cue.end()
        for _ in range(RU_NAME_WORDS):
            word = _RU_WORD.match(text, at)
            if not word or not beside_a_name_ru(word.group()):
                break
            spans.append(word.span())
            at = word.end() + (1 if text[word.end():word.end() + 1] == " " else 0)
            if text[word.end():word.end() + 1] != " ":
                break
    return spans


# A turn that opens with one capitalised word standing alone ("Gallagher. Bear with me.", "Ainsworth,
# yeah, ..."), within the two turns after a request for a name: the name given, or the agent saying
# back the name the caller has just given, whatever ASR made of the caller's answer. Only a word
# the tagger reads as a proper noun (NNP): "Lovely. Bear with me." or "Perfect, yeah." stay.
ECHO_TURNS = 2
ECHO_OPENING = re.compile(r"^\W*((?:Mc|Mac)?[A-Z][a-z]{2,20}(?:['’\-][A-Z][a-z]+)?)(?=\s*[,.!?;])")
# Acknowledgements the small tagger takes for proper nouns when they stand alone.
_ACKNOWLEDGEMENTS = frozenset("super fab gotcha ta lovely brilliant perfect great smashing wonderful marvellous "
                              "excellent cool nice noted sorted done found got cheers right".split())


def echoed_names(segments: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> the name opening one of the two turns after a request for a name (above)."""
    found: dict[int, list[tuple[int, int]]] = {}
    for index, segment in enumerate(segments):
        if not NAME_REQUEST["en"].search(segment["text"]):
            continue
        for later in range(index + 1, min(index + 1 + ECHO_TURNS, len(segments))):
            if NAME_REQUEST["en"].search(segments[later]["text"]):
                break
            match = ECHO_OPENING.match(segments[later]["text"])
            if match and not _talk(match.group(1)) and match.group(1).casefold() not in _ACKNOWLEDGEMENTS \
                    and proper_noun(segments[later]["text"], *match.span(1)):
                found.setdefault(later, []).append(match.span(1))
    return found


# A postcode asked for, as ASR writes the word ("post-code", "post go", "post-good").
POSTCODE_REQUEST = re.compile(r"(?i:\bpost[\s\-]?(?:code|go|good|coat|cold)\b)")
_DIGIT_TOKEN = re.compile(r"(?<![\w'’\-])[A-Za-z]{0,3}-?\d[A-Za-z\d\-]{0,5}(?![\w'’])")
# What goes on with the postcode: a token with a digit, or a letter or two ("2 P J", "1-D-W").
_RUN_TOKEN = re.compile(r"[\s,\-]{1,3}([A-Za-z]{0,3}\d[A-Za-z\d\-]{0,4}|[A-Za-z]{1,3})(?![\w'’])")
_WORD_BEFORE = re.compile(r"(?<![\w'’])([A-Za-z][A-Za-z'’]{0,10})[\s,]{1,2}$")
# A date said with the postcode ("12th of May 1990, and it's ..."): an ordinal, a year, a day of.
_NOT_POSTCODE_START = re.compile(r"(?i:\d+(?:st|nd|rd|th)|(?:19|20)\d\d|\d{1,2}(?=\s+of\b))$")
_AFTER_MONTH = re.compile(r"(?i:january|february|march|april|may|june|july|august|september|october|november|"
                          r"december),?\s+$")  # "4th of March 88": the year
MAX_POSTCODE_TOKENS = 5
_NOT_POSTCODE_WORDS = frozenset("and please thanks thank that's is it's yeah yes the a that sorry no of it".split())


def answered_postcode_spans(text: str) -> list[tuple[int, int]]:
    """The run from the first token with a digit that is no date's, with one non-function word before it."""
    normalised = normalise_spoken_numbers(text)
    first = next((m for m in _DIGIT_TOKEN.finditer(normalised.text)
                  if not _NOT_POSTCODE_START.match(normalised.text, m.start(), m.end())
                  and not re.match(r"\s+of\b", normalised.text[m.end():])
                  and not _AFTER_MONTH.search(normalised.text[:m.start()])), None)
    if not first:
        return []
    start, end = first.span()
    for _ in range(MAX_POSTCODE_TOKENS - 1):
        more = _RUN_TOKEN.match(normalised.text, end)
        if not more or more.group(1).casefold() in _NOT_POSTCODE_WORDS or _NOT_POSTCODE_START.match(more.group(1)):
            break
        end = more.end()
    before = _WORD_BEFORE.search(normalised.text[:start])
    if before and not _talk(before.group(1)) and not re.search(r"\d", normalised.text[max(0, before.start() - 3):before.start()]):
        start = before.start(1)
    return [normalised.to_original(start, end)]


def answered_postcodes(segments: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> the postcode dictated in the reply to a request for one."""
    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers(segments, POSTCODE_REQUEST, question=False):
        spans = answered_postcode_spans(reply["text"])
        if spans:
            found[index] = spans
    for index, segment in enumerate(segments):  # the caller naming it: "and the postcode is ..."
        for cue in POSTCODE_GIVEN.finditer(segment["text"]):
            rest = segment["text"][cue.end():cue.end() + POSTCODE_GIVEN_CHARS]
            spans = [(cue.end() + a, cue.end() + b) for a, b in answered_postcode_spans(rest)]
            if spans:
                found.setdefault(index, []).extend(spans)
    return found


# Someone giving a postcode in their own words: "the postcode is ...", "postcode's ...".
POSTCODE_GIVEN_CHARS = 30  # the postcode follows its cue: a number later in the turn is not it
POSTCODE_GIVEN = re.compile(rf"{POSTCODE_REQUEST.pattern}(?:['’]s|\s+is|\s+was)\s+")


# --- Russian -------------------------------------------------------------------------------------
_RU_SENTENCE = re.compile(r"[^.!?…]+")
_RU_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)?")
_RU_TALK = frozenset("да нет так сейчас щас секунду минуту момент конечно хорошо ладно пожалуйста спасибо "
                     "алло ага угу ну вот это а я мой моя меня зовут фамилия имя".split())
MAX_RU_REPLY_SENTENCES = 2


def _russian_name_word(word: str, morph: Any) -> bool:
    from agents.redact.russian import _name_reading, known_or_verb_like

    key = word.lower()
    if key in _RU_TALK or len(key) < 3:
        return False
    return _name_reading(morph, key)[1] or not known_or_verb_like(morph, word)


def _russian_talk(word: str, morph: Any) -> bool:
    from agents.redact.russian import FUNCTION_WORDS, _parses

    parses = _parses(morph, word.lower())
    return word.lower() in _RU_TALK or bool(parses) and parses[0].is_known and parses[0].tag.POS in FUNCTION_WORDS


def _russian_reply_names(text: str, morph: Any) -> list[tuple[int, int]]:
    """Name words in the reply's opening short sentences (one to three words, none of them talk)."""
    from agents.redact.morphology import known_word

    spans, unread = [], []
    for sentence in list(_RU_SENTENCE.finditer(text))[:MAX_RU_REPLY_SENTENCES]:
        words = list(_RU_WORD.finditer(sentence.group()))
        tokens = [t for t in sentence.group().split() if not t.strip(",").startswith("<")]  # placeholders: names
        if not 1 <= len(words) <= 3 or len(tokens) != len(words) or any(_russian_talk(w.group(), morph) for w in words):
            break
        sentence_spans = [(sentence.start() + w.start(), sentence.start() + w.end()) for w in words]
        # One word reads as a name: the sentence is the name, its other words misheard parts of it
        # ("кузнецово даря"). A sentence of words the dictionary does not know, none read as a name,
        # is the surname misheard before the name is said in full ("лаптив. Матве лаптив."): it
        # goes with the name that follows, and alone it is nothing.
        if not any(_russian_name_word(w.group(), morph) for w in words):
            if any(known_word(w.group()) for w in words):
                break
            unread += sentence_spans
            continue
        spans += unread + sentence_spans
        unread = []
    return spans


RU_ADDRESS_REQUEST = re.compile(r"(?i:(?<!\w)адрес\w{0,3}(?!\w))")
# A house said in words: a Russian number word from 1 to 99 (longest first, so "двадцать" is not "два").
_RU_NUMBER_WORD = "(?:" + "|".join(sorted((word for table in (UNITS, TEENS, TENS) for word, value in table.items()
                                           if value and re.fullmatch("[а-яё]+", word)), key=len, reverse=True)) + ")"
_RU_HOUSE = re.compile(rf"(?<![\w,.])(?:\d{{1,3}}[а-яё]?|(?i:{_RU_NUMBER_WORD}))"
                       r"(?![\d\w]|[.,]\d|\s*(?:год|лет|г\.|руб|тыс|час|минут|числ|раз|штук|процент|на\s))")
_RU_MONTHS = re.compile(r"(?i:январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)")
# A quantity's unit before the number: "минут 20", "часа через два" is no street.
_RU_UNIT = re.compile(r"(?i:минут|секунд|час|дн[еяи]|недел|месяц|лет|год|руб|тысяч|штук|метр|раз|процент)")
STREET_WORDS = 3
RU_ANSWER_SEGMENTS = 3


def russian_street_before_number(text: str, morph: Any) -> list[tuple[int, int]]:
    """Up to three words that may name a street before a house number, across one full stop or comma."""
    from agents.redact.russian import _may_name_a_street

    normalised = normalise_spoken_numbers(text)
    plain = normalised.text
    spans = []
    for house in _RU_HOUSE.finditer(plain):
        at = house.start()
        gap = re.search(r"[\s.,]{1,3}$", plain[:at])
        if not gap or gap.group().count(".") + gap.group().count(",") > 1:
            continue
        at = gap.start()
        start = None
        for _ in range(STREET_WORDS):
            word = re.search(r"(?<![\w\-])[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)?$", plain[:at])
            if not word or _RU_MONTHS.match(word.group()) or _RU_UNIT.match(word.group()) or \
                    not _may_name_a_street(word.group(), morph):
                break
            start = word.start()
            at = len(plain[:start].rstrip(" "))
            if at != start:
                break
        if start is not None:
            spans.append(normalised.to_original(start, house.end()))
    return spans


# A street's type and its name after it, with no house number: "улицы речная", "на улице Садовой";
# not "на улице холодно" (the word after it must be one that may name a street).
_RU_STREET_TYPE = re.compile(r"(?i:(?<!\w)(?:улиц[аеыуй]|проспект\w{0,2}|переул\w{0,3}|бульвар\w{0,2}|"
                             r"набережн\w{0,3}|проезд\w{0,2}|шоссе),?\s+)([А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)?)")


def street_type_then_name(text: str, morph: Any) -> list[tuple[int, int]]:
    """Spans of a street's type and the name word after it (agents.redact.russian._may_name_a_street)."""
    from agents.redact.russian import _may_name_a_street

    return [m.span() for m in _RU_STREET_TYPE.finditer(text) if _may_name_a_street(m.group(1), morph)]


def answered_addresses_ru(segments: list[dict], morph: Any) -> dict[int, list[tuple[int, int]]]:
    """segment index -> a street and house said in the reply to a request for an address (and the
    same speaker's next segments, as spoken_details.answered_addresses)."""
    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers(segments, RU_ADDRESS_REQUEST, question=False):
        for offset, segment in enumerate(segments[index:index + RU_ANSWER_SEGMENTS]):
            if offset and (segment["speaker"] != reply["speaker"] or segment["speaker"] == "unknown"):
                break
            spans = russian_street_before_number(segment["text"], morph)
            if spans:
                found.setdefault(index + offset, []).extend(spans)
    for index, segment in enumerate(segments):
        spans = street_type_then_name(segment["text"], morph) + named_address_ru(segment["text"], morph)
        if spans:
            found.setdefault(index, []).extend(spans)
    return found


RU_ADDRESS_NAMED_CHARS = 60  # "адрес лесная три": the street follows the word that names it
_RU_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s*)$")


def named_address_ru(text: str, morph: Any) -> list[tuple[int, int]]:
    """A street and house said in any turn (the agent reading the record back too): right after the
    word «адрес» ("Адрес полевая, семь"), or a capitalised street word inside a sentence with its
    house number ("доставка на Ставропольскую двенадцать")."""
    spans = []
    for cue in RU_ADDRESS_REQUEST.finditer(text):
        rest = text[cue.end():cue.end() + RU_ADDRESS_NAMED_CHARS]
        spans += [(cue.end() + a, cue.end() + b) for a, b in russian_street_before_number(rest, morph)]
    for a, b in russian_street_before_number(text, morph):
        if text[a].isupper() and not _RU_SENTENCE_START.search(text[:a]):
            spans.append((a, b))
    return spans


# --- English streets -----------------------------------------------------------------------------
# The reply to a request for an address only (no name asked with it) that is nothing but one to
# three words with no number ("Quarry Bank.", as ASR hears it "Gulf Corey Bank"): the street, said
# with no type and no house; a reply of talk ("Same as before.", "Hang on.") stays.
def answered_streets(segments: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> the bare street answering a request for an address (above)."""
    from agents.redact.spoken_details import ADDRESS_REQUEST

    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers(segments, ADDRESS_REQUEST, question=False):
        asked = next(s["text"] for s in reversed(segments[:index]) if ADDRESS_REQUEST.search(s["text"]))
        if NAME_REQUEST["en"].search(asked) or re.search(r"\d", reply["text"]):
            continue
        match = ANSWER_CLAUSE.match(reply["text"])
        if not match or reply["text"][match.end(1):].strip(" ,.!?;"):
            continue
        words = match.group(1).split()
        if words[0].casefold() not in _TALK_OPENING and not any(_talk(w) for w in words):
            found[index] = [match.span(1)]
    return found
