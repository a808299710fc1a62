"""Card numbers as ASR hears them: where a card is talked about, a long stretch of digits is a card.

ASR breaks a dictated card number in ways no pattern for a card survives: digits lost (Luhn fails),
full stops and commas between groups, a digit heard as a short word or a letter ("T2-10", "O3",
"нали" for "ноль один"). And the word "card" may come only after the number, in the agent's
confirmation ("that's gone through on the card ending ..."), or as a brand or the expiry.
So: in a turn with card talk in it or near it (before or after), digit groups joined by separators
and at most one short word between two groups form one stretch; a stretch of enough digits is a
card, unless the turn names the number as something else (a phone, an account) and not as a card.
Across turns (cards_across_turns): a number cut over one speaker's turns, a number of a card's
length said twice (dictated, read back) with no card word heard, and the card said again with a
group lost or misheard are cards too: the agent's read-back must reach the read-back check.
"""
from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from agents.redact.numbers import normalise_spoken_numbers

# Card talk: the card itself, a card brand, its expiry date.
CARD_TALK = {
    "en": re.compile(r"\b(?:cards?|visa|master\s?card|maestro|amex|american express|expiry|expires|expiration)\b",
                     re.IGNORECASE),
    "ru": re.compile(r"карт|\bвиз(?:а|ы|у|е|ой)\b|\bvisa\b|мастер\s?кард|mastercard|срок\w* действия", re.IGNORECASE),
}
# A long number the turn names as something else is not a card ("my account number is ...").
OTHER_NUMBER = {
    "en": re.compile(r"\b(?:phone|mobile|landline|account|sort code|reference|policy|order|passport|"
                     r"national insurance)\b", re.IGNORECASE),
    "ru": re.compile(r"телефон|мобильн|сч[её]т|договор|заказ|паспорт|полис|снилс|\bинн\b", re.IGNORECASE),
}
# Any word that says what a number is, in either language.
NAMES_A_NUMBER = re.compile("|".join(p.pattern for p in (*CARD_TALK.values(), *OTHER_NUMBER.values())), re.IGNORECASE)
TURNS_BEFORE = 2  # "Go ahead with the card when you're ready." ... the number
TURNS_AFTER = 2   # the number ... "That's gone through, card ending ..."
MIN_CARD_DIGITS = 13  # a 15-16 digit card with a digit or two lost
# Between two digit groups of one number: separators, and at most two short words ASR made of a
# digit or two ("for", "T", "O", "нали", "лодину ныли" for "один ноль"); a longer word or more
# words end the number.
SEPARATORS = frozenset(" \t\n,.-:;/()…")
MAX_NOISE_LETTERS = 6
MAX_NOISE_IN_GAP = 2
MAX_NOISE_WORDS = 4  # per number
CORRECTION_WORDS = frozenset("sorry no wait i mean oops actually hang on uh um er erm "
                             "ой нет извините простите точнее то есть вернее ну э ээ".split())
MAX_GAP_WORDS = 4
WORD = re.compile(r"[^\W\d_]+")
DIGITS = re.compile(r"\d+")


def card_talk_turns(texts: list[str], language: str) -> list[bool]:
    """Per turn: is a card talked about in it, in the TURNS_BEFORE turns before or TURNS_AFTER after."""
    talk = CARD_TALK.get(language)
    if talk is None:
        return [False] * len(texts)
    said = [bool(talk.search(t)) for t in texts]
    return [any(said[max(0, i - TURNS_BEFORE):i + TURNS_AFTER + 1]) for i in range(len(texts))]


def names_another_number(text: str, language: str, asked: str = "") -> bool:
    """The turn, or the request it answers, calls its number something other than a card, and the
    turn never calls it a card ("Телефон назовите." - "Восемь, девятьсот...")."""
    other, talk = OTHER_NUMBER.get(language), CARD_TALK.get(language)
    return bool(other and (other.search(text) or other.search(asked)) and not (talk and talk.search(text)))


def _noise_words(gap: str) -> int | None:
    """Short words in a gap between two digit groups, or None if the gap ends the number. A caller
    correcting a digit ("one eight zero three, uh, sorry, one eight zero two") goes on with the
    same number: correction words are free. A word that names a number ("card", "карты",
    "phone") starts another one: "8 916 200 01 01, карты на 7321" is a phone and four digits."""
    words = [w for w in WORD.findall(gap) if w.casefold() not in CORRECTION_WORDS]
    if len(WORD.findall(gap)) > MAX_GAP_WORDS or len(words) > MAX_NOISE_IN_GAP \
            or any(len(w) > MAX_NOISE_LETTERS for w in words) or NAMES_A_NUMBER.search(gap):
        return None
    if any(ch not in SEPARATORS for ch in WORD.sub("", gap)):
        return None
    return len(words)


def digit_stretches(text: str) -> list[tuple[int, int, int]]:
    """(original start, original end, digits) of each stretch of digit groups in the text, dictated
    numbers read as digits; groups join across separators and a short noise word."""
    return [(start, end, len(digits)) for start, end, digits in digit_runs(text)]


def digit_runs(text: str) -> list[tuple[int, int, str]]:
    """digit_stretches with each stretch's digits as heard ("4532123456789012")."""
    normalised = normalise_spoken_numbers(text)
    stretches: list[tuple[int, int, str]] = []
    current: list[re.Match] = []
    noise = 0
    for group in DIGITS.finditer(normalised.text):
        words = _noise_words(normalised.text[current[-1].end():group.start()]) if current else None
        if current and words is not None and noise + words <= MAX_NOISE_WORDS:
            current.append(group)
            noise += words
            continue
        if current:
            stretches.append(_stretch(normalised, current))
        current, noise = [group], 0
    if current:
        stretches.append(_stretch(normalised, current))
    return stretches


def _stretch(normalised, groups: list[re.Match]) -> tuple[int, int, str]:
    start, end = normalised.to_original(groups[0].start(), groups[-1].end())
    return start, end, "".join(g.group() for g in groups)


def heard_card_spans(text: str, language: str, asked: str = "") -> list[tuple[int, int]]:
    """Spans of the card numbers in one turn said during card talk (the caller checks the talk);
    `asked` is the turn before it."""
    if names_another_number(text, language, asked):
        return []
    return [(start, end) for start, end, digits in digit_stretches(text) if digits >= MIN_CARD_DIGITS]


# A number the ASR cut over several turns: the agent reads a card back group by group, or the
# caller's "yes" comes between its groups, and no one turn holds enough digits to be a card.
MAX_CARD_DIGITS = 19  # the longest card; more digits joined across turns are two numbers
MISHEARD_GROUP = 4    # digits of a read-back the ASR lost, misheard or added (one group's worth)
ASIDE_WORDS = 4       # a turn without digits this short between two groups is an aside ("Yes.", "Да-да.")


def same_card(heard: str, card: str) -> bool:
    """Whether the digits `heard` are the card's but for at most MISHEARD_GROUP digits lost,
    misheard or added (edit distance): a read-back the ASR did not hear whole, a group short or a
    digit lost at each end. The last four alone never are (twelve digits of the card are missing)."""
    return Levenshtein.distance(heard, card, score_cutoff=MISHEARD_GROUP) <= MISHEARD_GROUP


def _is_aside(text: str) -> bool:
    return not DIGITS.search(normalise_spoken_numbers(text).text) and len(WORD.findall(text)) <= ASIDE_WORDS


def _continues(gap: str) -> bool:
    """Whether the text between two pieces of a number at a turn's edge lets it go on."""
    return _noise_words(gap) is not None


def cards_across_turns(texts: list[str], speakers: list[str], language: str,
                       talk: list[bool] | None = None) -> dict[int, list[tuple[int, int]]]:
    """Spans of card numbers no single turn holds, per turn: a number said over consecutive turns of
    one speaker (every turn of a mono call: speaker unknown), each piece at the edge of its turn,
    with nothing but short asides without digits between them ("Yes.", the other side's "Да."),
    of 13 to 19 digits in all during card talk; a number of a card's length said in two turns; and
    a number, in one turn or over several, that is a card said in the call but for one group lost
    or misheard (same_card), wherever it is said."""
    talk = card_talk_turns(texts, language) if talk is None else talk  # the caller's, when it has them
    runs = [digit_runs(t) for t in texts]
    chains: list[list[tuple[int, int, int, str]]] = []  # pieces (turn, start, end, digits)
    for speaker in dict.fromkeys(speakers):
        chain: list[tuple[int, int, int, str]] = []
        for index, (text, who, found) in enumerate(zip(texts, speakers, runs)):
            if who != speaker or not found:
                if not (chain and _is_aside(text)):
                    chains.append(chain)
                    chain = []
                continue
            first = found[0]
            if not (chain and _continues(text[:first[0]])) or len(first[2]) >= MIN_CARD_DIGITS \
                    or len(chain[-1][3]) >= MIN_CARD_DIGITS:  # a card said whole is a number of its own
                chains.append(chain)
                chain = []
            chain.append((index, *first))
            if len(found) > 1:
                chains.append(chain)
                chain = [(index, *found[-1])]
            if len(chain[-1][3]) >= MIN_CARD_DIGITS:
                chains.append(chain)
                chain = []
                continue
            if not _continues(text[chain[-1][2]:]):
                chains.append(chain)
                chain = []
        chains.append(chain)

    chains = [c for c in chains if c]

    def digits(chain) -> str:
        return "".join(piece[3] for piece in chain)

    def named_otherwise(chain) -> bool:
        return any(names_another_number(texts[i], language, texts[i - 1] if i else "") for i, *_ in chain)

    def named_before(chain) -> bool:  # "my account number is ...": the number introduced as another
        return any(names_another_number(texts[i][:start], language, texts[i - 1] if i else "")
                   for i, start, *_ in chain)

    def card_length(chain) -> bool:
        return MIN_CARD_DIGITS <= len(digits(chain)) <= MAX_CARD_DIGITS

    whole = [c for c in chains if len(c) > 1 and card_length(c) and all(len(p[3]) < MIN_CARD_DIGITS for p in c)
             and any(talk[i] for i, *_ in c) and not named_otherwise(c)]
    # A number of a card's length said and then said again in another turn (dictated and read
    # back) is a card even when the ASR lost every word about the card ("Sure, go on. It's 4 7 1 6
    # ..." - "So that's 4 7 1 6 ..."); a number named as something else is not.
    long = [c for c in chains if card_length(c) and not named_otherwise(c)]
    repeated = [a for a in long if any(b is not a and not {p[0] for p in a} & {p[0] for p in b}
                                       and same_card(digits(a), digits(b)) for b in long)]
    whole += [c for c in repeated if c not in whole]
    cards = {d for i, found in enumerate(runs) if talk[i] and not named_otherwise([(i,)])
             for _, _, d in found if len(d) >= MIN_CARD_DIGITS}
    cards |= {digits(c) for c in whole}

    # The card said again, however far from the card talk, however cut and whatever the turn goes
    # on to name ("... 2149, that's matched to the account"; ASR's run-on «... оплата прошла новый
    # полис»): its digits are the card's. Left to heard_card_spans: a number said whole in one turn
    # of card talk that names no other number (it is a card there) or is introduced as one (it is not).
    said_once = lambda c: (len(c) == 1 and talk[c[0][0]] and len(digits(c)) >= MIN_CARD_DIGITS  # noqa: E731
                           and (not named_otherwise(c) or named_before(c)))
    again = [c for c in chains if c not in whole and not said_once(c)
             and any(same_card(digits(c), card) for card in cards)]
    out: dict[int, list[tuple[int, int]]] = {}
    for chain in whole + again:
        for index, start, end, _ in chain:
            out.setdefault(index, []).append((start, end))
    return out
