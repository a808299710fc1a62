"""Order of events within a call: a check that must come before something the agent does.

GUIDE.md: identity verification is met only when the agent checks identity *before* disclosing or
changing anything; "the check comes only after acting" is not_met. A criterion opts in with
`must_precede` regexes (what acting or disclosing sounds like); its first evidence must then come
before the agent's first sentence that matches one of them.
"""
from __future__ import annotations

import re

from agents.analyze import memo
from agents.analyze.embeddings import CallText, Sentence
from agents.analyze.transcript import (PLACEHOLDER, Turn, any_rule_regex, rule_search, screen_matches,
                                      words_beside_values)
from agents.redact import numbers

Place = tuple[int, int]  # (turn index, character offset of the quote in the turn): call order
MAX_READ_BACK_WORDS = 3  # "So that's <CREDIT_CARD>.": a few words around the values, nothing else
# A value of these kinds in the agent's words before the caller has said one comes from the record
# ("those went out to <ADDRESS>", "registered to <ADDRESS>"): a disclosure, whatever the wording.
# E-mail addresses and phone numbers are left out: agents give the company's own ("send it to ...").
RECORD_VALUES = frozenset({"<ADDRESS>"})
# The agent asking for a key to find the record by ("What's the plan number?", "The name on the
# membership?", "Номер договора подскажите"): the agent's next turn after the caller answers is
# the record as found. A question naming a record or its key, in the agent's words.
LOOKUP_ASK = {
    # a definite key ("the plan number", "your account number", "her name"): "a name and a mobile
    # for the driver" takes details for a new job, not a key to an existing record
    "en": re.compile(r"\b(the|your|her|his|their)( \w+){0,2} (number|reference|ref|name|surname|e-?mail|account|membership|"
                     r"order|booking|plan|policy|tracking|contract|subscription|claim|trade-?in)\b[^.?!]*\?", re.IGNORECASE),
    "ru": re.compile(r"(номер\w* (договор|заказ|сч[её]т|полис|абонемент|заявк|брон|карт|квитанци|чек|накладн|талон)\w*|на (как\w+|кого)[^.?!]{0,20}"
                     r"(фамили|имя|номер|оформлен))[^.?!]*(\?|подскажите|назовите|продиктуйте|скажите)", re.IGNORECASE),
}
KEY_GIVEN = re.compile(r"<[A-Z_]+>|\d")
# A number given as a key: digits or a redacted value other than a name ("<ID_NUMBER>", "23-47-05").
NUMBER_KEY = re.compile(r"<(?!PERSON>)[A-Z_]+>|\d")
# A number the redaction left in words ("Двести семнадцать.", "семьсот двадцать три ВК"): two or more
# number words in a row (agents.redact.numbers' words) are a number said aloud, a key as much as its
# digits. Russian only: an English caller's "one or two things" is talk (h-verru22).
SPOKEN_NUMBER_LANGUAGES = frozenset({"ru"})
SPOKEN_NUMBER_WORDS = 2
# Beside the number words: hundreds in other cases («пятисот») and teens the ASR ran into a word
# («позбукпритнадцать»), and «ноля».
NUMBER_ENDINGS = ("сот", "надцать")


def _number_word(word: str) -> bool:
    key = word.casefold()
    return (numbers.is_number_word(key) or key in numbers.HUNDREDS or key in numbers.SCALES
            or key.endswith(NUMBER_ENDINGS) or key in ("ноля", "нолю"))


def _said_in_words(answer: str) -> bool:
    in_a_row = 0
    for word in numbers.TOKEN.findall(answer):
        in_a_row = in_a_row + 1 if _number_word(word) else 0
        if in_a_row >= SPOKEN_NUMBER_WORDS:
            return True
    return False


def gives_number(answer: str, language: str, pattern: re.Pattern = NUMBER_KEY) -> bool:
    """Whether the caller's answer holds a number: `pattern` (digits or a redacted value), or, in
    SPOKEN_NUMBER_LANGUAGES, a number said in words."""
    return bool(pattern.search(answer)) or (language in SPOKEN_NUMBER_LANGUAGES and _said_in_words(answer))


# The ASR often garbles or redacts the ask itself ("Номер заказа назовите" heard as "Но мертв договоры
# назовите." or "<PERSON>, скажите."): a short agent turn early in the call that the caller answers
# with a number and a few words is an ask for a key whatever its words (opens_record).
MAX_KEY_ASK_WORDS = 6
MAX_KEY_ANSWER_WORDS = 6
EARLY_AGENT_TURNS = 3
# Languages where the ask is known by its shape: measured on Russian audio only (h-verif19); English
# keeps LOOKUP_ASK's wording until it is measured there.
KEY_ASK_BY_SHAPE = frozenset({"ru"})
# What a record holds, said as a statement: digits, a redacted value (a name is only a greeting),
# sums, counts, dates. The caller's own values said back are no disclosure (checked separately).
RECORD_FACT = {
    "en": re.compile(r"\d|<(?!PERSON>)[A-Z_]+>|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|pounds?|quid|"
                     r"pence|dollars?|euros?|first|second|third|fourth|fifth|\w+teenth|\w+tieth|january|february|march|"
                     r"april|june|july|august|september|october|november|december|monday|tuesday|wednesday|"
                     r"thursday|friday|saturday|sunday|monthly|weekly|yearly|annual)\b", re.IGNORECASE),
    "ru": re.compile(r"\d|<(?!PERSON>)[A-Z_]+>|(один|одна|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять|"
                     r"надцат|дцать|сорок|сто|сот|тысяч|рубл|копе|перв|втор|трет|январ|феврал|март|апрел|мая|июн|"
                     r"июл|август|сентябр|октябр|ноябр|декабр|понедельник|вторник|сред[уы]|четверг|пятниц|суббот|"
                     r"воскресень|ежемесячн)\w*|\b(пят|шест|седьм|восьм|девят|десят)(ое|ого|ому|ый|ым|ом|ая|ую|ой)\b",
                     re.IGNORECASE),
}


def place_of(evidence: dict, call: CallText) -> Place:
    """Where an evidence quote sits in the call. A rule's quote may join sentences, so its first
    sentence's offset counts; a quote not found in its turn counts from the turn's start."""
    text = next((t.text for t in call.turns if t.index == evidence["segment"]), "")
    return evidence["segment"], max(text.find(evidence["quote"][:40]), 0)


def _matches(rules, text: str) -> bool:
    """Whether every pattern of some alternative of `rules` matches the sentence."""
    return screen_matches(any_rule_regex(rules), text) and any(
        all(rule_search(p, text) for p in alternative) for alternative in rules)


def first_act(rules, call: CallText) -> tuple[Place, dict] | None:
    """The agent's first sentence matching `rules` (disclosing or acting on account details), with
    its place and its evidence quote; None when there is none. Only sentences of a known or guessed
    agent count: on a mono call with no roles nobody can say the agent acted."""
    rules = tuple(rules)
    if not rules:
        return None
    for s in call.sentences:
        if call.roles[s.turn.index] != "agent" or reads_back(s, call):
            continue
        if (memo.per_text("acts", rules, s.text, _matches) or states_unsaid_value(s, call)
                or states_looked_up_fact(s, call)):
            quote = {"quote": s.text, "segment": s.turn.index, "start": s.turn.start}
            return place_of(quote, call), quote
    return None


def acted_before(act: tuple[Place, dict] | None, hits: list[dict], call: CallText) -> dict | None:
    """The act's quote when it comes before every hit (the check came only after acting), else None."""
    if act is None or not hits:
        return None
    first_check = min(place_of(h, call) for h in hits)
    return act[1] if act[0] < first_check else None


def opened_before(act: tuple[Place, dict] | None, evidence: list[dict], call: CallText) -> bool:
    """Whether the agent acted on or disclosed a record before the first of `evidence` (words that
    there is no record yet): an act after them is on the booking or form the call is making."""
    return act is not None and (not evidence or act[0] < min(place_of(e, call) for e in evidence))


def reads_back(s: Sentence, call: CallText) -> bool:
    """Whether the sentence only repeats values the caller has just given ("So that's <CREDIT_CARD>."
    after the caller dictated it): that discloses nothing from the record, whatever else it may be
    (card_not_read_back judges the read-back itself)."""
    values = set(PLACEHOLDER.findall(s.text))
    if not values or len(words_beside_values(s.text)) > MAX_READ_BACK_WORDS:
        return False
    position = next(i for i, t in enumerate(call.turns) if t.index == s.turn.index)
    before = s.turn.text[:max(s.turn.text.find(s.text), 0)]
    if position:
        before = call.turns[position - 1].text + " " + before
    return values <= set(PLACEHOLDER.findall(before))


def states_unsaid_value(s: Sentence, call: CallText) -> bool:
    """Whether the agent's sentence holds a record value (RECORD_VALUES) of a kind the caller has
    not said before it: the agent read it out of the record rather than repeating the caller."""
    stated = RECORD_VALUES.intersection(PLACEHOLDER.findall(s.text))
    if not stated:
        return False
    said: set[str] = set()
    for turn in call.turns:
        if turn.index == s.turn.index:
            break
        if call.roles[turn.index] != "agent":
            said.update(PLACEHOLDER.findall(turn.text))
            said.update(w.lower() for w in words_beside_values(turn.text))
    # the caller's words said back ("Звёздная, семь, <ADDRESS>" after the caller named the street
    # unredacted): a repetition, not the record
    repeated = all(w.lower() in said for w in words_beside_values(s.text))
    return not stated <= said and not repeated


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"<[A-Z_]+>|\w+", text)}


def states_looked_up_fact(s: Sentence, call: CallText) -> bool:
    """Whether the agent's sentence states a fact of the record just looked up: it is a statement
    (no question) holding a value (RECORD_FACT) the caller did not say, in the agent's first turn
    after the caller answered the agent's ask for a key to the record (LOOKUP_ASK). Whatever the
    wording ("Right, monthly, direct debit on the first", "So that's been graded C, the offer is
    ninety-five pounds"), the agent found the record by the key and read it out: if the key was no
    identity check, a check asked after this comes too late (GUIDE.md)."""
    ask, fact = LOOKUP_ASK.get(call.language), RECORD_FACT.get(call.language)
    if ask is None or s.text.rstrip().endswith("?") or not fact.search(s.text):
        return False
    position = next(i for i, t in enumerate(call.turns) if t.index == s.turn.index)
    # the caller's answer may come as several turns (the ASR cuts "Er..." from the number after it)
    first = position
    while first > 0 and call.roles[call.turns[first - 1].index] != "agent":
        first -= 1
    if first == position or first == 0:
        return False
    asked, answer = call.turns[first - 1], " ".join(t.text for t in call.turns[first:position])
    # the caller gave a key (a redacted value or digits), not a yes or no ("Are you on the account?")
    if not gives_number(answer, call.language, KEY_GIVEN) or not (ask.search(asked.text) or asks_for_key(asked, answer, call)):
        return False
    said = _words(answer)
    facts = [w for w in re.findall(r"<[A-Z_]+>|\w+", s.text) if fact.search(w)]
    return any(w.lower() not in said for w in facts)


def asks_for_key(asked: Turn, answer: str, call: CallText) -> bool:
    """Whether the agent's turn asked for a key to the record by its shape rather than its words:
    one of the agent's first EARLY_AGENT_TURNS turns (the record is opened before the matter is
    dealt with; a phone number taken for a callback comes later), of few words, which the caller
    answers with a number (NUMBER_KEY) and few words beside it ("Сейчас <ID_NUMBER>."). A name alone
    is no key: "Как к вам обращаться?" opens nothing."""
    if call.language not in KEY_ASK_BY_SHAPE:
        return False
    agent_turns = [t.index for t in call.turns if call.roles[t.index] == "agent"]
    if asked.index not in agent_turns[:EARLY_AGENT_TURNS]:
        return False
    if len(words_beside_values(asked.text)) > MAX_KEY_ASK_WORDS:
        return False
    return gives_number(answer, call.language) and len(words_beside_values(answer)) <= MAX_KEY_ANSWER_WORDS
