"""Which voice is the agent: what each side says. The agent answers with a company or own name,
offers help, asks verification questions and closes; the client explains why they call.
Patterns in English and Russian; each hit adds its weight to that side's score for a line.
"""
from __future__ import annotations

import re

# Bump when a cue or weight changes, or how agents.speakers turns them into roles: they decide who
# said what on a mono call, so they are part of the transcript's recorded version
# (agents.transcribe.asr_version).
# 2: a Russian desk answering "..., слушаю"; "когда будет" a client's only when asked; a call whose
# roles stay undecided gets turns that follow its voices (agents.speakers.voice_runs).
# 3: an outgoing caller saying where they call from ("это из клиники, вам звонят"); "сейчас всё
# посмотрю" and "что-нибудь ещё подсказать?" as the agent's; who spoke first counts only when their
# first word was heard, and an outgoing call's unheard answer is the client's; Russian farewells
# name neither side; the voice heard answering an incoming call decides alone (agents.speakers).
ROLE_CUES_VERSION = "3"

AGENT_CUES: dict[str, tuple[tuple[str, float], ...]] = {
    "en": (
        (r"\b(thank(s| you) for (calling|ringing|holding|waiting|banking|shopping|choosing|contacting|bearing with|"
         r"your patience))\b", 3.0),
        # "SkyBridge baggage services, Leon here", "Good evening, ... Leon here": a name after a desk or a greeting
        # (the name may be redacted already: "<PERSON> here")
        (r"\b(services?|support|team|desk|care|helpline|office|reception|department),? (\w+|<[A-Z_]+>) here\b"
         r"|^\W*(good (morning|afternoon|evening)|hello|hi|hiya|morning|afternoon|evening)\b[^.?!]{0,60}(\b\w+|<[A-Z_]+>) here\b", 2.0),
        (r"\b(you'?re|you are) (through to|speaking (to|with))\b|\bthis is \w+ (from|at)\b", 3.0),
        (r"\bit'?s \w+ (from|at)\b", 2.0),  # "Hi, it's Carl from Nova Mobile": an outgoing call's opening
        # ...and its check that the right person answered
        # (a doctor may be who a caller asks for, so only the titles a customer is addressed by)
        (r"\b(is (this|that|it)|am i speaking (to|with)) (mr|mrs|ms|miss)\b", 2.0),
        (r"\b(my name is|my name's|\w+ speaking)\b", 1.5),
        (r"\bhow (can|may) i (help|assist)\b|\bwhat can i do for you\b|\bhow can we help\b", 3.0),
        (r"\b(calls?|this call) (is|are|may be|will be) (being )?recorded\b|\b(may ?be|will be) recorded\b", 2.5),
        (r"\byour (balance|account|order|parcel|payment|repair|booking|claim|refund|card|policy|engineer) "
         r"(is|was|has|will|should)\b", 1.5),
        (r"\b(can|could) (i|you) (take|confirm|have|give me|verify)\b.*\b(name|date of birth|postcode|"
         r"account|address|number|digits|email)\b", 2.5),
        (r"\b(for security|security (question|check)|to verify|verification)\b", 2.0),
        (r"\b(let me (check|look|see|pull|repeat|read|confirm)|i('ve| have) (put|raised|issued|logged|booked|"
         r"sent|refunded|processed|updated|escalated|arranged|added|found|opened|moved|changed|credited)|"
         r"i can see (that|your|two|a))\b", 1.5),
        (r"\b(can|could|may) i (get|take|have) (the|your)\b|\band (the|your) (name|date of birth|postcode|"
         r"address|security|account)\b", 2.0),
        (r"\b(which|what) (card|account|address|number|email|postcode)\b", 1.5),
        (r"\bi'?ll (pass|put|send|transfer|escalate|book|arrange|raise|log|note|get)\b|\bit looks like\b", 1.0),
        (r"\b(is there anything else|anything else (i can|you need|today|at all))\b", 2.5),
        (r"\bwhat'?s (your|the) (account|name|postcode|date of birth|address|number|email|reference)\b|"
         r"\bthe last (four|4) digits\b", 2.0),
        (r"\b(have a (good|great|nice|lovely) (day|evening|weekend)|take care)\b", 1.0),
        (r"\b(i('m| am) sorry (to hear|about|for)|i understand (how|that|your))\b", 1.0),
    ),
    "ru": (
        (r"(спасибо (за|что) (звонок|обращение|позвонили|ожидание))", 3.0),
        (r"(^\W*(компания|банк|служба поддержки)|(здравствуйте|добрый (день|вечер)|доброе утро),? (компания|банк|"
         r"служба)|вы (дозвонились|позвонили) в)", 2.0),
        (r"(меня зовут|на связи|слушаю вас|оператор)", 2.0),
        # "Сервисный центр «Техномастер», слушаю": a desk answering (a client picking up an outgoing
        # call says "Да, слушаю", with no desk before it)
        (r"(центр|магазин|компания|банк|служба|отдел|салон|клиника|страховая|поддержка|сервис)\b[^.?!]{0,40}\bслушаю", 2.0),
        (r"(чем (могу|я могу) (вам )?помочь|как (я )?могу (вам )?помочь)", 3.0),
        (r"(разговор|звонок|беседа) (записывается|может быть записан|будет записан)", 2.5),
        (r"((назовите|подтвердите|продиктуйте|уточните)\b.*\b(фио|имя|фамилию|дату рождения|номер|"
         r"адрес|паспорт|кодовое слово|почту))", 2.5),
        (r"(в целях безопасности|для (проверки|верификации|идентификации))", 2.0),
        # the agent of an outgoing call saying where they call from, as in English "it's Carl from
        # Nova" (not a question: the client picking up asks "Это из банка?"; not "из-за")
        # ("это" opening the line: "Это из поликлиники, я помню" is no introduction)
        (r"(^\W*((алло|здравствуйте|добрый \w+|доброе утро|да),?\s*)*это|\b(вас беспокоит|вас беспокоят|"
         r"беспокою вас|звоню вам|звоним вам|вам звонят|вам звонит))\b[^.?!]{0,40}?\bиз\b(?!-)(?![^.!?]*\?)", 2.0),
        (r"(сейчас (всё |все |я |вам )?(проверю|посмотрю|уточню)|я (оформил|оформила|отправил|отправила|передал|передала|"
         r"создал|создала|вернул|вернула)|я вижу)", 1.5),
        (r"((могу|можно) (я )?(узнать|уточнить|записать)|(какой|какую|какая) (карт|номер|адрес|почт))", 2.0),
        (r"(давайте (я )?(повторю|проверю|посмотрю)|я (передам|оформлю|отправлю|создам|зарегистрирую))", 1.5),
        (r"(могу (ли я )?(ещё|еще) (чем-то|чем) помочь|(ещё|еще) (какие-то )?вопросы"
         r"|(что|чем)(-то|-нибудь)? (ещё|еще) (подсказать|помочь)|(ещё|еще) (что|чем)(-то|-нибудь)? (подсказать|помочь))", 2.5),
        # (no farewell, "до свидания", "всего доброго": either side says it, as often the client)
        (r"(мне (очень )?жаль|понимаю (вас|ваше))", 1.0),
        (r"ваш(а|е|и)? (баланс|заказ|счёт|счет|заявка|посылка|платёж|платеж|договор|карта) ", 1.0),
    ),
}
CLIENT_CUES: dict[str, tuple[tuple[str, float], ...]] = {
    "en": (
        # (not "I'm ringing because your account is overdue": the agent on an outgoing call)
        (r"\b(i'?m|i am) (calling|ringing|phoning) (about|because|to|regarding)\b(?!\s+(your|you)\b)"
         r"|\bi('ve| have) got a problem\b", 3.0),
        (r"\b(i want(ed)? to|i'?d like to|i need to) (cancel|complain|know|ask|report|change|order|get|check|"
         r"talk|speak)\b|\bi want (the|my|a|it)\b", 1.5),
        (r"\bcan you (take|cancel|refund|fix|send|stop|sort|just)\b|\b(nobody|no one) (told|warned)\b", 1.5),
        # checking they reached the company (not "Is that Mr Fenwick?": the agent of an outgoing call)
        (r"^\W*((hi|hello|yes|yeah),?\s*)?is (this|that) (?!(mr|mrs|ms|miss|dr|doctor)\b)\w+", 2.0),
        (r"\bmy \w+ (was|is|has been|got|keeps|isn'?t|wasn'?t|won'?t|hasn'?t|never)\b", 1.5),
        # waiting on the caller's side ("I've been stood here over an hour")
        (r"\bi('ve| have) been (stood|standing|sat|sitting|waiting|hanging on|on hold)\b", 1.5),
        (r"\b(when|how long) (do|will|does|can|would) (i|it|that|my|the money|the refund)\b", 1.5),
        (r"\bi (lost|can'?t afford|don'?t think i can|need it for)\b", 1.0),
        (r"\bmy (card|account|bill|order|parcel|package|internet|broadband|phone|policy|claim|payment|"
         r"refund|money|meter|booking|contract|tariff)\b", 1.5),
        (r"\b(you('ve| have) (charged|taken|cut|sent|lost)|you people|your (company|service|engineer))\b", 2.0),
        (r"\b(it'?s|my name is) [A-Z]?\w+ \w+, and\b|\b(born|date of birth is) on\b", 0.5),
        (r"\b(thanks,? bye|cheers|that'?s all i (needed|wanted))\b", 1.0),
    ),
    "ru": (
        (r"(я (звоню|звонил|звонила|обращаюсь) (по поводу|насчёт|насчет|из-за|потому|чтобы|узнать))", 3.0),
        (r"(у меня (проблема|вопрос|списали|не работает|пропал))", 2.5),
        (r"(я хочу|я хотел|я хотела|хотелось бы|мне нужно) (отменить|узнать|пожаловаться|"
         r"вернуть|поменять|заказать|оформить|подключить)", 1.5),
        (r"(мо(я|й|ю|ей|его|ё) (карт|счёт|счет|заказ|посылк|интернет|тариф|договор|полис|платёж|платеж|деньги))", 1.5),
        (r"(вы (списали|отключили|потеряли)|ваш(а|и)? (компания|сервис|курьер|оператор))", 2.0),
        (r"((можете|можно) (вернуть|отменить|убрать|снять|исправить)|никто (не )?(предупредил|сказал))", 1.5),
        (r"^\W*((здравствуйте|алло|да),?\s*)?это (компания|банк|служба|магазин)", 2.0),
        (r"это всё, что", 1.0),
        # asked, not said: the agent's "Запишу вас, когда будет окно" / "Не знаю, когда будет"
        (r"(когда (я )?(получу|вернут|включат|починят|приедет|придёт|придет|будет|будут)[^.!?]*\?|"
         r"\bа когда |сколько (ждать|это займёт|это займет))", 1.5),
        (r"у (нас|меня) (уже |опять |снова )?(третий|второй|который) день|у (нас|меня) (опять|снова) ", 1.5),
    ),
}


_PATTERNS = {side: {lang: [(re.compile(p, re.IGNORECASE), w) for p, w in cues[lang]] for lang in cues}
             for side, cues in (("agent", AGENT_CUES), ("client", CLIENT_CUES))}


def role_scores(text: str, language: str) -> tuple[float, float]:
    """(agent evidence, client evidence) of one line; unknown languages use the English cues."""
    def score(side: str) -> float:
        patterns = _PATTERNS[side].get(language, _PATTERNS[side]["en"])
        return sum(weight for pattern, weight in patterns if pattern.search(text))
    return score("agent"), score("client")
