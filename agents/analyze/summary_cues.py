"""Wording cues for summaries: e5's cosines to "action" and "finding" examples sit in a narrow band,
so whether a statement reports something the agent *did* ("I've added a voucher", "that's gone
through") or merely a figure ("It's only nine ninety nine", "Your balance is ...") is read from its
words, and whether a dated statement is a next step from its future or commitment wording ("will",
"within two days") rather than a due date the agent read out.
"""
from __future__ import annotations

import re

# The agent reports a completed action or commits to one (English and Russian).
_ACTION = re.compile(
    r"\b(?:I|we)(?:[’']ve| have)\s+(?:just |now |already |also |gone ahead and )?(?!got\b|been\b|found\b|no\b|not\b)\w+"
    r"|\b(?:I|we)[’']ll\s+(?!need|have to|just need)\w+|\b(?:I|we) will\s+\w+"
    r"|\b(?:has|have|[’']s) been (?!\w+ing\b)\w+(?:ed|en|t|ne)\b|\bis now (?:\w+ed|active|working|fixed|sorted)\b"
    r"|\bgone through\b|\b(?:it|that|you)[’']?(?:s| is| are|[’']re) (?:all )?(?:done|sorted|cancelled|booked|fixed|"
    r"refunded|set up|updated|renewed|frozen|paid|approved)\b|^(?:done|sorted|updated|cancelled|booked)\b"
    r"|\b(?:я|мы) (?:уже |также |сейчас )?[а-яё]+(?:ла|ил|ал|али|или|ыл|ыла)\b"
    r"|\b(?:оформлен|отправлен|продл[её]н|записан|отменен|отменён|возвращен|возвращён|восстановлен|переключ[её]н)\w*"
    # Russian commitments are perfective verbs in the first person ("передам в отдел", "запишу вас",
    # "вам перезвонят"): the future has no marker word, so the verbs are named.
    r"|^(?!понял|слушал)[а-яё]+(?:ла|ил|ал|ено|ано|али|или)[.!,]"  # "Убрала." - a one-word report of the action
    r"|\b(?:передам|передадим|запишу|запишем|перезвоню|перезвоним|перезвонят|отправлю|отправим|оформлю|оформим|"
    r"пришлю|пришлём|пришлем|верну|вернём|вернем|направлю|направим|выезжает|приедет|приедут)\b",
    re.IGNORECASE)
# The agent's sympathy ("Two weeks without a car, that's a lot to deal with.", "Понимаю, это неприятно.",
# "Ох, два часа без света."): an acknowledgement of feelings, not something done or found.
_SYMPATHY = re.compile(
    r"^(?:oh|ah|aw|ох|ой|ай|ах)\b|\b(?:sorry|I (?:can )?imagine|I understand|that must|must be (?:awful|hard|horrible|"
    r"frustrating|stressful|worrying)|poor you|oh no|what a (?:pain|nightmare|shame)|that[’']s (?:awful|horrible|terrible|"
    r"frustrating|a nightmare|really rough|rough|a lot to deal with|a shame|not on)|понима(?:ю|ем)|сочувству|неприятн|"
    r"обидн|представляю|извините за)", re.IGNORECASE)
# A pleasantry or a hand-over ("Have a good afternoon.", "See you tomorrow.", "I'll put you through."): it
# sounds like a commitment but reports nothing done, found or next.
_COURTESY = re.compile(
    r"^(?:(?:okay|ok|right|lovely|great|thanks|thank you)\W+)?(?:have a (?:good|nice|lovely|great)\b|see you\b|take care\b|"
    r"bye\b|goodbye\b|thanks for (?:calling|ringing)\b|bear with me\b|всего (?:доброго|хорошего)|до свидания|"
    r"хорошего (?:дня|вечера))", re.IGNORECASE)
_HAND_OVER = re.compile(r"\b(?:(?:I[’']ll|let me) (?:just )?(?:put you (?:straight )?through|transfer you|pass you)|"
                        r"соединяю|переключаю|переведу вас)", re.IGNORECASE)
COURTESY_WORDS = 10  # a longer sentence that opens with a pleasantry goes on to say something
# "Sorry, but we can't refund that": a refusal is an outcome, however it is softened.
_REFUSAL = re.compile(r"\b(?:but|can[’']?t|cannot|won[’']t|unable|но|не можем|не могу|нельзя|невозможно)\b", re.IGNORECASE)
# A statement of an amount or balance and nothing else: what the agent read out, not what they did.
_FIGURE = re.compile(
    r"^(?:it[’']s|that[’']s|that is|it is|the (?:balance|payment|total|price|fee|cost|amount)(?:[’']s| is)|"
    r"your (?:balance|total|bill|payment)(?:[’']s| is))\b", re.IGNORECASE)
# A hedge or an intention with nothing in it ("Could be a while.", "Let's get to the bottom of it.").
_HEDGE = re.compile(r"^(?:let[’']s|let me|could be|might be|maybe|perhaps|(?:I[’']m )?not sure|no idea|who knows|hard to say|"
                    r"I couldn[’']t (?:say|tell)|(?:we|I) don[’']t know|don[’']t know)\b", re.IGNORECASE)
_AMOUNT = re.compile(r"\b(?:\d+|pounds?|pence|quid|dollars?|euros?|hundred|thousand|ninety|eighty|seventy|sixty|"
                     r"fifty|forty|thirty|twenty|nineteen|ninety nine)\b", re.IGNORECASE)
_MONEY = re.compile(r"[£$€]\s?\d|\b(?:pounds?|pence|quid|dollars?|euros?|p)\b|\bfifty p\b", re.IGNORECASE)
# A price the agent names (English): a money word, or a spoken number with what prices go with ("forty-four
# on top"). Russian calls read sums out with every balance and check ("платёж двадцать одна тысяча"):
# any sum there put read-outs over actions on calibrate, so Russian needs a price word (_RU_PRICE).
_PRICE = re.compile(r"[£$€]|\b(?:pounds?|pence|quid|dollars?|euros?)\b|\b(?:\d+|[a-z]+ty(?:[\s-][a-z]+)?|hundred|"
                    r"ten|eleven|twelve|[a-z]+teen)\s+(?:on top|extra|a head|each|a month|a week|a night|per|in total|all in)\b",
                    re.IGNORECASE)
# Russian: a sum counts as a price only with a word that makes it one ("доплата — четыре тысячи двести",
# "диагностика стоит тысячу двести"), not a balance or a payment read back.
_RU_PRICE = re.compile(r"\b(?:доплат\w*|стоит|стоимост\w*|тариф\w*|сбор\w*|цен[аеуы]\w*)\b[^.!?]*?"
                       r"\b(?:руб\w*|тысяч\w*|сот\w*|двести|триста|четыреста|пятьсот|шестьсот|семьсот|восемьсот|девятьсот)\b",
                       re.IGNORECASE)
# The state of the caller's account read out ("Your balance is ...", "The payment's ... due on the twelfth"):
# a figure, not a price quoted for what the caller asked.
_ACCOUNT_FIGURE = re.compile(r"^(?:the|your) (?:balance|total|bill|payment|account)\b", re.IGNORECASE)
# A fault, a loss or a charge, as either side names it.
_FAULT = re.compile(
    r"\b(?:broken|broke|wrong|missing|lost|late|dead|died|stuck|leak\w*|faulty|fault|damaged|expired|ran out|run out|"
    r"blocked|stopped|cancell?ed|burst|flood\w*|waterlogged|storms?|sick|ill|off sick|overloaded|short|failed|"
    r"error|problem|issue|сломал\w*|слома\w*|пропал\w*|потерял\w*|задерж\w*|ошибк\w*|проблем\w*|авари\w*|"
    r"заболел\w*|болеет|брак\w*|не прош\w*|просроч\w*|заблокир\w*)\b", re.IGNORECASE)
# A negated verb: "hasn't come", "nobody's turned up", "не морозит", "никто не позвонил" ("не копейки" is no fault).
_NEGATED = re.compile(r"\b(?:\w+n[’']t|not|nobody|nothing|never|никто|ничего)\b|"
                      r"\bне\s+[а-яё]+(?:л|ла|ло|ли|ет|ит|ут|ют|ат|ят|ется|ится|ются|ятся)\b", re.IGNORECASE)
_BECAUSE = re.compile(r"(?:,|\band)\s+so\b|\bbecause\b|\bwhich means\b|\bdue to\b|\bпоэтому\b|\bпотому что\b|\bиз-за\b|"
                      r",\s+так что\b", re.IGNORECASE)
# Future or commitment wording: a next step, not a date the agent read out ("due on the twelfth").
_COMMITMENT = re.compile(
    r"\b(?:will|won[’']t|[’']ll|going to|should (?:be|arrive|get|see|reach|come|show)|is coming|are coming|"
    r"on (?:its|their) way|within|in (?:about |around )?(?:a|an|one|two|three|four|five|six|seven|ten|\d+|a few|"
    r"a couple of) (?:\w+ )?(?:minutes?|hours?|days?|weeks?)|by (?:today|tonight|tomorrow|\w+day|next|the end|end)|"
    r"goes (?:out|back)|arrives?|reach(?:es)? you|book(?:ed)? (?:in )?for|from (?:the|next|tomorrow)|valid from|"
    r"ring|call you|email you|text you)\b", re.IGNORECASE)
# "I'm afraid we can't cover the wedding itself, but I've added a voucher": the part after "but" is
# what the agent did; the concession before it costs room in a 300-character field.
_CONCESSION = re.compile(r"^(?:I[’']m afraid|unfortunately|sadly|well)\b[^.?!]*?,\s*but\s+(?=\S)", re.IGNORECASE)

# Russian: what the record already says, read out with its date ("Вижу поездку, вчера, с шестнадцати
# двадцати...", "Отказ пришёл сегодня утром.", "Договор заключён второго ноября."): a finding, no next
# step. Such a statement opens with the agent looking it up, or tells only what has happened: a past
# verb, a short participle, "вчера" or "назад", and no present, future, infinitive or imperative form.
_RU_LOOKED_UP = re.compile(r"^(?:вижу|по (?:системе|базе|данным|карточке)|в (?:системе|базе|карточке))\b", re.IGNORECASE)
_RU_PAST = re.compile(r"(?<![а-яё])(?!(?:если|числа|число|правила)(?![а-яё]))(?:[а-яё]{2,}(?:л|ла|ло|ли)|[а-яё]{3,}(?:ен|ено|ены|ён|ано|аны))(?![а-яё])|"
                      r"(?<![а-яё])(?:вчера|позавчера|назад)(?![а-яё])", re.IGNORECASE)
# ...unless the agent tells what they did: a past verb with no subject before it ("Записала вас на субботу").
_RU_OWN_PAST = re.compile(r"^(?:(?:ну|так|всё|все|хорошо|тогда|вот)\W+)*(?:уже |сейчас |тогда )?[а-яё]{2,}(?:л|ла|ли)(?![а-яё])",
                          re.IGNORECASE)
_RU_NOT_PAST = re.compile(r"(?<![а-яё])(?!(?:пять|шесть|девять|десять|[а-яё]+дцать)(?![а-яё]))(?:буд\w+|[а-яё]{2,}(?:ет|ёт|ут|ют|ит|ят|ем|ём|им|ешь|ишь|ете|ёте|ите|ть)(?:ся|сь)?)"
                          r"(?![а-яё])", re.IGNORECASE)

# The agent asking the caller to say or give something now ("Продиктуете номер карты.", "Назовите адрес,
# чтобы я сверил.", "Could you give me the postcode."): ASR often drops the question mark, but a request is
# still the agent's question, no fact of the call.
_REQUEST = re.compile(
    r"^(?:\W*(?:так|ну|хорошо|давайте|пожалуйста|а|и|тогда|сейчас)\W+)*(?:скажите|подскажите|назовите|продиктуйте|"
    r"повторите|напомните)\b|^(?:(?:прямо )?сейчас |тогда |пожалуйста,? )?(?:продиктуете|назов[её]те|подскажете|скажете)\b|"
    r"^(?:\W*(?:а|и|так|тогда)\W+)*(?:можете|могли бы) (?:\w+ ){0,2}(?:продиктовать|назвать|сказать|подсказать)\b|"
    r"\bвопросы (?:ещ[её] )?(?:есть|остались)\b|^(?:\W*(?:а|и|ну)\W+)*(?:ещ[её] )?(?:что-то|что-нибудь|чем-то|чем-нибудь) "
    r"(?:подсказать|помочь)\b|"
    r"^(?:(?:okay|ok|right|so|and|great|lovely|perfect)\W+)*(?:(?:can|could|would) you (?:just )?(?:give|tell|read|confirm|spell|"
    r"repeat)\b|(?:can|could|may) I (?:just )?(?:take|have|get|grab)\b|(?:tell|give) me\b|(?:please )?(?:confirm|spell)\b|"
    r"(?:is there )?anything else\b)", re.IGNORECASE)

# A message that will confirm what was arranged ("You'll get a text confirming it tonight.", "I'll send you a
# confirmation email this afternoon.", «Вам придёт смс с подтверждением.»): dated, so it ranks as the next step,
# but the arrangement it confirms (the day, the slot, the refund) is what the summary needs.
_NOTICE = re.compile(
    r"^(?:(?:okay|ok|right|great|lovely|perfect|so|and|booked|done|all done|хорошо|отлично|всё|все|тогда|и)\W+)*"
    r"(?:(?:you[’']ll|you will) (?:(?:also|then) )?(?:get|receive|have)|(?:I|we)[’']ll (?:(?:also|then) )?(?:send|text|e-?mail|pop)|"
    r"(?:(?:a|the|your) )?(?:\w+ )?(?:confirmation|receipt|reminder)\b[^.!?]*?\b(?:will|goes|comes|should)|"
    r"(?:вам )?(?:прид[её]т|пришл[её]м|пришлю|отправлю|отправим|направим|продублирую|продублируем))\b"
    r"(?=[^.!?]*\b(?:texts?|e-?mails?|confirmation|confirming|letter|receipt|reminder|message|смс|sms|сообщени\w*|"
    r"письм\w*|подтвержд\w*|уведомлени\w*|почт\w*))", re.IGNORECASE)
NOTICE_WORDS = 16  # a longer sentence goes on to say more than that a message will come

ACTION_BONUS = 0.04
FIGURE_PENALTY = 0.04  # also for a bare hedge
SYMPATHY_PENALTY = 0.06  # a sympathy with no action in it: below any finding
SUM_BONUS = 0.03  # a price, fee or credit the agent names is what a QA lead checks
CAUSE_BONUS = 0.03  # what went wrong and why, as the agent found it
LATE_BONUS = 0.02  # actions come after findings: a sentence at the end of the call gets this much


def is_cause(text: str) -> bool:
    """The agent's finding of what went wrong with its consequence ("the van broke down, so the rest of
    his jobs got pulled"): a fault word and a "so"/"because" clause."""
    return bool(_FAULT.search(text)) and bool(_BECAUSE.search(text))


def names_problem(text: str) -> bool:
    """Something wrong, as a caller says it: a negated verb ("hasn't come", "не пришла") or a fault word."""
    return bool(_FAULT.search(text) or _NEGATED.search(text))


def names_sum(text: str) -> bool:
    """A sum named: a money word, or a spoken number with what prices go with ("forty-four on top")."""
    return bool(_PRICE.search(text) or _RU_PRICE.search(text))


def is_action(text: str) -> bool:
    return bool(_ACTION.search(text))


def is_figure_only(text: str) -> bool:
    return bool(_FIGURE.search(text.strip())) and bool(_AMOUNT.search(text)) and not is_action(text)


def has_amount(text: str) -> bool:
    """"the twenty-five pounds comes off the card": a clause with a sum keeps its place in a summary."""
    return bool(_MONEY.search(text))


def is_commitment(text: str, language: str) -> bool:
    """English next steps need future or commitment wording, or an action ("I've booked it for
    Tuesday"); Russian future forms are perfective
    verbs with no marker word, so the date alone decides there."""
    return language != "en" or bool(_COMMITMENT.search(text)) or is_action(text)


def without_concession(text: str) -> str:
    rest = _CONCESSION.sub("", text.strip(), count=1)
    return rest[:1].upper() + rest[1:] if rest != text.strip() and is_action(rest) else text


def is_sympathy(text: str) -> bool:
    """The agent acknowledging how the caller feels, and nothing done ("Sorry, I've refunded it" is an action)."""
    return bool(_SYMPATHY.search(text.strip())) and not is_action(text) and not _REFUSAL.search(text)


def is_read_out(text: str) -> bool:
    """A Russian statement of what the record shows or what has already happened, whatever its date:
    the agent looking it up ("Вижу, ...") or past forms only ("Отказ пришёл сегодня утром.")."""
    text = text.strip()
    return bool(_RU_LOOKED_UP.search(text) or _RU_PAST.search(text) and not _RU_NOT_PAST.search(text)
                and not _RU_OWN_PAST.search(text) and not is_action(text))


def is_request(text: str) -> bool:
    """The agent asking the caller for something now (a question ASR wrote as a statement)."""
    return bool(_REQUEST.search(text.strip()))


def is_hedge(text: str) -> bool:
    return bool(_HEDGE.search(text.strip()))


def is_courtesy(text: str) -> bool:
    return bool(_COURTESY.search(text.strip()) or _HAND_OVER.search(text)) and len(text.split()) <= COURTESY_WORDS


def done_bonus(position: int, total: int, text: str) -> float:
    """How much an agent statement's wording and place add to its nearness to action examples."""
    late = LATE_BONUS * position / max(total - 1, 1)
    priced = names_sum(text) and not _ACCOUNT_FIGURE.search(text.strip())
    empty = is_figure_only(text) and not priced or bool(_HEDGE.search(text.strip()))
    return (late + (ACTION_BONUS if is_action(text) else 0.0) - (FIGURE_PENALTY if empty else 0.0)
            + (SUM_BONUS if priced else 0.0) + (CAUSE_BONUS if is_cause(text) else 0.0)
            - (SYMPATHY_PENALTY if is_sympathy(text) or is_courtesy(text) else 0.0)
            - (ACTION_BONUS if is_courtesy(text) and is_action(text) else 0.0))


def is_notice(text: str) -> bool:
    """A statement that only says a message will confirm the arrangement (see _NOTICE)."""
    return bool(_NOTICE.search(text.strip())) and len(text.split()) <= NOTICE_WORDS
