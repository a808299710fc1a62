"""An agent's reply judged with the caller's turn it answers (session 23, h-rude23).

Many rude lines are rude only as a reply: "Up to you." answers a question politely ("Should I pay
the bill meanwhile?" - "Up to you really.") but waves the caller off after they say what they will
do ("I'll ring the police then." - "Up to you."); "No idea" after "When will he come?" leaves the
caller with nothing. Sentence rules and shapes (reproach.py, reproach_ru.py) see one line; here a
pair (the caller's previous turn, the agent's reply) is judged by its shape:

- a curt not-knowing ("Dunno", "No idea", "I don't keep his diary"; «понятия не имею», «откуда я
  знаю») opening the reply to a question the caller asked; a plain "I don't know" (often said
  courteously) is not one, nor one softened or followed by what the agent will do about it;
- the caller's manner told off ("there's no need to swear at me", "shouting at me won't ...";
  «не кричите на меня», «не повышайте голос») in a reply to something the caller said;
- a bare dismissal as the whole reply ("Up to you.", "Whatever."; «Как хотите.», «Ваше дело.»)
  to a statement (to a question it can be an answer);
- a bare counter-question that asks nothing ("And?", "So what?"; «Ну и?», «И что?») opening the reply
  to a statement;
- a protest waved down: the caller exclaims ("I did push it in!", «Я закрываю дверцу!») and the reply
  opens with an acknowledgement said twice ("Alright, alright."; «Ну хорошо, хорошо.») or with the
  record set flatly against them ("Well, the system says otherwise."); not a reply to thanks;
- the caller's charge thrown back: "Are you calling me a liar?" answered "I'm not calling you
  anything" (the caller's own verb denied with "anything"), not "I'm not saying that at all, sorry";
- a question met with impatience («Я же говорю — позвонят.», «Как будет, так будет.»; the courteous
  «как я уже говорила» is none), and the caller's account waved off («Ну не знаю, что вы там выбирали»);
- the caller's complaint asked back as what the agent could do about it ("So what do you want me to
  do?", «А я что сделаю?», «И что вы от меня хотите?»), not an offer ("What can I do for you?",
  «Что я могу для вас сделать?»).

Pure functions of text: no parse, no vectors, deterministic.
"""
from __future__ import annotations

import re

# What takes the edge off a reply: an apology, regret, understanding, an offer to find out.
SOFTENED = re.compile(
    r"\b(sorry|apologi[sz]e\w*|afraid|unfortunately|I understand|appreciate|no worries|don[’']?t worry|"
    r"let me|I[’']?ll (find out|check|ask|chase|look|see)|I can (find out|check|ask|chase)|please)\b"
    r"|\b(извин\w*|прост\w+|к сожалению|сожале\w*|понимаю|понимаем|пожалуйста|сейчас (уточню|узнаю|посмотрю)|"
    r"(я )?(уточню|узнаю|выясню))\b",
    re.IGNORECASE)

# A reply opened by a particle: "well", "look", "oh"; «ну», «а», «да», «так».
_OPENER = r"^(?:(?:well|look|oh|erm|um|so|ну|а|да|так|слушайте)[,.]?\s+)*"

# Not-knowing in a curt form (a plain "I don't know" is left alone: writers give it to courteous
# agents who have no date). The diary, rota or schedule of someone else: "I don't keep his diary".
CURT_NOT_KNOWING = re.compile(
    _OPENER + r"(dunno|no idea|not a clue|no clue|search me|who knows|how (would|should|am) I (supposed to )?know"
    r"|I (don[’']?t|do not) (keep|have|run|do|see) (his|her|their|(the )?\w+( \w+)?[’']s) (diary|rota|schedule|calendar)"
    r"|понятия не имею|без понятия|(откуда|почём|почем) (мне|я) (знать|знаю)|я (откуда|почём|почем) знаю|(а )?мне (откуда|почём|почем) знать"
    r"|кто (ж|же )?(его|её|их) знает)\b",
    re.IGNORECASE)

# The caller's manner of speaking told off.
MANNER_TOLD_OFF = re.compile(
    r"\b(there[’']?s )?no need to (swear|shout|yell|raise your voice|take that tone|get (shirty|arsy|stroppy|aggressive|funny))\b"
    r"|\b(swearing|shouting|yelling|screaming|getting (shirty|arsy|stroppy|angry)) at me\b"
    r"|\bdon[’']?t (you )?(swear|shout|yell|raise your voice) at me\b|\b(watch|mind) your (language|tone|mouth)\b"
    r"|\bне (кричите|орите|повышайте( на меня)? голос|хамите|грубите|ругайтесь)\b|\bвыбирайте выражения\b"
    r"|\bне (разговаривайте|говорите) со мной (так|таким тоном|в таком тоне)\b"
    r"|\bне надо (на меня )?(кричать|орать|хамить|грубить|голос( на меня)? повышать|повышать( на меня)? голос)\b",
    re.IGNORECASE)

# A dismissal that is the whole reply.
BARE_DISMISSAL = re.compile(
    _OPENER + r"(whatever( suits| you like| you want)?|(that[’']?s |it[’']?s )?up to you|your (call|choice|lookout)"
    r"|please yourself|as you like|как (хотите|знаете|вам угодно)|(это )?ваше дело|дело ваше|воля ваша"
    r"|(решайте|смотрите) сами)\s*[.!]*$",
    re.IGNORECASE)

# A counter-question that asks nothing.
BARE_COUNTER = re.compile(r"^(and|so|so what|and what|and so|meaning|и|ну и|и что|ну и что|и чего|ну и чего|и дальше|и что дальше)\s*\?+$",
                          re.IGNORECASE)

# An acknowledgement said twice ("okay, okay", «ладно, ладно», «да-да»), or the record against the caller.
DOUBLED = re.compile(r"^(?:well|oh|ну|а)?[,.]?\s*(alright|all right|okay|ok|fine|right|yes|yeah|ладно|хорошо|да|понятно|ясно)"
                     r"[,.!]?[\s-]+\1\b", re.IGNORECASE)
OTHERWISE = re.compile(_OPENER + r"(the )?(system|screen|computer|record|records|data|tracking) (says|shows|say|show) otherwise\b"
                       r"|(а )?(у нас|в системе|в базе) (написано|указано|стоит|видно) (другое|иначе|по-другому)\b",
                       re.IGNORECASE)
# Disbelief of what the caller insists on: "Yeah, right."; «Ну да, конечно, ...», «Ну, мало ли».
DISBELIEF = re.compile(r"^(oh )?(yeah|yes),? right\b|^ну,? да,? конечно\b|^ну,? мало ли\b", re.IGNORECASE)
THANKS = re.compile(r"\b(thanks?|thank you|cheers|lovely|спасибо|благодар\w*)\b", re.IGNORECASE)

# The complaint asked back as what the agent could do ("So what do you want me to do (about it)?").
ASKED_BACK = re.compile(
    _OPENER + r"(?:and |и )?(what (do|did|would) you (want|expect) me to do|what am I (supposed|meant) to do"
    r"|what (can|could) I do about (it|that)"
    r"|(а |и )?(я )?что (я )?(могу )?(с этим )?(сделаю|сделать|поделаю|поделать)|(а |и )?что вы (от меня )?хотите"
    r"|(а |и )?что (я )?(ещё |еще )?(вам )?должен|чего вы (от меня )?(хотите|ждёте|ждете))\b[^?]*\?",
    re.IGNORECASE)
# An offer, not a retort: "what can I do for you", «что я могу для вас сделать», «чем могу помочь».
OFFER = re.compile(r"\b(for you|to help|для вас|вам помочь|чем (могу|ещё|еще))\b", re.IGNORECASE)

def opens(turn: str, sentence: str) -> bool:
    """Whether the sentence is the first of the agent's turn."""
    return turn.strip().startswith(sentence.strip())


def asked(prompt: str) -> bool:
    """Whether the caller's turn asks something (a question mark in it)."""
    return "?" in prompt


# «Я же (вам) сказала», «я же говорю»: the answer held up as given already (impatience, not the
# courteous «как я уже говорила»); «как будет, так будет»: a shrug for an answer.
SAID_ALREADY = re.compile(r"\bя же (вам |тебе )?(уже )?(сказал|сказала|говорю|говорил|говорила|объяснял|объясняла)\b"
                          r"|\bкак будет,? так (и )?будет\b", re.IGNORECASE)
# «Ну не знаю, что вы там выбирали»: the caller's account waved off as whatever they did "there".
ACCOUNT_WAVED_OFF = re.compile(r"\bне знаю,? (что|куда|как|чего) (вы|ты) там\b", re.IGNORECASE)


def question_met_impatiently(prompt: str, sentence: str) -> str | None:
    """«Я же говорю — позвонят.» in reply to «Когда позвонят?»: the question met with impatience."""
    if asked(prompt) and SAID_ALREADY.search(sentence) and not SOFTENED.search(sentence):
        return "a question met with impatience"
    return None


def account_waved_off(prompt: str, sentence: str) -> str | None:
    """«Ну не знаю, что вы там выбирали.» in reply to what the caller says they did."""
    if prompt.strip() and ACCOUNT_WAVED_OFF.search(sentence) and not SOFTENED.search(sentence):
        return "the caller's account waved off"
    return None


def curt_not_knowing(prompt: str, sentence: str, turn: str) -> str | None:
    """"Dunno, she's in and out." opening the reply to "When's the manager in?"."""
    if asked(prompt) and opens(turn, sentence) and CURT_NOT_KNOWING.search(sentence) \
            and not SOFTENED.search(turn):
        return "a question answered with a curt not-knowing"
    return None


def manner_told_off(prompt: str, sentence: str) -> str | None:
    """"There's no need to swear at me." as the reply to the caller."""
    if prompt.strip() and MANNER_TOLD_OFF.search(sentence) and not SOFTENED.search(sentence):
        return "the caller's manner told off"
    return None


def bare_dismissal(prompt: str, sentence: str, turn: str) -> str | None:
    """"Up to you." as the whole reply to "I'll ring the police then."; to a question it answers."""
    if prompt.strip() and not asked(prompt) and turn.strip() == sentence.strip() and BARE_DISMISSAL.search(sentence):
        return "the caller waved off"
    return None


def bare_counter(prompt: str, sentence: str, turn: str) -> str | None:
    """"And?" (anywhere in the reply) to what the caller told: a counter-question that asks nothing."""
    if prompt.strip() and not asked(prompt) and BARE_COUNTER.search(sentence.strip()):
        return "a counter-question that asks nothing"
    return None


def protest_waved_down(prompt: str, sentence: str, turn: str) -> str | None:
    """"Alright, alright." opening the reply to "It was fine before!"."""
    if "!" not in prompt or THANKS.search(prompt) or not opens(turn, sentence) or SOFTENED.search(sentence):
        return None
    if DOUBLED.search(sentence.strip()) or OTHERWISE.search(sentence.strip()) or DISBELIEF.search(sentence.strip()):
        return "the caller's protest waved down"
    return None


# "Are you calling me a liar?" / "are you saying it's my fault?": the verb the caller charges the agent with.
CHARGE = re.compile(r"\bare you (?:seriously |really |actually |honestly )?(\w+ing)\b", re.IGNORECASE)


def charge_thrown_back(prompt: str, sentence: str, turn: str) -> str | None:
    """"I'm not calling you anything." opening the reply to "Are you calling me a liar?"."""
    if not opens(turn, sentence) or SOFTENED.search(sentence):
        return None
    for verb in CHARGE.findall(prompt):
        if re.search(_OPENER + rf"I[’']?m not {re.escape(verb)} (you |me )?anything\b", sentence.strip(), re.IGNORECASE):
            return "the caller's charge thrown back"
    return None


def asked_back(prompt: str, sentence: str) -> str | None:
    """"So what do you want me to do about it?" / «А я что сделаю?» in reply to the caller."""
    if prompt.strip() and ASKED_BACK.search(sentence.strip()) and not OFFER.search(sentence) \
            and not SOFTENED.search(sentence):
        return "the complaint asked back"
    return None


def retort(prompt: str, sentence: str, turn: str) -> str | None:
    """Why the agent's `sentence` (of its reply `turn`) is rude as the answer to the caller's
    previous turn `prompt` (see the module's doc), or None. With no caller turn before it, None."""
    if not prompt.strip():
        return None
    return (curt_not_knowing(prompt, sentence, turn) or manner_told_off(prompt, sentence)
            or bare_dismissal(prompt, sentence, turn) or bare_counter(prompt, sentence, turn)
            or protest_waved_down(prompt, sentence, turn) or charge_thrown_back(prompt, sentence, turn)
            or asked_back(prompt, sentence) or question_met_impatiently(prompt, sentence)
            or account_waved_off(prompt, sentence))
