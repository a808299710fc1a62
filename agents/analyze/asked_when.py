"""The caller's "when?" left open: a next step is concrete only if the caller knows when it
happens (GUIDE.md: vague or no timing is not_met). When the caller asks when ("When will I hear
back?", "Will it come tomorrow?") the agent's reply is the step's timing: a reply naming no
concrete when ("It depends how busy they are"), or naming a vague one ("as soon as they can"),
leaves the step open whatever was said before it. Who asked (the caller), in what order (the
reply to the last such question) and what the reply holds decide, not the step's own wording.
"""
from __future__ import annotations

import re

from agents.analyze.transcript import Turn

# A plain yes to a caller's question that named the time itself ("Will it be here by Friday?" -
# "Yes, it will."): the reply confirms that when. A hedge ("Hopefully") is no yes.
AFFIRMED = {
    "en": re.compile(r"^\W*(yes|yeah|yep|yup|definitely|certainly|absolutely|it will|they will|that[’']s right|correct)\b",
                     re.IGNORECASE),
    "ru": re.compile(r"^\W*(да|конечно|обязательно|точно|верно|именно|будет|придёт|придет)\b", re.IGNORECASE),
}


def last_question(turns: list[Turn], roles: dict[int, str], asks) -> Turn | None:
    """The caller's last turn that asks when (`asks`: a predicate on its text)."""
    return next((t for t in reversed(turns) if roles.get(t.index) == "client" and asks(t.text)), None)


def reply_to(question: Turn, turns: list[Turn], roles: dict[int, str]) -> list[Turn]:
    """The agent's turns after the question, up to the caller's next turn."""
    reply = []
    for t in turns:
        if t.index <= question.index:
            continue
        if roles.get(t.index) != "agent":
            if reply or roles.get(t.index) == "client":
                break
            continue
        reply.append(t)
    return reply


def answers_when(reply_text: str, question_text: str, language: str, named, vague, hedged) -> bool:
    """Whether the reply tells the caller when: a concrete when, or a plain yes to a question that
    named its own, and neither a vague when nor a hedge (predicates on text)."""
    if vague(reply_text) or hedged(reply_text):
        return False
    affirmed = AFFIRMED.get(language)
    return named(reply_text) or bool(affirmed and affirmed.search(reply_text) and named(question_text))


def left_open(turns: list[Turn], roles: dict[int, str], language: str, asks, named, vague, hedged) -> dict | None:
    """The agent's reply that leaves the caller's last "when?" open, as evidence, or None (no such
    question, no reply heard, or a reply that answers it)."""
    question = last_question(turns, roles, asks)
    if question is None:
        return None
    reply = reply_to(question, turns, roles)
    if not reply:
        return None
    text = " ".join(t.text for t in reply)
    if answers_when(text, question.text, language, named, vague, hedged):
        return None
    return {"quote": reply[0].text.strip(), "segment": reply[-1].index, "start": reply[0].start}
