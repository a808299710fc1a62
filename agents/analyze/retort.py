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
    r"\b(there[’']?s )?no need to (swear|shout|yell|raise your voice|take that tone|get (shirty|arsy|stroppy|aggressive|funny|snippy|snappy|narky|nasty|smart|personal|short))( with me)?\b"
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


def retort(prompt: str, sentence: str, turn: str, reaction: str = "", earlier: str = "") -> str | None:
    """Why the agent's `sentence` (of its reply `turn`) is rude as the answer to the caller's
    previous turn `prompt` (see the module's doc), or by what it says of the caller's situation
    (said_of_the_situation, given the caller's next turn `reaction` and earlier ones), or None. With no caller turn
    before it, None."""
    if not prompt.strip():
        return None
    return (said_of_the_situation(prompt, sentence, turn, reaction, earlier)
            or curt_not_knowing(prompt, sentence, turn) or manner_told_off(prompt, sentence)
            or bare_dismissal(prompt, sentence, turn) or bare_counter(prompt, sentence, turn)
            or protest_waved_down(prompt, sentence, turn) or charge_thrown_back(prompt, sentence, turn)
            or asked_back(prompt, sentence) or question_met_impatiently(prompt, sentence)
            or account_waved_off(prompt, sentence))


# --- Rude by what the reply says about the caller's situation, whatever its stock form. Each is a shape of meaning; an apology, understanding or an offer in the same turn
# (SOFTENED) takes the edge off all of them, so they are judged against the whole turn.

# The caller's loss or upset put as normal or trivial: "these things happen", "that's life", "it's only
# a day", "trains break down"; «ну бывает», «с кем не бывает», «подумаешь», «не конец света». A bare
# «бывает» only as a clause of its own («..., такое бывает.»), not «бывает, что ...» (an explanation).
MADE_LIGHT = re.compile(
    r"\b(these|such|those) things happen\b|\b(it|that|stuff|this|things|shit) (just )?happens?( sometimes| all the time)?\s*[.!,]*$"
    r"|\bhappens all the time\b|\b(that[’']?s|such is|it[’']?s just) life\b|\bworse things happen\b"
    r"|\b(it[’']?s|that[’']?s|it is|that is) not the end of the world\b|\bno big deal\b|\b(it[’']?s|that[’']?s) hardly a (disaster|tragedy|crisis)\b"
    r"|\b(it[’']?s|that[’']?s|it was|that was) (only|just) (a|an|one|two|a couple of|a few) (day|days|night|nights|hour|hours|week|weeks|morning|afternoon|evening|weekend|class|lesson|session|match|game|trip|flight|train|bus)\b"
    r"|\b(it[’']?s|that[’']?s|it was) one (day|night|class|lesson|session|match|game|trip|morning|afternoon|evening|weekend)\b|\b(trains|buses|cars|vans|lorries|drivers|machines|boilers|computers|systems|parcels|flights|planes|things) (break( down)?|go wrong|get lost|get delayed|run late|get cancelled)\b[^.?!]*,\s*(that[’']?s|it[’']?s) (life|how it (goes|is))"
    r"|^(people|staff|drivers|instructors|teachers|engineers|couriers) (get ill|get sick|go off sick|have lives|are human|make mistakes)\b"
    r"|(^|[,—–-]\s*)(ну,?\s+)?(так |такое |всякое |и такое |всё )?бывает\s*([.!…—–]|,\s*(чего уж|что (ж|же|тут|поделать|поделаешь)|ничего не поделаешь|не (вы )?первый|не (вы )?первая|жизнь)|$)"
    r"|\bс кем не бывает\b|\bподумаешь\b|\b(это|такова|ну,? такая) жизнь\b|\bжизнь такая\b|\bне конец света\b"
    r"|\b(всего|только|всего лишь|всего-то) (один|одна|одно|пару|день|денёк|час|неделю|сутки|ночь)\b"
    r"|\bне (смертельно|трагедия|катастрофа)\b|\bделов(-то| на)\b"
    # the caller's upset itself put as an overreaction ("no need to be so dramatic", «не нагнетайте»)
    r"|\b(don[’']?t|no need to) (be so |get so )?(dramatic|overreact|exaggerate|make (such )?a fuss|make a drama)\b"
    r"|\bне (нагнетайте|драматизируйте|преувеличивайте|накручивайте|раздувайте)\b",
    re.IGNORECASE)
# The caller owning a slip of their own ("Sorry, I forgot", «извините, я перепутала»): making light of it
# comforts them.
OWN_SLIP = re.compile(r"\b(sorry|my (fault|mistake|bad)|embarrass\w*|silly me|I forgot|I[’']?m (so )?(stupid|useless)"
                      r"|извин\w*|прост\w+|сам(а)? виноват\w*|я (забыл|забыла|перепутал|перепутала)|стыдно|неудобно)\b",
                      re.IGNORECASE)
# The caller cleared of blame in the same turn ("it's not like you did it on purpose", "don't feel bad";
# «вы не виноваты», «не расстраивайтесь»): the shrug consoles.
CONSOLED = re.compile(r"\bnot (like|as if|as though) you\b|\byou (didn[’']?t|did not) (do|mean) (it|that)\b|\bnot your fault\b"
                      r"|\bdon[’']?t (feel bad|blame yourself|be hard on yourself)\b"
                      r"|\bвы не виноват\w*|\bвашей вины\b|\bне (расстраивайтесь|переживайте|волнуйтесь|корите себя)\b",
                      re.IGNORECASE)
# The caller upset: an exclamation, or a word of their feeling ("it was quite upsetting", «обидно»).
UPSET = re.compile(r"!|\b(upset\w*|awful|stressed|stressful|worried|furious|annoyed|gutted|devastated|disappointed|"
                   r"fed up|distraught|heartbroken|in tears|ridiculous|unacceptable|"
                   r"расстро\w+|обидно|ужас\w*|переживаю|переживала|нервы|возмутительно|безобразие|издеваетесь|в слезах)\b",
                   re.IGNORECASE)


def thrown_back(reaction: str, sentence: str) -> bool:
    """Whether the caller's next turn throws a word of the agent's sentence back as a protest
    ("Happens?!", «Как это «бывает»?»): the caller heard it as a slight."""
    head = reaction.strip()[:60]
    if "?" not in head and "!" not in head:
        return False
    words = {w for w in re.findall(r"\w{4,}", sentence.lower())}
    return any(w in words for w in re.findall(r"\w{4,}", head.lower()))


def loss_made_light(prompt: str, sentence: str, turn: str, reaction: str = "", earlier: str = "") -> str | None:
    """"Trains break down, that's life." / «Ну, машина не доехала, бывает.»: the caller's loss or
    upset waved off as normal, when the caller is upset (an exclamation or a word of feeling in
    their turns so far, `earlier` and `prompt`, or the word thrown back after) and the turn has no
    apology or offer; comforting a caller's own slip is kind. A shrug to a calm caller is left
    alone: writers give it to courteous agents explaining a delay."""
    if not MADE_LIGHT.search(sentence) or SOFTENED.search(turn) or OWN_SLIP.search(prompt) or CONSOLED.search(turn):
        return None
    if UPSET.search(prompt) or UPSET.search(earlier) or thrown_back(reaction, sentence):
        return "the caller's loss made light of"
    return None


# The caller talked down to: the agent offers to go slowly or simply, calls the matter simple, or
# tells the caller to listen properly this time; «объясняю ещё раз», «это же элементарно».
TALKED_DOWN = re.compile(
    r"\b(let me|I[’']?ll|I will) (explain|say|go through|put) (it|this|that)( again| once more| one more time)? "
    r"(very |really |nice and )?(slowly|simply|in simple terms|in plain English|for you one more time|one more time for you)\b"
    r"|\b(it[’']?s|it is|this is|that[’']?s|that is) (really |honestly |actually |just |genuinely )?not (so |very )?(complicated|difficult|hard|tricky)\s*[.!]*$"
    r"|\bnot rocket science\b|\b(it[’']?s|this is|that[’']?s) (really |honestly |actually )?(basic|elementary|common sense)\b"
    r"|\b(listen|pay attention) (carefully|properly|closely)?\s*(this time|now)\b|\blisten carefully\b"
    r"|\b(объясняю|повторяю|говорю) (вам |для вас )?(ещё|еще) раз\b|\b(специально )?для вас (повторяю|объясняю)\b"
    r"|\b(это )?(же |ведь )?(элементарно|элементарные вещи|проще простого)\b|\bчто (тут|здесь) (непонятного|сложного)\b"
    r"|\bничего сложного (тут |здесь )?нет\b|\bслушайте (внимательно|меня внимательно)\b"
    r"|\bI[’']?m not deaf\b|\bя не глух(ой|ая)\b"
    # the caller sent back into the crowd at the end of a reply: "..., same as everyone else", «..., как все»
    r"|,\s*(same as|like|just like) every(one|body) else\s*[.!]*$|,\s*как (и )?все\s*[.!]*$",
    re.IGNORECASE)


def talked_down(prompt: str, sentence: str, turn: str) -> str | None:
    """"Let me explain this slowly." / «Объясняю для вас ещё раз»: the caller talked down to."""
    # "let me explain this slowly" is no offer: the softener is looked for outside the frame itself
    if TALKED_DOWN.search(sentence) and not SOFTENED.search(TALKED_DOWN.sub(" ", sentence)):
        return "the caller talked down to"
    return None


# The caller's matter disowned: it belongs to them and someone else, never to the company ("that's
# between you and your bank", "that's your family's business"; «это ваши личные дела», «разбирайтесь сами»).
DISOWNED = re.compile(
    r"\b(that[’']?s|it[’']?s|that is|it is) (really )?(between you and|(a matter )?for you and) (your|the) \w+"
    r"|\b(that[’']?s|it[’']?s|that is) (really |just )?(your|your own|your family[’']?s|a family|a personal|a private) (business|affair|matter|problem|issue|lookout)\b"
    r"|\b(that[’']?s |it[’']?s )?(nothing|not anything) to do with (us|me)\b|\b(not|n[’']t) (my|our) (department|problem|concern)\b"
    r"|\bI (just|only) (do|answer|work) the phones\b|\bI (don[’']?t|didn[’']?t) make the rules\b"
    r"|\b(sort|work|figure) (it|that) out (yourself|yourselves|between you|with (them|him|her|your \w+))\b"
    r"|\bэто (уже |вообще |всё |все )?ваши (личные |семейные |внутренние )?(дела|проблемы|заботы|разборки)\b"
    r"|\bэто (уже |вообще )?ваше (личное |семейное )?дело\b|\b(это )?(не наша|не моя) (проблема|забота)\b|\bне (наши|мои) проблемы\b"
    r"|\b(сами )?(разбирайтесь|решайте|договаривайтесь)( с \w+)*( сами| между собой)\b|\bсами (разбирайтесь|решайте)\b"
    r"|\bнас это не касается\b|\b(к нам|ко мне) какие (претензии|вопросы)\b",
    re.IGNORECASE)
# «Это не к нам»: sending the caller elsewhere; as the answer to a question («А обогреватель вы не
# выдаёте?») it is a redirect, to a complaint a brush-off.
NOT_OURS = re.compile(r"\b(это )?(уже |вообще )?не (к нам|ко мне|по адресу)\b", re.IGNORECASE)


def matter_disowned(prompt: str, sentence: str, turn: str) -> str | None:
    """"That's between you and your bank." / «Это ваши проблемы»: the caller's matter disowned."""
    if SOFTENED.search(sentence):
        return None
    if DISOWNED.search(sentence) or (NOT_OURS.search(sentence) and not asked(prompt)):
        return "the caller's matter disowned"
    return None


# Blame put as a question or a moral: "and whose fault is that?", "maybe check next time"; «а кто вам
# виноват?», «надо было раньше думать», «а кто вас просил?».
BLAMED = re.compile(
    r"\bwhose fault (is|was) (that|this|it)\b|\bwho[’']?s fault\b|\bwho (told|asked) you to\b|\bwhat did you expect\b"
    r"|\b(you )?live and learn\b|\blesson learned\b"
    r"|\b(maybe|perhaps|just|try (to |and )?|you might want to|you[’']?d better|do)\s*(check|read|look|keep an eye|pay attention|think|remember|plan|make sure|be more careful|double[- ]check)\b[^.?!]*\bnext time\b"
    r"|\b(maybe|perhaps|just|try (to |and )?)\s*(have a (proper |good |closer )?(read|look)|read (the|it) (properly|through))\b[^.?!]*\b(this|next) time\b"
    r"|\bnext time,? (maybe |perhaps |just |try (to |and )?)?(check|read|look|keep an eye|pay attention|think|remember|plan ahead|make sure|be more careful|double[- ]check)\b"
    r"|\bI[’']?d have thought (you|people)[’']?d\b|\bI would have thought (you|people) would\b"
    r"|\b(that[’']?s|it[’']?s) (kind of |sort of |just |really )?the risk (with|of|you take)\b"
    r"|\b(а )?кто (ж |же )?(вам|в этом) (ж |же )?виноват\b|\b(а )?кто вас (просил|заставлял|тянул)\b"
    r"|\b(думать|думайте) (надо|нужно) было\b|\bнадо было (раньше |сначала )?думать\b"
    r"|\b(в следующий раз|впредь) (будьте|будете|надо быть|думайте|смотрите)\b",
    re.IGNORECASE)


# A question tag closing a statement ("..., do they?", "..., isn't it."): the statement put as a retort.
ANY_TAG = re.compile(r",\s*(is|are|was|were|do|does|did|can|could|would|will|wo|should|have|has|had|ca)(n[’']t| not)? "
                     r"(it|you|they|we|he|she|there|that)\s*[?.!]?$", re.IGNORECASE)


# The fault hinted as the caller's: the thing "doesn't do that on its own", put as a retort ("..., do they?")
# or a short flat statement ("Screens don't crack by themselves.").
ON_ITS_OWN = re.compile(r"\b(do|does|did|ca|wo)n[’']?t (usually |normally |generally |just )?\w+( \w+)? "
                        r"(on (their|its) own|by (themselves|itself))\b", re.IGNORECASE)


# (Russian) a question whether the caller even did it: the caller (вы, a verb in the second person
# plural or the past plural) with «вообще» or a «-то» on a noun ("квитанции-то"), not on a pronoun
# («а вы-то сами как?» asks after them): «А вы их поливали вообще?», «Вы квитанции-то вообще читаете?».
EVEN_RU = re.compile(r"\bвообще\b|\b(?!(?:вы|вам|вас|я|мне|меня|мы|нам|нас|он|она|они|его|её|их|что|кто|как|где|когда|куда|"
                     r"какой|какая|какое|какие|чего|чем|кого|почему|зачем|сколько|тут|там|так)-то)\w+-то\b", re.IGNORECASE)
CALLER_DID_RU = re.compile(r"\bвы\b[^?]*\b\w+(ли|ете|ёте|ите)\b|\b\w+(ли|ете|ёте|ите)\b[^?]*\bвы\b", re.IGNORECASE)
# The caller's honesty doubted: «Справка-то настоящая?», "Is that (even) a real receipt?".
DOUBTED = re.compile(r"\b\w+-то (настоящ\w+|подлинн\w+|не поддельн\w+)\b|\bis (that|it|this) (even )?(a )?(real|genuine)\b",
                     re.IGNORECASE)
# (Russian) a conduct lecture for next time: «в следующий раз» with an imperative and no offer of the
# company's own («в следующий раз звоните, мы заменим» offers).
NEXT_TIME_RU = re.compile(r"\b(в следующий раз|впредь|на будущее)\b", re.IGNORECASE)
IMPERATIVE_RU = re.compile(r"\b\w+(йте|ите)\b", re.IGNORECASE)
OWN_OFFER_RU = re.compile(r"\b(я|мы|нам|нас|меня|мне|пожалуйста)\b", re.IGNORECASE)


def blame_put(prompt: str, sentence: str, turn: str) -> str | None:
    """"And whose fault is that?" / «А кто вам виноват?»: the caller blamed by a question or a moral."""
    if SOFTENED.search(sentence):
        return None
    if BLAMED.search(sentence):
        return "the caller blamed"
    if ON_ITS_OWN.search(sentence) and (ANY_TAG.search(sentence.strip()) or len(sentence.split()) <= 8):
        return "the fault hinted as the caller's"
    question = sentence.strip().endswith("?")
    if question and EVEN_RU.search(sentence) and CALLER_DID_RU.search(sentence):
        return "the caller asked whether they even did it"
    if question and DOUBTED.search(sentence):
        return "the caller's honesty doubted"
    if NEXT_TIME_RU.search(sentence) and IMPERATIVE_RU.search(sentence) and not OWN_OFFER_RU.search(sentence):
        return "the caller lectured for next time"
    return None


# Mock praise or mock sympathy: "well done", "bravo", "what a tragedy"; «ну молодцы», «какая трагедия».
# Praise counts as mockery only bare ("Well done." not "well done for ringing") after the caller's
# failure or loss; mock sympathy is mockery whenever it is not softened.
MOCK_PRAISE = re.compile(r"^(oh,? |well,? )?(well done|bravo|nice one|good job|great job|brilliant|congratulations|good for you)\s*[.!]*$"
                         r"|^(ну,? )(молод(ец|цы|чина)|браво|поздравляю|прекрасно|замечательно|отлично|здорово|класс)\b"
                         r"|^(ну,? )?(классика|браво)\s*[.!]*$", re.IGNORECASE)
MOCK_SYMPATHY = re.compile(r"\b(oh,? )?(what|such) a (tragedy|catastrophe|drama)\b|\bmy heart bleeds\b|\bboo[- ]hoo\b"
                           r"|\bкакая (трагедия|катастрофа|драма)\b|\bтрагедия-то какая\b|\bбедненьк\w+"
    r"|\b(ж|же) так (сложно|трудно|тяжело)\b", re.IGNORECASE)
# What the caller reports as gone wrong by their own hand: mock praise answers this.
FAILURE = re.compile(r"\bI (didn[’']?t|did not|forgot|lost|broke|missed|dropped|deleted|threw|got (it|the \w+) wrong)\b"
                     r"|\bя\b[^.!?]*?\b(не \w+л[аи]?|забыл\w*|потерял\w*|сломал\w*|разбил\w*|пропустил\w*|опоздал\w*|уронил\w*|удалил\w*)\b",
                     re.IGNORECASE)


def mocked(prompt: str, sentence: str, turn: str) -> str | None:
    """"Well done." after "I forgot to renew it." / "Oh, what a tragedy.": mock praise or sympathy."""
    if SOFTENED.search(turn):
        return None
    if MOCK_SYMPATHY.search(sentence) or (MOCK_PRAISE.search(sentence.strip()) and FAILURE.search(prompt)):
        return "the caller mocked"
    return None


# A threat or ultimatum aimed at the caller, and impatience at repeating oneself: "keep that tone and
# I'll hang up", "I'm not going to repeat myself"; «я сейчас положу трубку», «повторять не буду».
THREATENED = re.compile(
    r"\b(keep|carry on with|continue with|one more) (that|this) (tone|language|attitude)\b"
    r"|\bI[’']?(ll| will|m going to|m gonna| am going to) (just )?(hang up|end (this|the) call|put the phone down|disconnect)\b"
    r"|\b(I[’']?m|I am) not (going to|gonna) (repeat|say|explain) (myself|it|this|that)( again)?\b"
    r"|\bI won[’']?t (repeat|say|explain) (myself|it|this|that) again\b|\bhow many times (do|have|must) I\b"
    r"|\bI[’']?ve (already )?(told|explained (it|this|that) to) you (twice|three times|already|before)\b"
    r"|\b(я )?(сейчас )?(положу|брошу|повешу) трубку\b|\b(я )?(закончу|прекращу|прерву|завершу|закончим|прекратим) (этот |наш )?разговор\b"
    r"|\b(второй|третий|ещё|еще|больше) раз (повторять|объяснять|говорить) не (буду|стану)\b|\bповторять не (буду|стану)\b"
    r"|\bсколько (раз )?(можно |вам )*(повторять|говорить|объяснять)\b",
    re.IGNORECASE)


def threatened(prompt: str, sentence: str, turn: str) -> str | None:
    """"Keep that tone and I'll hang up." / «Повторять не буду.»: a threat or impatience at repeating."""
    if THREATENED.search(sentence) and not SOFTENED.search(sentence):
        return "the caller threatened or repeated at"
    return None


def said_of_the_situation(prompt: str, sentence: str, turn: str, reaction: str = "", earlier: str = "") -> str | None:
    """Why the sentence is rude by what it says about the caller's situation (session 24), or None.
    `reaction` is the caller's turn after the reply, `earlier` their turns before `prompt`."""
    return (loss_made_light(prompt, sentence, turn, reaction, earlier) or talked_down(prompt, sentence, turn)
            or matter_disowned(prompt, sentence, turn) or blame_put(prompt, sentence, turn)
            or mocked(prompt, sentence, turn) or threatened(prompt, sentence, turn))
