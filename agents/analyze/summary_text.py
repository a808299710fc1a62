"""Text of a summary: sentences trimmed of fillers, dates and spans recognised, statements compacted
to the clauses that matter, and labelled parts fitted into the CRM field's length."""
from __future__ import annotations

import re
import textwrap

from agents.analyze import summary_cues

# The CRM field is a Bitrix24 string (bitrix/fields.py, 3 rows); 300 chars keeps it readable there.
MAX_SUMMARY_CHARS = 300
MIN_PART_CHARS = 60  # no part is cut shorter than this...
MAX_PART_CHARS = 130  # ...nor kept longer while another part is cut
SENTENCE_ENDS = (".", "?", "!", "…")
_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|yes|yeah|yep|ok|okay|so|well|um+|uh+|er+m?|hmm+|oh|right|alright|sure|great|good|"
    r"thanks|thank you|perfect|lovely|brilliant|fine|anyway|"
    r"да|ну|так|вот|алло|здравств\w*|добр\w+ (?:день|вечер|утро)|хорошо|ладно|отлично|спасибо|понятно|ага|угу)[,.!]?\s+)+",
    re.IGNORECASE)
_COUNT = (r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|"
          r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[\s\-](?:one|two|three|four|five|six|seven|eight|nine))?|few|"
          r"couple of|один|одн\w+|два|две|трёх|трех|трое|три|четыр\w+|пят\w+|шест\w+|сем\w+|десят\w+|"
          r"нескольк\w+)")
# "Hi Ellie, my doctor says...": the name a greeting addressed goes with the greeting.
_LEADING_NAME = re.compile(r"^(?:<PERSON>|[A-ZА-ЯЁ][a-zа-яё]+)[,.!]\s+")
_LEADING_PLACEHOLDER_NAME = re.compile(r"^<PERSON>,\s+(?=\S)")
DATE = re.compile(
    r"\b(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"next (?:week|month)|this (?:morning|afternoon|evening|week|month)|end of|first thing|"
    r"(?:the\s+)?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|twelfth|\w+teenth|"
    r"twentieth|twenty[\s\-](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirtieth|thirty[\s\-]first|\d+(?:st|nd|rd|th))\b|"
    rf"{_COUNT}(?:\s+to\s+{_COUNT})?\s+(?:working\s+|business\s+)?(?:hours?|days?|weeks?|minutes?|months?)|"
    r"сегодня|завтра|послезавтра|понедельник\w*|вторник\w*|сред[уы]|четверг\w*|пятниц\w*|суббот\w*|"
    r"воскресень\w*|в течение|через|до (?:конца|\w+(?:ря|ля|та|ая|ня|ого|его|и))|"
    r"(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*|"
    r"следующ\w+ (?:недел|месяц|квитанц)\w*|\d+ (?:час|дн|мин)\w*)\b", re.IGNORECASE)
_CLAUSE = re.compile(r",\s+(?=\w)")  # comma clauses of a spoken sentence
# "I'm <PERSON> at <ADDRESS>, born fourth of May fifty-eight, and my bins weren't emptied": who is
# calling, and the details given with it, are not why they call.
_INTRODUCTION = re.compile(
    r"^(?:my name(?:[’']s| is)|I[’']m|I am|this is|it[’']s|меня зовут|это)\s+<PERSON>(?:\s+<PERSON>)*(?=$|[\s,.;!])",
    re.IGNORECASE)
_DETAIL = re.compile(r"<[A-Z_]+>|\bborn\b|\d|родил\w*", re.IGNORECASE)
_CLAUSES = re.compile(r"(?<=[,.;!])\s+")
_JOINER = re.compile(r"^(?:and|so|but|и|а|но)\s+", re.IGNORECASE)
INTRODUCTION_TAIL_WORDS = 4  # "from Acme", "at <ADDRESS>", "here": the rest of the introduction's clause
_TIME_OF_DAY = re.compile(r"\b(?:between|morning|afternoon|evening|o[’']clock|noon|midday|\d+)\b|[0-9]", re.IGNORECASE)


def trim(text: str) -> str:
    text = summary_cues.without_concession(text)
    without_fillers = _FILLER.sub("", text).strip()
    text = _LEADING_NAME.sub("", without_fillers) if without_fillers != text.strip() else without_fillers
    text = without_introduction(_LEADING_PLACEHOLDER_NAME.sub("", text))  # "<PERSON>, I'm in Cedar Block.": whom they address
    return text[:1].upper() + text[1:] if text else text


def without_introduction(text: str) -> str:
    """The text after a caller's introduction and the details given with it ("" when that is all:
    such a sentence is no reason). ASR text with no punctuation keeps all after the name."""
    match = _INTRODUCTION.match(text)
    if not match:
        return text
    clauses = _CLAUSES.split(text[match.end():].strip())
    tail = clauses[0].rstrip(",.;!").strip()
    if not tail or len(tail.split()) <= INTRODUCTION_TAIL_WORDS and len(clauses) > 1:
        clauses = clauses[1:]
    while clauses and _DETAIL.search(clauses[0]):
        clauses = clauses[1:]
    return _JOINER.sub("", " ".join(clauses))


def compose(parts: list[tuple[str, str]]) -> str:
    """"Label: text." parts within MAX_SUMMARY_CHARS. The last parts (the next step with its date,
    then what was done) are kept whole first, up to MAX_PART_CHARS; the reason gives way, down to
    MIN_PART_CHARS. A part that does not fit is shortened at a word boundary."""
    if not parts:
        return ""
    remaining = MAX_SUMMARY_CHARS - sum(len(label) + 3 for label, _ in parts)
    texts = [ended(trim(text)) for _, text in parts]
    widths = [0] * len(texts)
    for i in reversed(range(len(texts))):
        others = sum(min(len(texts[k]), MIN_PART_CHARS) for k in range(i))
        widths[i] = min(len(texts[i]), MAX_PART_CHARS, max(MIN_PART_CHARS, remaining - others))
        remaining -= widths[i]
    for i, text in enumerate(texts):  # what the caps left over goes to the parts cut, reason first
        extra = max(0, min(len(text) - widths[i], remaining))
        widths[i] += extra
        remaining -= extra
    out = [f"{label}: " + shorten(text, width)
           for (label, _), text, width in zip(parts, texts, widths)]
    return " ".join(out)[:MAX_SUMMARY_CHARS]


def ended(text: str) -> str:
    """The text as a sentence: ASR often drops the full stop ("...за электричество"), and the next
    label would run on from it."""
    text = text.rstrip(" ,;:-")
    return text if not text or text.endswith(SENTENCE_ENDS) else text + "."


def first_clause(text: str) -> str:
    """The text's first comma clause as a sentence: the subject in a word, to leave room beside it."""
    return ended(_CLAUSE.split(text, maxsplit=1)[0])


def shorten(text: str, width: int) -> str:
    """textwrap.shorten(text, width, placeholder="…"), without its wrapping machinery when the
    text fits: shorten collapses the whitespace and returns a text that fits as it is."""
    collapsed = " ".join(text.split())
    return collapsed if len(collapsed) <= width else textwrap.shorten(text, width, placeholder="…")


def full_length(parts: list[tuple[str, str]]) -> int:
    return sum(len(label) + 3 + len(trim(text)) for label, text in parts)


# Russian ASR drops full stops and most commas: one "sentence" runs on over several clauses, with the
# speaker's fillers and politeness in between ("ну вот значит я оформила заявку одну секундочку ...").
# Those words carry nothing a summary needs; the clauses are cut where a conjunction starts one.
_RU_FILLER = re.compile(
    r"(?<![а-яё])(?:ну|вот|значит|короче|в общем|так сказать|как бы|смотрите|слушайте|видите ли|"
    r"(?:одну |одну минутку |минутку )?секунд(?:очку|у)|одну минутку|минуточку|"
    r"(?:подскажите|скажите|будьте добры)(?:,)?(?: пожалуйста)?|пожалуйста)(?![а-яё])[,.]?[ \t]*",
    re.IGNORECASE)
_RU_LEADING_TAK = re.compile(r"(?:^|(?<=,[ ]))так,[ ]*", re.IGNORECASE)  # "Так, вижу заказ": a pause
_RU_REPEAT = re.compile(r"(?<![а-яё])([а-яё]+)(?: \1)+(?![а-яё])", re.IGNORECASE)  # ASR's "я я", "на на"
# Where a clause starts in a Russian run-on: after a comma, or at a conjunction with no comma before it.
_RU_CLAUSE = re.compile(r",\s+(?=\S)|\s+(?=(?:и|а|но|потому что|так что|поэтому|чтобы|если|когда|тогда|однако|"
                        r"только|или)\s)", re.IGNORECASE)
_RU_REASON = re.compile(r"(?<![а-яё])(?:потому что|из-за|так как|поэтому|так что|чтобы)(?![а-яё])", re.IGNORECASE)
# A sum, or what it costs the caller: "тысяча двести", "бесплатно", "за наш счёт".
_RU_SUM = re.compile(r"(?<![а-яё])(?:руб\w*|тысяч\w*|копе\w*|\w+сот|двести|триста|четыреста|бесплатн\w*|за (?:наш|свой|ваш) сч[её]т)"
                     r"(?![а-яё])", re.IGNORECASE)
# A time of day said in words ("к пяти", "с десяти до двух", "после обеда", "утром").
_RU_TIME = re.compile(r"(?<![а-яё])(?:(?:к|в|с|до|после|около) (?:час\w*|дв(?:ум|ух)|тр[её][мх]|четыр[её][мх]|пяти|шести|семи|восьми|"
                      r"девяти|десяти|одиннадцати|двенадцати|полудн\w*|обед\w*)|утр(?:ом|а)|вечер(?:ом|а)|днём|днем|полдень)(?![а-яё])",
                      re.IGNORECASE)
# A verb in the present or future, third person ("мастер перепишет ключи", "деньги придут"): Russian
# says what will happen with no marker word, so a clause with such a verb may be the next step itself
# ("может" is a hedge: "а может и раньше").
_RU_WILL = re.compile(r"(?<![а-яё])(?!может(?![а-яё]))[а-яё]{3,}(?:ет|ёт|ит|ут|ют|ат|ят|ете|ёте|ите)(?:ся|сь)?(?![а-яё])",
                      re.IGNORECASE)  # ..., and what the caller will do: "справку заберёте на ресепшене"
# A span in words ("гарантия три месяца", "две недели"): the terms of what was agreed.
_RU_SPAN = re.compile(rf"(?<![а-яё]){_COUNT}\s+(?:час|дн|д[её]н|сут|недел|месяц|минут|год|лет)\w*", re.IGNORECASE)


def without_fillers_ru(text: str) -> str:
    """A Russian statement without its fillers and politeness ("ну", "вот", "значит", "подскажите
    пожалуйста", "одну секундочку") and ASR's repeated words; the text itself when nothing is left."""
    out = _RU_REPEAT.sub(r"\1", _RU_LEADING_TAK.sub("", _RU_FILLER.sub("", text)))
    out = re.sub(r"\s+([,.!?…])", r"\1", re.sub(r"\s{2,}", " ", out)).strip(" ,")
    out = re.sub(r",(?=[,.!?…])", "", out)
    if len(out.split()) < 2:
        return text
    out = re.sub(r"(?<=[.!?…] )[а-яё]", lambda m: m.group().upper(), out)  # "Записала. Значит, завтра" -> "Записала. Завтра"
    return out[:1].upper() + out[1:] if text[:1].isupper() else out


def compact_ru(text: str) -> str:
    """A Russian statement cut to the clauses that matter: the first (it names the subject), and those
    with a date, a time, a sum, an action or a commitment, a fault or a reason ("потому что ...");
    the rest ("..., он вежливый", "и я вот думаю") and the fillers go."""
    text = without_fillers_ru(text)
    starts = [0] + [m.end() for m in _RU_CLAUSE.finditer(text)]
    clauses = [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    while len(clauses) > 1 and not _matters_ru(clauses[-1]):  # as in English: the trailing ones
        clauses.pop()
    joined = "".join(clauses).strip().rstrip(",;")
    joined = re.sub(r",\s*$", "", joined)
    if joined == text.strip():
        return text
    return joined if joined.endswith((".", "!", "…", "?")) else joined.rstrip(",;.") + "."


def compact(text: str, language: str) -> str:
    """A statement without its trailing comma clauses that carry no date, time, action or commitment
    ("..., on the number we hold", "..., it's the second time"): room for one more statement in the
    CRM field. The first clause stays (it names the subject), and so does everything before the
    last clause that matters."""
    if language == "ru":
        return compact_ru(text)
    clauses = _CLAUSE.split(text)
    while len(clauses) > 1 and not _matters(clauses[-1], language):
        clauses.pop()
    joined = ", ".join(clauses)
    if joined == text:
        return text
    return joined if joined.endswith((".", "!", "…")) else joined.rstrip(",;.") + "."


def _matters_ru(clause: str) -> bool:
    return bool(_matters(clause, "ru") or _RU_SUM.search(clause) or _RU_REASON.search(clause) or _RU_WILL.search(clause)
                or _RU_TIME.search(clause) or _RU_SPAN.search(clause)
                or summary_cues.names_problem(clause))


def _matters(clause: str, language: str) -> bool:
    return bool(DATE.search(clause) or _TIME_OF_DAY.search(clause) or summary_cues.is_action(clause)
                or summary_cues.has_amount(clause)
                or language == "en" and summary_cues.is_commitment(clause, language))
