"""Summary for the offline engine: why the customer called, what the agent did, what happens next.

Sentences are chosen by meaning (nearest to exemplars.REASON / ACTION / NEXT), trimmed of fillers
and composed into a labelled template in the call's language. Only redacted transcript text is
quoted; nothing is generated.
"""
from __future__ import annotations

import re
import textwrap

from agents.analyze import exemplars
from agents.analyze.embeddings import CallText, Sentence

# The CRM field is a Bitrix24 string (bitrix/fields.py, 3 rows); 300 chars keeps it readable there.
MAX_SUMMARY_CHARS = 300
LABELS = {"en": ("Reason", "Done", "Next"), "ru": ("Причина", "Сделано", "Далее")}
MIN_SIMILARITY = 0.8  # below this no sentence is a credible reason / action / next step
MIN_WORDS = 2
SHORT_REASON_CHARS = 60  # a reason this short ("I want to make a claim.") gets its next sentence as context
_FILLER = re.compile(
    r"^(?:(?:hi|hello|hey|yes|yeah|yep|ok|okay|so|well|um+|uh+|oh|right|alright|sure|great|good|"
    r"thanks|thank you|perfect|"
    r"да|ну|так|вот|алло|здравствуйте|добрый день|хорошо|ладно|отлично|спасибо|понятно|ага|угу)[,.!]?\s+)+",
    re.IGNORECASE)
_DATE = re.compile(
    r"\b(today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|within|by|next week|"
    r"\d+\s*(?:hours?|days?|minutes?)|сегодня|завтра|послезавтра|понедельник\w*|вторник\w*|сред\w|"
    r"четверг\w*|пятниц\w*|суббот\w*|воскресень\w*|в течение|до \w+|через)\b", re.IGNORECASE)


def trim(text: str) -> str:
    text = _FILLER.sub("", text).strip()
    return text[:1].upper() + text[1:] if text else text


def _best(call: CallText, candidates: list[Sentence], examples: tuple[str, ...], bonus=None,
          exclude: set[int] = frozenset()) -> Sentence | None:
    scores, other = call.similarity(examples), call.similarity(exemplars.NOT_CONTENT)
    best, best_score = None, MIN_SIMILARITY
    for s in candidates:
        if s.position in exclude or "?" in s.text or len(trim(s.text).split()) < MIN_WORDS:
            continue
        if scores[s.position] <= other[s.position]:
            continue
        score = float(scores[s.position]) + (bonus(s) if bonus else 0.0)
        if score > best_score:
            best, best_score = s, score
    return best


def _date_bonus(s: Sentence) -> float:
    return 0.03 if _DATE.search(s.text) else 0.0


def pick(call: CallText) -> tuple[Sentence | None, Sentence | None, Sentence | None]:
    """(reason, done, next): the client's reason, the agent's action, the agent's next step."""
    client, agent = call.of_role("client"), call.of_role("agent")
    opening = call.turns[0].index if call.turns else -1
    agent = [s for s in agent if s.turn.index != opening]  # the greeting turn holds no action
    reason = _best(call, client, exemplars.REASON)
    used = {reason.position} if reason else set()
    done = _best(call, agent, exemplars.ACTION, exclude=used)
    used |= {done.position} if done else set()
    later = [s for s in agent if not done or s.position > done.position] or agent
    upcoming = _best(call, later, exemplars.NEXT, bonus=_date_bonus, exclude=used)
    return reason, done, upcoming


def with_context(reason: Sentence, client: list[Sentence]) -> str:
    """A short reason sentence plus the next sentence of the same turn, which usually says what about."""
    if len(reason.text) >= SHORT_REASON_CHARS:
        return reason.text
    following = next((s for s in client if s.position > reason.position and s.turn == reason.turn
                      and "?" not in s.text), None)
    return f"{reason.text} {trim(following.text)}" if following else reason.text


def compose(parts: list[tuple[str, str]]) -> str:
    """"Label: text." parts sharing MAX_SUMMARY_CHARS; a long part is shortened at a word boundary."""
    if not parts:
        return ""
    budget = MAX_SUMMARY_CHARS - sum(len(label) + 3 for label, _ in parts)
    texts = [trim(text) for _, text in parts]
    share, spare = budget // len(parts), 0
    spare = sum(max(0, share - len(t)) for t in texts)
    out = []
    for (label, _), text in zip(parts, texts):
        width = share + (spare if len(text) > share else 0)
        if len(text) > share:
            spare = 0
        out.append(f"{label}: " + textwrap.shorten(text, max(width, 12), placeholder="…"))
    return " ".join(out)[:MAX_SUMMARY_CHARS]


def template_summary(call: CallText, language: str) -> str:
    labels = LABELS.get(language, LABELS["en"])
    reason, done, upcoming = pick(call)
    texts = [with_context(reason, call.of_role("client")) if reason else None,
             done.text if done else None, upcoming.text if upcoming else None]
    return compose([(label, text) for label, text in zip(labels, texts) if text])
