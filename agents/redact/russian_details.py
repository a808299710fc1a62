"""Russian personal details said without the cues the document and name readers rely on.

- A code word or security answer, said in lower case like any noun: "кодовое слово — ромашка",
  "пароль: апельсин", a word quoted after "слово", or the short reply to a request for one
  ("Назовите кодовое слово." - "Ромашка."), also when ASR garbled the word's name ("назовите ...
  когда во есть слово").
- A mailbox said in words: "петров сорок, собака, яндекс точка ру": the words before "собака"
  back to the start of the phrase, and the domain.
- A number that identifies a contract, order or car, which is shorter than a digit run that counts
  by itself: after the document's name ("договор 582 104"), or the reply to a request for one
  ("Номер заказа подскажите." - "Сейчас... 58 310."), with the letters said beside it ("А 512 ВС").
- A passport series said alone before its number ("паспорт 45 12, номер ...", "45 12 номер 612 ...").
Everything here but the replies sees the text with dictated numbers as digits. Patterns are linear
(bounded repeats, words cannot be split between quantifiers).
"""
from __future__ import annotations

import re

from agents.redact.identity import SPELLED_ID, answers
from agents.redact.morphology import natasha_models, parses
from agents.redact.numbers import normalise_spoken_numbers

PASSWORD, EMAIL = "PASSWORD", "EMAIL_ADDRESS"
_WORD = r"[А-Яа-яЁёA-Za-z][А-Яа-яЁёA-Za-z\-]{0,30}"
_SECRET_CUE = (r"(?:(?:кодов|секретн|контрольн)\w{0,4}\s+(?:слов|фраз)\w{0,3}|парол\w{0,3}|"
               r"ответ\s+на\s+(?:секретный|контрольный)\s+вопрос)")
# Words that say something about the secret instead of being it ("кодовое слово не помню").
_NOT_A_SECRET = (r"(?:по|для|от|к|в|из|с|со|при|не|нет|да|какое|какой|какая|помню|забыл\w*|верно|неверно|правильно|совпадает|назовите|"
                 r"скажите|подскажите|пожалуйста|и|или|а|на|вот|у|меня|это|тоже|ещё|еще|сейчас|щас|"
                 r"секунду|минуту|можно|нужно|надо|был\w*|есть|сменить|поменять|такое|такой|ваше|ваш|мое|моё|мой)")
SECRET_SAID = re.compile(
    rf"(?i:\b{_SECRET_CUE}(?:\s+(?:у\s+меня|такое|такой)){{0,2}}(?:\s*(?:[:—\-,]|\.{{2,3}}|…)\s*|\s+)"
    rf"(?:(?:это|—)\s+)?)(?!(?i:{_NOT_A_SECRET})\b)({_WORD}(?:\s+{_WORD}){{0,2}}?)(?=\s*(?:[.!?,;…]|$))")
SECRET_REQUEST = re.compile(rf"(?i:\b{_SECRET_CUE})")
# A request for a word, whatever ASR made of the word's name ("назовите ... когда во есть слово" for
# "кодовое слово"): an asking verb, then "слово" in the same sentence. The reply's short sentences
# are read as for any request for a code word (answered_secrets_ru).
WORD_REQUEST = re.compile(r"(?i:\b(?:назов|скаж|подскаж|продикту|напомн)\w{0,6}\b[^.!?]{0,160}\bслово\b)")
SECRET_OR_WORD_REQUEST = re.compile(f"{SECRET_REQUEST.pattern}|{WORD_REQUEST.pattern}")
# A word quoted after "слово" is the word itself ("...есть слово «ромашка»"): ASR garbles the cue
# ("когда во есть слово" for "кодовое слово") but writes the said word in quotes.
QUOTED_WORD = re.compile(r"(?i:\bслов[оа]\s*(?:[:—\-]\s*)?)[«\"“]([^»\"”\n]{1,40})[»\"”]")
# A reply's sentence that is the secret: one or two words, none of them talk ("Сейчас.", "Да.").
_REPLY_SENTENCE = re.compile(r"[^.!?…]+")
_REPLY_VALUE = re.compile(rf"^\s*({_WORD}(?:\s+{_WORD})?)\s*$")
_NOT_A_REPLY_WORD = frozenset(
    "да нет так сейчас щас секунду минуту момент конечно хорошо ладно пожалуйста спасибо здравствуйте "
    "алло ага угу ну вот это не помню забыл забыла кажется вроде погодите подождите".split())

# The mailbox: "собака" for "@", then the domain said in words or letters, up to a top-level name.
_TLD = r"(?:ру|ru|ком|com|нет|net|рф|орг|org|инфо|info)"
_DOMAIN_DOT = r"(?:\s*\.\s*|\s*,?\s+точка\s+)"
SPOKEN_DOMAIN = re.compile(
    rf"(?i:(?<!\w)(?:собака|собачка)\s*,?\s+([\w\-]{{1,30}}(?:{_DOMAIN_DOT}[\w\-]{{1,30}}){{0,3}}?{_DOMAIN_DOT}{_TLD}))(?!\w)")
# The local part is the words before "собака", back to where the phrase starts: a sentence's end, a
# colon or dash, or the word naming the mailbox ("почта", "адрес"). Words a dictation is made of
# ("слитно", "точка", letters, numbers) belong to it; other talk ends it.
MAX_LOCAL_TOKENS = 14
_LOCAL_STOP = re.compile(
    r"(?i:^(?:почт\w*|адрес\w*|ящик\w*|e-?mail|и?[эе]?ме[йи]л\w*|электронн\w*|пишите|напишите|"
    r"присылайте|отправ\w*|это|вот|на|мой|моя|моё|мое|да|так|записывайте|запишите)$)")
_TOKEN = re.compile(r"[\w\-]+")

# A contract's, order's or car's number, or a postcode («индекс»), after its name: at least four digits.
_DOCUMENT = (r"(?:индекс\w{0,2}|договор\w{0,3}|заказ\w{0,3}|заявк\w{0,2}|обращени\w{0,3}|полис\w{0,3}|накладн\w{0,3}|"
             r"лицев\w{0,3}\s+сч[её]т\w{0,2}|госномер\w{0,3}|трек\w{0,4})")
DOCUMENT_NUMBER = re.compile(
    rf"(?i:\b{_DOCUMENT}(?:\s+(?:номер|№))?\s*[:№]?\s*)(\d(?:[ \-/]?\d){{3,15}})"
    r"(?!\d|\s*(?:руб|р\.|₽|тыс|процент|%|штук|шт|минут|час|дн|лет|год|км|кг))")
# A request for a number: the number's name and a question or an asking verb in one sentence
# ("Номер договора назовите.", "Госномер какой?"); not a caller's "номер где-то был".
_NUMBER_NAME = r"(?:номер\w{0,2}|госномер\w{0,2}|договор\w{0,2}|заказ\w{0,2}|полис\w{0,2}|паспорт\w{0,2}|сери\w{0,2})"
# ...or what the number is asked for: "для подтверждения серию и номер паспорта" asks without a question.
_ASKING = (r"(?:\?|пожалуйста|давайте|дайте|назов\w*|подскаж\w*|продикту\w*|скаж\w*|уточн\w*|диктуй\w*|как(?:ой|ая|ое|ого|ую)\b|"
           r"для (?:подтверждени|проверк|сверк|идентификаци)\w*)")
NUMBER_REQUEST = re.compile(rf"(?i:\b{_NUMBER_NAME}\b[^.!?]*{_ASKING}|{_ASKING}[^.!?]*\b{_NUMBER_NAME}\b)")
MIN_ANSWERED_DIGITS = 3
# Letters said beside an answered number belong to it ("эр эл, 47 09 83", "Е 341 КУ"): tokens of at
# most two letters, or "дробь"/"слэш" with its digits.
# Capitals, or a letter's name in lower case ("эр"; not "а", "и", "у", which are words too).
_BESIDE = (r"(?:[А-ЯЁA-Z]{1,2}|(?i:бэ|вэ|гэ|дэ|жэ|зэ|ка|эл|эм|эн|пэ|эр|эс|тэ|эф|ха|цэ|че|ша)"
           r"|(?:дробь|слэш|слеш)\s+\d+)")
ANSWERED_NUMBER = re.compile(
    rf"(?:(?<![\w\-]){_BESIDE}[ ,]{{1,2}}){{0,3}}\d(?:[ \-,]{{0,2}}\d|\.\d){{{MIN_ANSWERED_DIGITS - 1},20}}"
    rf"(?:[ ,]{{1,2}}{_BESIDE}(?![\w\-])){{0,3}}"
    # ...not an amount or a time said in the reply ("812 рублей", "в 18 40").
    r"(?!\s*(?:руб|р\.|₽|тыс|процент|%|штук|шт|минут|час|дн|лет|год|км|кг))")

# A reference said as its letters and digits, by its shape alone, wherever it is said ("Ка эл, 670 09",
# "эс-ка, 3, 7, 7, 0, 2", "ВС 156", "А 723 ВК"): two letters or more about three digits or more. A
# single letter before a number is a word ("в 2024 году", "с 15 00"), so one letter is not enough;
# three capitals name a document ("ИНН 500100732250"), read by its own checksum.
_LETTER = r"(?:[А-ЯЁ]{1,2}|(?i:бэ|вэ|гэ|дэ|жэ|зэ|ка|эл|эм|эн|пэ|эр|эс|тэ|эф|ха|цэ|ша))(?![\w])"
LETTERED_NUMBER = re.compile(
    rf"(?<![\w\-])((?:{_LETTER}[ ,\-]{{1,2}}){{0,3}})\d(?:[ \-,]{{0,2}}\d){{2,20}}((?:[ ,\-]{{1,2}}{_LETTER}){{0,3}})"
    r"(?![\w\-]|\s*(?:руб|р\.|₽|тыс|процент|%|штук|шт|минут|час|дн|лет|год|км|кг))")
MIN_REFERENCE_LETTERS = 2


def lettered_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of LETTERED_NUMBER with at least MIN_REFERENCE_LETTERS letters beside the digits."""
    spans = []
    for match in LETTERED_NUMBER.finditer(text):
        letters = re.findall(_LETTER, f"{match.group(1)} {match.group(2)}")
        if sum(len(letter) if letter.isupper() else 1 for letter in letters) >= MIN_REFERENCE_LETTERS:
            spans.append(match.span())
    return spans


# A series said alone: "паспорт 45 12, номер ..." (the number may be found apart from it).
PASSPORT_SERIES_ALONE = re.compile(r"(?i:\bпаспорт\w{0,3}\b)[^?!\d]{0,60}?(\d{2} ?\d{2})(?=\W{1,4}(?:номер|№))")
# ...or with no "паспорт" in the same turn (it was in the question, or ASR misheard "серия"): two
# pairs of digits, then "номер" and the number's digits ("46-13 номер 582...", "Север 4617 номер
# 284905"). A series is the only four digits said in front of "номер" and another number.
SERIES_BEFORE_NUMBER = re.compile(r"(?<![\d\w\-,.])(\d{2}[ \-]?\d{2})(?=[ ,]{1,2}(?i:номер|№)[ :]{0,2}\d)")


def find_russian_details(text: str) -> list[tuple[int, int, str]]:
    """(start, end, entity) for each shape of the module docstring found in one text."""
    found = [(*m.span(1), PASSWORD) for pattern in (SECRET_SAID, QUOTED_WORD) for m in pattern.finditer(text)]
    found += [(*span, EMAIL) for span in spoken_mailboxes(text)]
    found += [(*m.span(1), SPELLED_ID) for m in DOCUMENT_NUMBER.finditer(text)]
    found += [(*span, SPELLED_ID) for span in lettered_numbers(text)]
    found += [(*m.span(1), "RU_PASSPORT") for pattern in (PASSPORT_SERIES_ALONE, SERIES_BEFORE_NUMBER)
              for m in pattern.finditer(text)]
    return sorted(set(found))


def spoken_mailboxes(text: str) -> list[tuple[int, int]]:
    """Spans of mailboxes said in words: the local part (mailbox_start) to the top-level name."""
    return [(mailbox_start(text, m.start()), m.end()) for m in SPOKEN_DOMAIN.finditer(text)]


def mailbox_start(text: str, at: int) -> int:
    """Where the local part before "собака" at `at` starts: up to MAX_LOCAL_TOKENS tokens back,
    stopping at a sentence's end, a colon or dash, or a word that names or introduces the mailbox."""
    start = at
    tokens = list(_TOKEN.finditer(text, 0, at))[::-1][:MAX_LOCAL_TOKENS]
    for token in tokens:
        between = text[token.end():start]
        if re.search(r"[.!?:;…—]", between) or _LOCAL_STOP.match(token.group()):
            break
        start = token.start()
    return start


STEM = 5  # letters enough to tell "договор" in "договора" without its case ending


def _stems(text: str) -> set[str]:
    return {w.lower()[:STEM] for w in re.findall(r"[А-Яа-яЁёA-Za-z]+", text)}


def answered_secrets_ru(segments: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> each short sentence of the reply to a request for a code word that is
    one or two words of no talk ("Ромашка.", "Синий кит."), and none of the words the request asked
    with (the caller naming what comes next: "Договор... 27 410.")."""
    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers(segments, SECRET_OR_WORD_REQUEST, question=False):
        asked = _stems(segments[index - 1]["text"])
        spans = []
        for sentence in _REPLY_SENTENCE.finditer(reply["text"]):
            value = _REPLY_VALUE.match(sentence.group())
            words = value.group(1).split() if value else []
            if words and not any(w.lower() in _NOT_A_REPLY_WORD or w.lower()[:STEM] in asked for w in words):
                spans.append((sentence.start() + value.start(1), sentence.start() + value.end(1)))
        if spans:
            found[index] = spans
    return found


def answers_asked_over_two(segments: list[dict], request: re.Pattern) -> list[tuple[int, dict]]:
    """identity.answers (no question mark needed), also where ASR cut the request between two
    segments of the same speaker ("Номер ..." - "заказа."): the two are read as one."""
    found = dict(answers(segments, request, question=False))
    for index in range(2, len(segments)):
        first, second, reply = segments[index - 2], segments[index - 1], segments[index]
        # ...only where the first was cut mid-sentence (no full stop or question mark closing it)
        if index in found or first["speaker"] != second["speaker"] or re.search(r"[.?!…]\s*$", first["text"]) or \
                reply["speaker"] == second["speaker"] != "unknown":
            continue
        if request.search(f"{first['text']} {second['text']}"):
            found[index] = reply
    return sorted(found.items())


# A number the caller names before saying it, in words too ("номер заказа. Семьсот сорок один,
# девятнадцать"): the number right after the document's name, across a full stop.
NAMED_NUMBER_CUE = re.compile(rf"(?i:\b{_DOCUMENT}(?:\s+(?:номер|№))?[\s:.№,]*)")
NAMED_NUMBER_CHARS = 60
# A turn that is nothing but a number of five digits or more ("501-236", "Искать 3, 7, 7, 0, 2",
# "Сейчас... 05381": one word before it at most), after a turn with no verb that asks for no amount: a reference
# dictated in answer to an ask ASR did not catch ("Но мимо заявки." for «Номер заявки»).
MIN_LONE_DIGITS = 5
LONE_NUMBER = re.compile(r"^\W*(?:[А-Яа-яЁёA-Za-z]+(?:[ ,]{1,2}|\.{2,3} ?|… ?))?(\d(?:[ \-,.]{0,2}\d)+)\W*$")
_AMOUNT_ASKED = re.compile(r"(?i:сколько|сумм|стои|цен|заплат|руб|оплат|тысяч)")


def _has_verb(text: str) -> bool:
    """Whether a Russian turn has a verb: a statement ("Номер заказа у меня есть."), where a turn of
    names alone ("Номер заказа.", as ASR heard it "Но мимо заявки.") asks for the thing named."""
    morph = natasha_models()["morph"]
    return any(parses(morph, w.lower())[0].tag.POS in ("VERB", "INFN", "PRED")
               for w in re.findall(r"[А-Яа-яЁё]+", text) if parses(morph, w.lower()))


def answered_numbers_ru(segments: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> numbers of three digits or more (with the letters said beside them) in the
    reply to a request for a contract's, order's or car's number; a number said right after the
    name of its document; a turn of nothing but a long number (above)."""
    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers_asked_over_two(segments, NUMBER_REQUEST):
        normalised = normalise_spoken_numbers(reply["text"])
        spans = [normalised.to_original(*m.span()) for m in ANSWERED_NUMBER.finditer(normalised.text)]
        if spans:
            found[index] = spans
    for index, segment in enumerate(segments):
        text = segment["text"]
        for cue in NAMED_NUMBER_CUE.finditer(text):
            rest = normalise_spoken_numbers(text[cue.end():cue.end() + NAMED_NUMBER_CHARS])
            match = ANSWERED_NUMBER.match(rest.text)
            if match and sum(c.isdigit() for c in match.group()) >= MIN_ANSWERED_DIGITS + 1:
                a, b = rest.to_original(*match.span())
                found.setdefault(index, []).append((cue.end() + a, cue.end() + b))
        normalised = normalise_spoken_numbers(text)
        lone = LONE_NUMBER.match(normalised.text)
        asked = segments[index - 1]["text"] if index else ""
        if lone and sum(c.isdigit() for c in lone.group(1)) >= MIN_LONE_DIGITS and not _AMOUNT_ASKED.search(asked) \
                and not _has_verb(asked):
            span = normalised.to_original(*lone.span(1))
            if span not in found.get(index, []):  # the reply to an ask found already
                found.setdefault(index, []).append(span)
    return found
