"""The agent's opening turn read as a whole, as a QA lead hears it.

Whisper cuts a spoken opening at its pauses: "Театр на Таганке, касса, добрый день." comes back as
"Театр на Таганке. Каса. Добрый день.", and an opening may even come as two segments before the
caller says a word. A greeting rule written for one phrase ("<the business>, добрый день") then
finds the greeting word and the company in different sentences. A criterion that sets
`opening_turn` also runs its rules over the agent's opening turn as one phrase: the agent's first
turn in the criterion's window and the agent's turns straight after it, up to the other side's
first word, with the ASR's full stops read as commas. Each part a rule asks for (a greeting word; a
name or the company) must still be there; only the sentence breaks between them no longer count.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from agents.analyze.transcript import Turn

# A full stop, exclamation mark or ellipsis ending a sentence inside the opening (a question mark
# stays: "Алло? ..." and "Who's this?" are turns of the talk, not pauses in one phrase).
_PAUSE = re.compile(r"(?<=[\w>»\"'’)])[.!…]+\s+(?=\S)")
# A full stop after a title's abbreviation ("Is that Mrs. <PERSON>?") ends no sentence: read as a
# comma it would part the title from the name it belongs to.
_TITLE = re.compile(r"(?:^|\s)(mr|mrs|ms|dr|st|г|гр|ул|т)$", re.IGNORECASE)
MAX_OPENING_TURNS = 3  # the agent's segments before the caller speaks that can still be one opening


def opening_turns(call_turns: list[Turn], roles: Mapping[int, str], candidates: Collection[int]) -> list[Turn]:
    """The agent's opening turn as the segments it came in: the first candidate turn (the
    criterion's speaker, in its window) and the candidate turns of a known agent right after it,
    until another turn comes between. Turns before the first candidate (an outgoing call's
    "Алло?") are skipped. A turn whose speaker is unknown stands alone: without roles, the next
    segment may be the caller's."""
    run: list[Turn] = []
    for turn in call_turns:
        if turn.index not in candidates or (run and roles.get(turn.index) != "agent"):
            if run:
                break
            continue
        run.append(turn)
        if roles.get(turn.index) != "agent" or len(run) == MAX_OPENING_TURNS:
            break
    return run


def read_whole(texts: list[str]) -> str:
    """The segments as one phrase: joined, each full stop between sentences read as a comma and
    the next sentence's capital dropped (Whisper capitalises every sentence start, so that capital
    is no sign of a name): "Театр на Таганке. Каса. Добрый день." -> "Театр на Таганке, каса,
    добрый день."."""
    joined = " ".join(t.strip() for t in texts if t.strip())
    out, at = [], 0
    for m in _PAUSE.finditer(joined):
        if _TITLE.search(joined[:m.start()]):
            continue
        out.append(joined[at:m.start()] + ", ")
        at = m.end()
        if joined[at].isalpha():
            out.append(joined[at].lower())
            at += 1
    return "".join(out) + joined[at:]


def opening_unit(call_turns: list[Turn], roles: Mapping[int, str], candidates: Collection[int]) -> tuple[Turn, str] | None:
    """The opening turn as one Turn read whole (read_whole), at its first segment's index and time,
    with its words as said (the quote of evidence found in it); None when reading it whole changes
    nothing (one segment of one sentence: the rules have read it already)."""
    run = opening_turns(call_turns, roles, candidates)
    if not run:
        return None
    said = " ".join(t.text.strip() for t in run if t.text.strip())
    text = read_whole([t.text for t in run])
    if text == said:
        return None
    return Turn(run[0].index, run[0].start, run[-1].end, run[0].speaker, text), said

