"""Russian recognizers: documents with checksums, street addresses, and names via natasha.

Everything here sees the text with dictated numbers already turned into digits
(agents.redact.numbers), so "серия сорок пять двенадцать" arrives as "серия 4512".
natasha's NER finds names on punctuated, capitalised text only; ASR text is often neither, so a
dictionary pass (pymorphy2, natasha's own morphology) adds words whose most likely reading is a
first name, surname or patronymic. Ambiguous words ("вера", "надежда") count only next to an
unambiguous name or after "зовут", so ordinary words survive.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

from agents.redact.identity import SPELLED_ID
from agents.redact.morphology import natasha_models, parses as _parses
from agents.redact.recognizers import (RU_PHONE, RUN, DigitRunRecognizer, FinderRecognizer,
                                      bounded_email_recognizer, spoken_email_recognizer)
from agents.redact.russian_details import PASSWORD, find_russian_details

PASSPORT, INN, SNILS, ADDRESS = "RU_PASSPORT", "RU_INN", "RU_SNILS", "ADDRESS"
NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})
WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)?")
INTRODUCTION = re.compile(r"\b(?:зовут|имя|фамилия|отчество|фамилию|имени)\s*(?:[:,\-]\s*)?$", re.I)
INTRODUCTION_WORDS = frozenset("зовут имя фамилия отчество фамилию имени".split())
# Never a name, whatever else the dictionary reads in them: "из" also reads as the name "Иза".
FUNCTION_WORDS = frozenset({"PREP", "CONJ", "PRCL", "NPRO", "INTJ"})
DOCUMENT_NAMES = frozenset("снилс снилз инн огрн осаго каско омс дмс".split())
# The detail an agent asks for, heard between commas ("Фамилия, адрес?", "подтвердите, адрес, куда
# ...") is taken for a name by the NER; it names no one, and the check must stay readable.
DETAIL_NAMES = frozenset("адрес адреса адресу адресом телефон телефона почта почту паспорт "
                         "дата дату рождения номер номера снилс инн".split())
# A greeting the ASR garbled into an unknown capitalised word ("Издравствуйте", "Здравство эти",
# "Добрый" with no "день" after it) is taken for a name by the NER, alone or with the name after
# it; the greeting names no one, and the greeting check must still see it. Surnames with these
# stems (Добрынин, Здравомыслов) do not match.
GREETING_WORD = re.compile(r"здравств|дравству|здравство|(?<!\w)добр(?:ый|ое|ая|ого)(?!\w)|(?<!\w)привет", re.I)
# The word after an organisation's kind, or in «quotes», names the organisation, which the policy
# keeps ("компания ТелекомПлюс", "фитнес-клуб Атлет", "клиники Здоровье", "школа «Знайка»").
ORGANISATION_BEFORE = re.compile(
    r"(?<!\w)(?:компани[яиюей]|банк[аеу]?|клиник[аиуе]|магазин[аеу]?|(?:фитнес-)?клуб[аеу]?|"
    r"школ[аыеу]|онлайн-школ[аыеу]|провайдер[аеу]?|оператор[аеу]? связи|служб[аыеу] доставки|"
    r"аптек[аиуе]|салон[аеу]?|сервис[аеу]?)\s*«?$", re.IGNORECASE)
# Series (4 digits) and number (6 digits), however ASR groups them ("45 0 8", "612 345"), or the
# 10 digits after "паспорт".
PASSPORT_SERIES = re.compile(
    r"\bсери[яиюей]\W{0,3}(\d(?:[ ,.\-]?\d){3})(?:\W{0,4}(?:номер|№|н\.)?\W{0,3}(\d(?:[ ,.\-]?\d){5}))?(?!\d)",
    re.I)
PASSPORT_CONTEXT = re.compile(r"\bпаспорт\w*", re.I)
PASSPORT_DIGITS = re.compile(
    r"(?<![\d,.\-])(\d{2}[ ,.\-]?\d{2} ?\d{6}|\d{3}[ ,.\-]?\d{3})(?![\d]|[,.\-]\d)")
# "...серия 45 12," | "номер 345 678": ASR can cut a dictation between two segments, so a
# six-digit number right after "номер" is redacted even when "паспорт" is out of sight.
NUMBER_AFTER_NOMER = re.compile(r"\bномер\w*\W{0,3}(\d{3}[ ,.\-]?\d{3})(?![\d]|[,.\-]\d)", re.I)
STREET_TYPES = (r"(?:улиц[аеыуй]|ул\.|проспект\w*|пр-т\w*|переул\w*|пер\.|бульвар\w*|б-р|шоссе|"
                r"площад[ьи]|набережн\w*|проезд\w*|микрорайон\w*|тупик\w*|аллея|аллее)")
# A house number of one digit stays a word after the number reading ("Липовая аллея, шесть"),
# agents.redact.numbers joins only numbers of two words or more into digits.
# ...closing its phrase: "пять машин" counts something.
UNIT_WORD = (r"(?:один|одна|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять)"
             r"(?=\s*(?:[,.?!;:…]|$|корпус|квартир|кв\b|строени|подъезд|этаж))")
HOUSE_NUMBER = rf"(?:\d+\w?|{UNIT_WORD})"
HOUSE = rf"(?:дом|д\.)?\s*{HOUSE_NUMBER}(?:\s*(?:/|корпус|корп\.|к\.|строение|стр\.)\s*(?:\d+|{UNIT_WORD}))?"
FLAT = r"(?:\W{0,3}(?:квартира|квартиру|кв\.?|офис)\s*\d+)?"
# "улица Ленина, дом 5, квартира 12", "Тверская улица 7", "проспект Мира 15, кв 3"; ASR may put a
# comma inside a name it splits ("улица большая, все пуховская, дом 31" for Большая Серпуховская). A
# name before the street type starts a word (without the look-behind every character of a long word
# was a start: quadratic).
RU_STREET_ADDRESS = re.compile(
    rf"(?:{STREET_TYPES}\s+(?:[\w\-]+,?\s+){{0,2}}?[\w\-]+|(?<![\w\-])[\w\-]+\s+{STREET_TYPES})\W{{0,3}}{HOUSE}{FLAT}"
    rf"|\b(?:дом|д\.)\s*{HOUSE_NUMBER}\W{{0,3}}(?:квартира|кв\.?)\s*\d+", re.I)
ADDRESS_HINT = re.compile(rf"{STREET_TYPES}|\bдом\b|\bквартир|\bгород\b|\bг\.", re.I)
# A name spelled letter by letter: "по буквам Щ, Е, Р, Б, А" (five letters or more; talk has at
# most a few one-letter words in a row: "а я в", "и с").
SPELLED_LETTERS = r"(?<![\w\-])[А-ЯЁа-яё](?:[\s,.\-]{1,3}[А-ЯЁа-яё](?![\w])){4,40}"
HOUSE_PARTS = frozenset({"дом", "квартира", "корпус", "строение", "офис"})
# A house number without a street type before it: "Садовая, дом 7", "Народного Ополчения, 5,
# квартира 3", or the type misheard ("полиция садовая, дом 7" for "улица Садовая"). The street
# is then the words just before it that can name one (street_before_house).
# ...or a house number with its building after it ("Звёздная, семь, корпус два").
BARE_HOUSE = re.compile(rf"\b(?:дом|д\.)\s*{HOUSE_NUMBER}|(?<![\w\-]){HOUSE_NUMBER}(?=\W{{0,3}}(?:квартир\w*|кв\.?)\s*\d)"
                        rf"|(?<![\w\-]){HOUSE_NUMBER}(?=\W{{0,3}}(?:корпус\w*|корп\.|строени\w*|стр\.)\s*(?:\d|{UNIT_WORD}))", re.I)
# A garden or cottage settlement named in quotes is where someone lives ("СНТ «Берёзка»"), not an
# organisation the policy keeps.
SETTLEMENT = re.compile(r"(?<![\w\-])(?:СНТ|ДНТ|ДНП|ТСН|ЖК|КП|(?i:садов\w{0,4}\s+товарищ\w{0,5}|коттеджн\w{0,4}\s+пос[её]л\w{0,4}|"
                        r"жил\w{0,3}\s+комплекс\w{0,2}|пос[её]л\w{0,4}|деревн\w{0,2}|сел[оа]))\s*«([^»\n]{1,40})»")
STREET_NAME_WORDS = 3  # "Маршала Жукова", "Народного Ополчения", "Вешних Вод"
NOT_STREET_NAMES = frozenset({"адрес", "адреса", "адресу", "регистрации", "прописки", "проживания",
                              "доставки", "город", "города"})


def inn_valid(digits: str) -> bool:
    def check(weights: tuple[int, ...], body: str) -> int:
        return sum(w * int(d) for w, d in zip(weights, body)) % 11 % 10

    w10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    if len(digits) == 10:
        return check(w10, digits) == int(digits[9])
    if len(digits) == 12:
        return check(w11, digits) == int(digits[10]) and check(w12, digits) == int(digits[11])
    return False


def snils_valid(digits: str) -> bool:
    if len(digits) != 11:
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(digits[:9]))
    checksum = total if total < 100 else 0 if total in (100, 101) else total % 101 % 100
    return checksum == int(digits[9:])


def classify_russian_run(digits: str) -> str | None:
    """A Russian document type for a digit run that passes its checksum, else None."""
    if len(digits) in (10, 12) and inn_valid(digits):
        return INN
    if len(digits) == 11 and snils_valid(digits):
        return SNILS
    return None


class _Recognizer(EntityRecognizer):
    ENTITIES: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__(supported_entities=list(self.ENTITIES), name=type(self).__name__,
                         supported_language="ru")

    def load(self) -> None:  # models load lazily, once per process
        pass


class RussianDocumentRecognizer(_Recognizer):
    """Passport series and number, INN and SNILS (checksums), street addresses."""
    ENTITIES = (PASSPORT, INN, SNILS, ADDRESS)

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        found: list[RecognizerResult] = []
        for match in PASSPORT_SERIES.finditer(text):
            found += [RecognizerResult(PASSPORT, match.start(g), match.end(g), 0.9)
                      for g in (1, 2) if match.group(g)]
        for context in PASSPORT_CONTEXT.finditer(text):
            window_end = min(len(text), context.end() + 80)
            for match in PASSPORT_DIGITS.finditer(text, context.end(), window_end):
                found.append(RecognizerResult(PASSPORT, match.start(1), match.end(1), 0.85))
        found += [RecognizerResult(PASSPORT, m.start(1), m.end(1), 0.6)
                  for m in NUMBER_AFTER_NOMER.finditer(text)]
        for match in RUN.finditer(text):
            entity = classify_russian_run(re.sub(r"\D", "", match.group()))
            if entity:
                found.append(RecognizerResult(entity, match.start(), match.end(), 0.85))
        found += [RecognizerResult(ADDRESS, m.start(), m.end(), 0.8)
                  for m in RU_STREET_ADDRESS.finditer(text)]
        found += [RecognizerResult(ADDRESS, m.start(1), m.end(1), 0.8) for m in SETTLEMENT.finditer(text)]
        return [r for r in found if r.entity_type in entities]


@lru_cache(maxsize=50_000)
def _name_reading(morph: Any, word: str) -> tuple[bool, bool]:
    """(most likely a name, possibly a name) per pymorphy2's dictionary."""
    parses = _parses(morph, word)
    top = bool(parses) and bool(NAME_GRAMMEMES & set(parses[0].tag.grammemes))
    return top, top or any(NAME_GRAMMEMES & set(p.tag.grammemes) for p in parses[:4])


@lru_cache(maxsize=50_000)
def _plain_word(morph: Any, word: str) -> bool:
    """A word the dictionary knows as no name: a function word ("из"), or a noun in the genitive
    with no name reading, which says whose name is asked for ("фамилию владельца", "получателя"), or
    a verb with none ("назовите")."""
    parses = _parses(morph, word)
    if not parses or not parses[0].is_known:
        return False
    top = parses[0]
    if top.tag.POS in FUNCTION_WORDS:
        return True
    no_name_reading = not any(NAME_GRAMMEMES & set(p.tag.grammemes) for p in parses[:4])
    if top.tag.POS in ("VERB", "INFN") and no_name_reading:  # "назовите", "подскажите"
        return True
    return top.tag.POS == "NOUN" and top.tag.case == "gent" and not any(
        NAME_GRAMMEMES & set(p.tag.grammemes) for p in parses[:4])


# A word spelled out letter by letter right after it ("шверника ша-в-е-р"): whoever spells a word
# spells a name or a street.
SPELLED_AFTER = re.compile(r"[\s,:\-]{1,3}(?:[А-Яа-яЁё]{1,2}-){3,12}[А-Яа-яЁё]{1,2}(?![А-Яа-яЁё])")


def _guessed_reading(morph: Any, word: str) -> tuple[bool, bool]:
    """_name_reading, except that a lower-case word the dictionary does not know is at most a
    possible name: pymorphy2 guesses unknown words from their ending, and ASR's misheard words
    ("-ов", "-ина") read as surnames. ASR capitalises the names it hears; a lower-case unknown
    word counts only beside a name or after "зовут"."""
    likely, possible = _name_reading(morph, word.lower())
    if likely and not word[0].isupper():
        parses = _parses(morph, word.lower())
        if parses and not parses[0].is_known:
            return False, True
    return likely, possible


def dictionary_names(text: str, morph: Any) -> list[tuple[int, int]]:
    """Spans of name words: likely names, plus possible names next to one or after "зовут"."""
    words = list(WORD.finditer(text))
    readings = [_guessed_reading(morph, w.group()) for w in words]
    spans = []
    for i, (word, (likely, possible)) in enumerate(zip(words, readings)):
        def neighbour_is_name(j: int) -> bool:
            return 0 <= j < len(words) and readings[j][0] and (
                not text[min(words[j].end(), word.end()):max(words[j].start(), word.start())].strip())
        if word.group().isupper() and len(word.group()) > 1:  # ИНН, СНИЛС: acronyms, not names
            continue
        introduced = INTRODUCTION.search(text[max(0, word.start() - 20):word.start()]) or \
            SPELLED_AFTER.match(text, word.end())
        # "фамилию, имя и отчество владельца": the request lists what it asks for, no name yet.
        # ...and the asking verb or the next detail asked for after it ("фамилию назовите", "имя,
        # телефон", "отчество, дату рождения") is no name either.
        plain = word.group().lower() in INTRODUCTION_WORDS | DETAIL_NAMES or _plain_word(morph, word.group().lower())
        if likely or not plain and (possible and (neighbour_is_name(i - 1) or neighbour_is_name(i + 1)) or (
                introduced and len(word.group()) >= 3)):
            spans.append((word.start(), word.end()))
    return spans


def _may_name_a_street(word: str, morph: Any) -> bool:
    """An adjective ("Садовая"), a noun in the genitive ("Ленина", "Ополчения") or capitalised
    ("Арбат"), or a word the dictionary does not know (ASR's "Пуляция"); not "заявку", "живу"."""
    if len(word) < 3 or word.lower() in NOT_STREET_NAMES:
        return False
    parses = _parses(morph, word.lower())
    top = parses[0]
    if not top.is_known or top.tag.POS in ("ADJF", "PRTF"):
        return True
    return top.tag.POS == "NOUN" and (word[0].isupper() or any(
        p.tag.POS == "NOUN" and p.tag.case == "gent" for p in parses[:3]))


def street_before_house(text: str, morph: Any) -> list[tuple[int, int]]:
    """Spans from the street's first word to the house number, for each house number said
    without a street type: up to STREET_NAME_WORDS words that may name a street, only spaces
    between them, a comma at most before the number."""
    spans = []
    for house in BARE_HOUSE.finditer(text):
        start = at = len(text[:house.start()].rstrip(" ,"))
        for _ in range(STREET_NAME_WORDS):
            word = re.search(r"(?<![\w\-])[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)?$", text[:at])
            if not word or not _may_name_a_street(word.group(), morph):
                break
            start = word.start()
            at = len(text[:start].rstrip(" "))
            if at == start:  # punctuation before the word: the street starts here
                break
        if start < house.start() and text[start:house.start()].strip(" ,"):
            spans.append((start, house.end()))
    return spans


def may_name_someone(text: str, morph: Any) -> bool:
    """Whether NER could find a name or place here: a word that may be a name, or a capitalised
    word inside a sentence. natasha finds nothing in lowercase talk without names anyway."""
    for sentence in re.finditer(r"[^.?!]+", text):
        words = WORD.findall(sentence.group())
        if any(w[0].isupper() for w in words[1:]):
            return True
        if any(_name_reading(morph, w.lower())[1] for w in words):
            return True
    return False


def natasha_addresses(text: str, extractor: Any) -> list[tuple[int, int]]:
    """Adjacent AddrExtractor parts joined; kept when one part is a house or flat number."""
    groups: list[list[Any]] = []
    for match in extractor.find_all(text) if hasattr(extractor, "find_all") else extractor(text):
        if groups and not text[groups[-1][-1].stop:match.start].strip(" ,"):
            groups[-1].append(match)
        else:
            groups.append([match])
    return [(g[0].start, g[-1].stop) for g in groups
            if any(getattr(m.fact, "type", None) in HOUSE_PARTS for m in g)]


# What no name is: a verb ("Здравствуете", which NER takes for a name at a sentence's start) or a
# function word. Nouns stay, known or not: many surnames are ordinary nouns ("Мороз").
NEVER_A_NAME_POS = frozenset({"VERB", "INFN", "GRND", "ADVB", "PRED", "COMP"}) | FUNCTION_WORDS


def no_name_word(text: str, morph: Any) -> bool:
    """Whether every word of an NER span is a dictionary word that is never a name: a verb, an
    adverb or a function word, with no name reading at all (ASR's garbled greeting, not a person)."""
    words = WORD.findall(text)
    for word in words:
        parses = _parses(morph, word.lower())
        if not parses or not parses[0].is_known or parses[0].tag.POS not in NEVER_A_NAME_POS \
                or _name_reading(morph, word.lower())[1]:
            return False
    return bool(words)


def has_name_reading(word: str) -> bool:
    """Whether one of a Russian word's likely readings is a name, surname or patronymic."""
    return _name_reading(natasha_models()["morph"], word.lower())[1]


def never_a_name(word: str) -> bool:
    """A Russian word the dictionary knows only as no name ("Мне", "Понимаю": no_name_word); False
    for any other word, and for words in other scripts."""
    return bool(re.search(r"[А-Яа-яЁё]", word)) and no_name_word(word, natasha_models()["morph"])


PLACE_OR_NAME_GRAMMEMES = NAME_GRAMMEMES | {"Geox"}


def only_ordinary_words(text: str) -> bool:
    """Whether every word of a Russian text is a dictionary word with no name or place reading
    ("Меня", "Разговор"); False for an empty text and for any word in another script."""
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", text)
    if not words or not all(WORD.fullmatch(w) for w in words):
        return False
    morph = natasha_models()["morph"]
    for word in words:
        parses = _parses(morph, word.lower())
        if not parses or not parses[0].is_known or any(
                PLACE_OR_NAME_GRAMMEMES & set(p.tag.grammemes) for p in parses[:4]):
            return False
    return True


# A question or request for a name in the words before a span: what follows may answer it.
NAME_CUE = re.compile(r"зовут|фамили|(?<!\w)имя(?!\w)|(?<!\w)имени(?!\w)|отчеств", re.I)
SENTENCE_END = re.compile(r"[.?!…]\W*$")


def _singular_name_reading(morph: Any, word: str) -> bool:
    """Whether any dictionary reading (guesses included) is a first name, surname or patronymic in
    the singular. A plural name form ("ай" also reads as the genitive plural of "Ая") names no one
    a caller would be called."""
    return any(NAME_GRAMMEMES & set(p.tag.grammemes) and "plur" not in p.tag.grammemes
               for p in _parses(morph, word.lower()))


def misheard_opening_word(text: str, start: int, end: int, morph: Any) -> bool:
    """Whether an NER person span is one capitalised word opening the text or a sentence, which no
    reading makes a name and with no name cue about it: ASR capitalises the first word of every
    segment and sentence, so a misheard word or an interjection there ("Ай", "Каса") looks like a
    name to the NER. Cues that keep it a name: a name asked for before it in the text ("зовут",
    "фамилия", "имя"), a name or a capitalised word right after it, or the word spelled out."""
    word = text[start:end]
    if not WORD.fullmatch(word) or not word[0].isupper() or word.isupper():
        return False
    before = text[:start].rstrip(" \t\"'«—–-")
    if before and not SENTENCE_END.search(before):
        return False
    if NAME_CUE.search(before) or SPELLED_AFTER.match(text, end):
        return False
    following = re.match(r"[\s,]{1,3}([А-Яа-яЁё]+)", text[end:])
    if following and (following.group(1)[0].isupper() or _name_reading(morph, following.group(1).lower())[0]):
        return False
    return known_or_verb_like(morph, word) and not _singular_name_reading(morph, word)


# An unknown word's reading is guessed from its ending; a guessed verb form ("Смернула") names no
# one, a guessed noun or adjective may be a misheard surname ("Громово" for "Громова").
GUESSED_NO_NAME_POS = frozenset({"VERB", "INFN", "GRND"})


# Words said right beside a name that are no part of it: greetings, thanks, confirmation.
BESIDE_A_NAME = frozenset("да нет так вот это ну угу ага алло спасибо здравствуйте пожалуйста хорошо верно "
                          "точно конечно правильно вижу".split())


def beside_a_name_ru(word: str) -> bool:
    """Whether a Russian word said right beside a found name (no more than a comma between) is a part
    of it: the dictionary reads it as a name or surname among its likely readings, or, in lower
    case, does not know it (ASR's "лебедево" for Лебедева, "еленно" for Елена); never a function
    word or talk. A capitalised word the dictionary does not know ("Пониму") is left: its stem
    would be swept through the call ("понимаю")."""
    morph = natasha_models()["morph"]
    key = word.lower()
    if len(key) < 3 or key in BESIDE_A_NAME or not re.fullmatch(r"[а-яё]+(?:-[а-яё]+)?", key):
        return False
    parses = _parses(morph, key)
    if parses and parses[0].is_known and parses[0].tag.POS in FUNCTION_WORDS:
        return False
    if word[0].isupper():  # a capitalised word is remembered and swept through the call: a name reading only
        return _name_reading(morph, key)[1]
    return _name_reading(morph, key)[1] or not known_or_verb_like(morph, word)


def known_or_verb_like(morph: Any, word: str) -> bool:
    """Whether the dictionary knows the word, or guesses it as a verb form."""
    parses = _parses(morph, word.lower())
    return bool(parses) and (parses[0].is_known or parses[0].tag.POS in GUESSED_NO_NAME_POS)


def names_no_one(text: str, result: RecognizerResult) -> bool:
    """A "name" that is a document's or a detail's name said in lower case ("назовите снилз",
    "Фамилия, адрес?") is no one's."""
    return result.entity_type == "PERSON" and \
        text[result.start:result.end].lower() in DOCUMENT_NAMES | DETAIL_NAMES


def after_greeting(text: str, start: int, end: int) -> int | None:
    """Where an NER span starts once the greeting words at its front are left out ("Издравствуйте
    Олег" -> "Олег"), or None when the span is only a greeting."""
    for word in WORD.finditer(text, start, end):
        if not GREETING_WORD.search(word.group()):
            return word.start()
    return None


def names_organisation(text: str, result: RecognizerResult) -> bool:
    """A name found right after an organisation's kind or in «quotes» is the organisation's."""
    if result.entity_type != "PERSON":
        return False
    quoted = text[:result.start].endswith("«") or text[result.end:].startswith("»")
    return quoted or bool(ORGANISATION_BEFORE.search(text[:result.start]))


class NatashaRecognizer(_Recognizer):
    """natasha NER (PER, LOC) + dictionary names + natasha's street-address extractor."""
    ENTITIES = ("PERSON", "LOCATION", ADDRESS)

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        from natasha import Doc

        models = natasha_models()
        found = [RecognizerResult("PERSON", start, end, 0.6)
                 for start, end in dictionary_names(text, models["morph"])]
        if may_name_someone(text, models["morph"]):  # the NER is ~90 % of the cost: skip the rest
            doc = Doc(text)
            doc.segment(models["segmenter"])
            doc.tag_ner(models["ner"])
            for span in doc.spans:
                if span.type not in ("PER", "LOC") or span.text.isupper():  # not "ИНН"
                    continue
                start = span.start
                if span.type == "PER":
                    start = after_greeting(text, span.start, span.stop)
                    if start is None or no_name_word(text[start:span.stop], models["morph"]) or \
                            misheard_opening_word(text, start, span.stop, models["morph"]):
                        continue
                found.append(RecognizerResult({"PER": "PERSON", "LOC": "LOCATION"}[span.type], start,
                                              span.stop, 0.85 if span.type == "PER" else 0.6))
        found = [r for r in found if not (names_no_one(text, r) or names_organisation(text, r))]
        if ADDRESS_HINT.search(text):  # the extractor is the slow part: only where it can hit
            found += [RecognizerResult(ADDRESS, start, end, 0.8)
                      for start, end in natasha_addresses(text, models["addresses"])]
        found += [RecognizerResult(ADDRESS, start, end, 0.7)
                  for start, end in street_before_house(text, models["morph"])]
        return [r for r in found if r.entity_type in entities]


def russian_recognizers() -> list[EntityRecognizer]:
    """Russian patterns, documents with checksums, and natasha for names and addresses."""
    phone = PatternRecognizer(
        supported_entity="PHONE_NUMBER", supported_language="ru", name="RuPhoneRecognizer",
        patterns=[Pattern("ru phone +7/8", RU_PHONE, 0.7)],
        context=["телефон", "номер", "звоните", "мобильный"])
    spelled = PatternRecognizer(
        supported_entity="PERSON", supported_language="ru", name="RuSpelledNameRecognizer",
        patterns=[Pattern("ru spelled letters", SPELLED_LETTERS, 0.7)])
    return [phone, spelled,
            CreditCardRecognizer(supported_language="ru"),  # validates Luhn itself
            bounded_email_recognizer("ru"),
            spoken_email_recognizer("ru"),
            DigitRunRecognizer(supported_language="ru"),
            RussianDocumentRecognizer(),
            FinderRecognizer("RussianSpokenDetailsRecognizer", [PASSWORD, "EMAIL_ADDRESS", SPELLED_ID, PASSPORT],
                             find_russian_details, language="ru"),
            NatashaRecognizer()]
