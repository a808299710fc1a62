"""What one person said, mended where ASR's segments cut it, before the summary quotes it; and the
outcome a caller states and the agent confirms.

ASR ends a segment at a pause, not at a sentence: "...The engineer" | "will ring you before they
arrive." The words before such a cut are the start of the next segment's sentence (its first letter
is lower case), so they are quoted with it and never alone. A sentence may also run past its end
with no full stop ("...reach you by next Friday Oh, what a relief Anything else I can do for
you?"): its question would disqualify the statement it starts with. And a next step often comes in
two sentences, the second only a pronoun ("I can post you a letter." | "It will arrive within three
working days."): the second is quoted with the first.
"""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from agents.analyze.embeddings import CallText, Sentence, embed_sentences, nearest

_ENDS_SENTENCE = re.compile(r"[.!?…]['\"”’)]*$")
MAX_DANGLING_WORDS = 3  # "The engineer", "Anything,": longer unfinished text is a sentence of its own
# A new sentence ASR wrote on without a full stop: a capitalised opener after a word or comma.
_RUN_ON = re.compile(r"(?<=[\w,])\s+(?=(?:Oh|Anything else|Is there anything|Thanks|Thank you|Okay|OK|Right|"
                     r"Great|Brilliant|Lovely|Perfect|Bye|Goodbye|Take care|Have a)\b)")
MIN_STATEMENT_WORDS = 4
# "It will arrive within three days.": a next step whose subject is the previous sentence's thing.
# "I processed it to that card." after "Cancelled services get a full refund.": an action on the thing just named.
_CONTINUES = re.compile(r"^(?:It|That|This)(?:[’']ll| will| should| won[’']t| would| goes| arrives| takes)\b"
                        r"|^(?:I|we)(?:[’']ve| have)?\s+(?:just\s+|now\s+)?\w+ed it\b")
# "Perfect, so it's eight o'clock a week on Friday." - the caller saying back what was agreed...
_RESTATES = re.compile(r"^(?:\w+,\s+)*so,?\s+(?:that[’']s|that is|it[’']s|it is|I[’']m|we[’']re|I[’']ll|you[’']ll|"
                       r"you[’']re|we[’']ll|the|my)\b", re.IGNORECASE)
# "Okay, that's set up." / "Booked.": the agent settling what they offered before the caller agreed.
_SETTLED = re.compile(r"^(?:(?:okay|ok|right|great|lovely|perfect|fine|yes)\W+)?(?:(?:that|it)[’']s\s+|you[’']re\s+)?"
                      r"(?:all\s+)?(?:done|booked(?: in)?|set up|sorted|arranged|confirmed)\W*$", re.IGNORECASE)
# ...and the agent confirming it in their next turn.
_CONFIRMS = re.compile(r"^(?:yes|yeah|yep|exactly|correct|spot on|that[’']s (?:it|right|correct|the one))\b",
                       re.IGNORECASE)


def dangling(call: CallText) -> set[int]:
    """Positions of the words at a segment's end that start a sentence the next segment finishes."""
    last = {s.turn.index: s for s in call.sentences}  # each turn's last sentence
    out = set()
    for before, after in zip(call.turns, call.turns[1:]):
        end = last.get(before.index)
        if (end is not None and after.text[:1].islower() and not _ENDS_SENTENCE.search(before.text.strip())
                and len(end.text.split()) <= MAX_DANGLING_WORDS):
            out.add(end.position)
    return out


def statement(text: str) -> str:
    """The longest statement in a sentence that ran on into a question; other text as it is."""
    if "?" not in text:
        return text
    parts = [p.strip().rstrip(",") for p in _RUN_ON.split(text)]
    statements = [p for p in parts if "?" not in p and len(p.split()) >= MIN_STATEMENT_WORDS]
    if not statements:
        return text
    best = max(statements, key=len)
    return best if _ENDS_SENTENCE.search(best) else best + "."


def mend(call: CallText, said: list[Sentence]) -> list[Sentence]:
    """The sentences as they should be quoted: a dangling start is joined to its end (and dropped on
    its own), a run-on is cut to its statement. Positions (and so the scores) stay the sentence's."""
    cut = dangling(call)
    out = []
    for s in said:
        if s.position in cut:
            continue
        text = s.text
        before = call.sentences[s.position - 1] if s.position else None
        if before is not None and before.position in cut and before.turn != s.turn:
            text = f"{before.text.rstrip(',')} {text}"
        out.append(replace(s, text=statement(text)) if text != s.text or "?" in text else s)
    return out


def with_antecedent(s: Sentence, call: CallText, quoted: set[int], is_content) -> str:
    """A statement that begins "It will..." or "I processed it..." with the sentence just before it,
    when the same person said that one, it is content (`is_content`: not "That matches our
    records.") and it is not quoted elsewhere."""
    before = call.sentences[s.position - 1] if s.position else None
    if (not _CONTINUES.search(s.text) or before is None or before.position in quoted or "?" in before.text
            or call.roles.get(before.turn.index) != call.roles.get(s.turn.index) or not is_content(before)):
        return s.text
    return f"{before.text} {s.text}"


# "Номер обращения сорок два семнадцать." / "Your reference is ...": what the caller quotes when they chase it.
_REFERENCE = re.compile(r"\b(?:(?:reference|case|ticket|claim|complaint) (?:number|is)|номер (?:обращения|заявки|заявления|"
                        r"претензии|возврата|жалобы))\b", re.IGNORECASE)


def with_reference(s: Sentence, call: CallText, quoted: set[int], text: str) -> str:
    """A quoted statement (`text`) with the reference the speaker gives right after it in the same turn
    ("Я оформила возврат заново." | "Номер обращения сорок два семнадцать."), unless quoted elsewhere."""
    after = call.sentences[s.position + 1] if s.position + 1 < len(call.sentences) else None
    if after is None or after.turn != s.turn or after.position in quoted or not _REFERENCE.search(after.text) \
            or _REFERENCE.search(text):
        return text
    return f"{text} {after.text}"


# "That's gone through on the card ending 5067." / "Оплата прошла.": a payment confirmed...
_PAID = re.compile(r"\b(?:gone through|(?:payment|that|it)(?:[’']s| is| has| has been) (?:been )?(?:taken|processed|received)|"
                   r"taken the payment|оплата прошла|прошла оплата|оплачено|платёж прош[её]л|списал[аи]?)\b", re.IGNORECASE)
# ...without its sum, which the agent named before ("Two extra days is twenty-four pound."; "Это шестнадцать
# тысяч четыреста."). A sum is a money word, or a spoken number with what prices go with.
_SUM = re.compile(r"[£$€₽]|\b(?:pounds?|pence|quid|p|dollars?|euros?|руб\w*|тысяч\w*|сот\w*|двести|триста|четыреста|"
                  r"пятьсот|шестьсот|семьсот|восемьсот|девятьсот)\b|\b(?:\d+|[a-z]+ty(?:[\s-][a-z]+)?|hundred|"
                  r"ten|eleven|twelve|[a-z]+teen)\s+(?:on top|extra|a head|each|a month|a week|a night|per|in total|all in)\b",
                  re.IGNORECASE)
SUM_TURNS = 10  # the price is named before the card is dictated, checked and taken


def with_sum(s: Sentence, call: CallText, quoted: set[int], text: str) -> str:
    """A confirmed payment (`text` quoting `s`) with the sum the same speaker named in the turns just
    before it, when the confirmation names none and the sum is not quoted elsewhere: what was paid is
    the outcome, "gone through" alone is not."""
    if not _PAID.search(text) or _SUM.search(text):
        return text
    turns = [t.index for t in call.turns]
    near = set(turns[max(0, turns.index(s.turn.index) - SUM_TURNS):turns.index(s.turn.index)]) if s.turn.index in turns else set()
    named = [b for b in call.sentences if b.turn.index in near and b.position not in quoted and "?" not in b.text
             and call.roles.get(b.turn.index) == call.roles.get(s.turn.index) and _SUM.search(b.text)]
    return f"{named[-1].text} {text}" if named else text


def confirmed_restatement(call: CallText, client: list[Sentence], dated) -> Sentence | None:
    """The last dated "so it's ..." the caller says that the agent's next turn confirms: the
    outcome as agreed, when the caller is the one who put it into words."""
    roles, found = call.roles, None
    last = {s.turn.index: s.position for s in call.sentences}
    later_turn = {a.index: b for a, b in zip(call.turns, call.turns[1:])}
    for s in client:
        reply = later_turn.get(s.turn.index)
        if (reply is None or last[s.turn.index] != s.position or not _RESTATES.search(s.text)
                or not dated(s.text)):
            continue
        if roles.get(reply.index) != "client" and _CONFIRMS.search(reply.text.strip()):
            text = s.text.rstrip("?").rstrip()
            found = replace(s, text=text if _ENDS_SENTENCE.search(text) else text + ".")
    return found


def confirmed_offer(call: CallText, agent: list[Sentence], dated) -> Sentence | None:
    """The agent's last dated statement before the caller's turn that a bare "Booked." / "That's set
    up." settles: "I can set up a plan of 28 pounds a month from the first" | "Yes, I can manage
    that." | "Okay, that's set up." The offer is the outcome."""
    roles, found = call.roles, None
    for s in agent:
        if not _SETTLED.match(s.text.strip()):
            continue
        earlier = [o for o in agent if o.position < s.position and o.turn != s.turn and dated(o.text) and "?" not in o.text]
        if earlier and any(roles.get(t.index) == "client" for t in call.turns
                           if earlier[-1].turn.index < t.index < s.turn.index):
            found = earlier[-1]
    return found


def scores(call: CallText, said: list[Sentence], examples: tuple[str, ...]) -> np.ndarray:
    """Nearness to the examples by position, with a mended sentence scored as quoted (its own
    vector): the question a run-on ended with no longer weighs on its statement."""
    out = np.array(call.similarity(examples), copy=True)
    mended = [s for s in said if s.text != call.sentences[s.position].text]
    if mended:
        texts = [s.text for s in mended]
        for s, value in zip(mended, nearest(texts, embed_sentences(texts), examples)):
            out[s.position] = value
    return out
