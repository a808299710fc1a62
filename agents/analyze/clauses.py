"""Clauses of a long run-on sentence, for the criteria judged by meaning.

Whisper often writes a whole Russian turn as one sentence joined by commas: "Ой, двойное списание,
конечно, неприятно, сейчас разберемся, назовите, пожалуйста, фамилию и дату рождения". A
classifier reading it whole hears mostly the request, and the sympathy in the first clause scores
0.26 against a threshold of 0.72. Such a sentence is cut before a comma that opens a new request
("назовите", "давайте", "для начала скажите"), so that each act is judged on its own. Only
Russian (English ASR punctuates its sentences), and only where a clause keeps three words or more.
"""
from __future__ import annotations

import regex

# A comma, then a new act: a request to the client, "let's", "now", "first".
_CLAUSE_START = {
    "ru": regex.compile(
        r",\s+(?=(?:(?:а|но|и|так|тогда|ну)\s+)?(?:(?:для начала|сначала|прежде всего|теперь|сейчас|пожалуйста),?\s+)?"
        r"(?:назовите|скажите|подскажите|продиктуйте|уточните|подтвердите|напишите|пришлите|отправьте|"
        r"проверьте|подождите|сообщите|укажите|оставайтесь|давайте|сейчас|для начала|сначала|прежде всего)\b)",
        regex.IGNORECASE),
}
MIN_CLAUSE_WORDS = 3  # a shorter piece ("сейчас разберёмся") joins the clause after it
MIN_SENTENCE_WORDS = 8  # a short sentence is one act already


def _words(text: str) -> int:
    return len(text.split())


def clause_spans(text: str, start: int, end: int, language: str) -> list[tuple[int, int]]:
    """The clauses of text[start:end] as character spans of text (one span when it is not cut)."""
    pattern = _CLAUSE_START.get(language)
    if pattern is None or _words(text[start:end]) < MIN_SENTENCE_WORDS:
        return [(start, end)]
    cuts = [m.start() for m in pattern.finditer(text, start, end)]
    spans: list[tuple[int, int]] = []
    begin, pending = start, None  # pending: where a piece too short to stand alone began
    for cut in [*cuts, end]:
        piece_start = begin if pending is None else pending
        if _words(text[begin:cut]) < MIN_CLAUSE_WORDS and cut != end:
            pending = piece_start  # "сейчас разберёмся": it opens the act after it
        elif _words(text[piece_start:cut]) < MIN_CLAUSE_WORDS and spans:
            spans[-1] = (spans[-1][0], cut)  # a short last piece stays with the clause before it
            pending = None
        else:
            spans.append((piece_start, cut))
            pending = None
        begin = cut + 1  # past the comma
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in spans]
