"""Summary for the offline engine: why the customer called, what the agent did or found, what
happens next and when.

- Reason: the client's first sentence after the agent's opening that sounds like a reason (callers
  say why they call first), else the client sentence nearest to exemplars.REASON.
- Next: the agent sentence nearest to exemplars.NEXT that carries a date or a time span; an
  undated one is no next step, nor (Russian) the record read out with its date ("Вижу, ...", past
  forms only: summary_cues.is_read_out).
- Done: up to MAX_DONE agent sentences nearest to actions, findings or next steps.
ASR's cuts are mended first (summary_joins: a sentence split over two segments, a statement run on
into a question); an outcome the caller states and the agent confirms, or an offer the agent
settles ("Booked."), is the next step. Sentences are trimmed of fillers and composed into a
labelled template in the call's language within the CRM field's length (summary_text). Only redacted transcript text is quoted; nothing is generated.
"""
from __future__ import annotations

import re

from agents.analyze import exemplars, memo, summary_cues, summary_joins
from agents.analyze.embeddings import CallText, Sentence
from agents.analyze.summary_text import (DATE, MAX_PART_CHARS, MAX_SUMMARY_CHARS, compact, compose, first_clause,
                                         full_length, trim, without_fillers_ru)

LABELS = {"en": ("Reason", "Done", "Next"), "ru": ("Причина", "Сделано", "Далее")}
MIN_SIMILARITY = 0.8  # below this no sentence is a credible reason / action / next step
MIN_WORDS = 2
SHORT_REASON_CHARS = 60  # a reason this short ("I want to make a claim.") gets its next sentence as context
# A one-word report of an action: a past participle ("Updated.", "Отправлено.", "Оформила.").
# (Matches start at a word's first letter only: linear on a long run of letters.)
_DONE_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]+ed[.!]|(?<![А-Яа-яЁё])[А-Яа-яЁё]+(?:ла|ил|ал|ено|ано|ён|ан)[.!]")
_CARD_READ_BACK = re.compile(r"<CREDIT_CARD>")
# Details read out for a check ("<ADDRESS>, two <PERSON>, seven fifty a month", "Date of birth ninth of
# July, postcode <ADDRESS>"): a sentence that opens with a redacted value other than a name it
# addresses, or names what a security check asks for, is no reason, action or finding.
_CHECKED_VALUE = re.compile(r"^\W*<(?!PERSON>)[A-Z_]+>|\b(?:date of birth|postcode|post code|дат\w* рождения|индекс)\b",
                            re.IGNORECASE)
_PLACEHOLDER_WORD = re.compile(r"^\W*<[A-Z_]+>\W*$")  # a redacted value says nothing worth quoting
# A dictated value says nothing either: "9th of April, 1980." (a date of birth) is no reason.
_VALUE_WORD = re.compile(r"^\W*(?:\w*\d\w*|january|february|march|april|may|june|july|august|september|october|"
                         r"november|december)\W*$", re.IGNORECASE)
# A Russian number word: "Двадцать три ноль восемь сорок..." or "Шесть тысяч сто сорок..." read out
# alone is a value (an order number, a sum), not an action or a finding.
_RU_NUMBER_WORD = re.compile(
    r"^\W*(?:ноль|нол[ья]|од(?:ин|на|но)|два|две|три|четыре|пять|шесть|семь|восемь|девять|десять|"
    r"\w+надцать|двадцать|тридцать|сорок|пятьдесят|шестьдесят|семьдесят|восемьдесят|девяносто|сто|двести|"
    r"триста|четыреста|\w+сот|тысяч[аиу]?|полтор[аы]|с половиной)(?:-\w+)?\W*$", re.IGNORECASE)
# "I've got two things really.": the reason is what follows.
_SEVERAL = re.compile(r"\b(?:two|three|a few|few|couple of|several) (?:things|questions|issues|problems)\b", re.IGNORECASE)
_NEXT_THING = re.compile(r"\b(?:second|other) (?:thing|question|issue|problem)\b", re.IGNORECASE)
# "First, ...", "I'm checking it now, and the second thing, ...": what comes before the thing itself.
_ENUMERATION = re.compile(r"^(?:.*?\b(?:second|other) (?:thing|question|issue|problem)[\s,.;:]+|(?:first(?:ly)?|second(?:ly)?)[\s,.;:]+)",
                          re.IGNORECASE)
# "Anyway, my husband's been putting up the shed...": the caller turning from small talk to the reason.
_TO_BUSINESS = re.compile(r"^(?:(?:so|but|oh)\W+)?(?:anyway|anyhow|the reason I(?:[’']m| am) (?:calling|ringing)|"
                          r"I[’']m (?:calling|ringing) (?:about|because))\b", re.IGNORECASE)
TO_BUSINESS_TURNS = 3  # small talk lasts a turn or two
_TRAILS_OFF = re.compile(r"(?:\.\.\.|…)\s*$")
_LETTERS = re.compile(r"[^\W\d_]")
# "I've got a room with you next weekend, but my dad's in hospital, so...": after "but" comes the problem.
_BUT = re.compile(r",\s+but\s+(?=\S)", re.IGNORECASE)
MIN_CORE_WORDS = 4
# The caller's earlier dealings with the company: "I dropped my bike in with you", "Вы у меня ковёр чистили".
_SETTING = re.compile(r"\b(?:from you|with you|off you|(?:у|от) вас|вы (?:у меня|мне|нам|у нас)|у вас (?:брал|заказ|покупал|делал))\b",
                      re.IGNORECASE)
SETTING_TURNS = 2  # the problem follows in the same turn or the caller's next
# The caller's story turning to what went wrong: "А сегодня утром...", "И вот вчера опять...", "And now it's ...".
_TURN_OF_EVENTS = re.compile(r"^\W*(?:(?:и|а|но|and|but)\W+)?(?:вот\W+)?(?:теперь|сегодня|вчера|опять|снова|"
                             r"today|this morning)\b|\b(?:опять|снова|again)\b", re.IGNORECASE)
# A value dictated for a check: a redacted one, letters and digits in one token ("F2739"; not "14th",
# "8am"), a year of birth.
_DICTATED = re.compile(r"<[A-Z_]+>|\b(?!\d+(?:st|nd|rd|th|s|am|pm)\b)(?=\w*\d)(?=\w*[^\W\d])\w+\b|\b(?:19|20)\d\d\b|\bborn\b", re.IGNORECASE)
# Why the agent rang, on an outgoing call: "It's the dental practice, about your appointment."
_PURPOSE = re.compile(r"\b(?:(?:calling|ringing|phoning) (?:about|regarding|to|because)|about (?:your|the)|regarding|"
                      r"following up|по поводу|насч[её]т|касательно|по ваш(?:ему|ей|им)\s+\w{4,}|звоню (?:по|насч|узна|уточн|сообщ|напомн|подтверд))",
                      re.IGNORECASE)  # "calling from <company>" introduces the agent, it is no purpose
_CLAUSE_START = re.compile(r"(?:^|(?<=, ))\S")  # where a comma clause begins
# Who is calling and that the call is recorded ("Компания «ЭкоВывоз», диспетчер Денис, разговор
# записывается."): an opening sentence with these is no news.
_INTRODUCING = re.compile(r"<PERSON>|\b(?:from|speaking|calling|my name|recorded|recording|компани\w*|меня зовут|"
                          r"записыва\w*|говорит)\b", re.IGNORECASE)
_RETURNED_CALL = re.compile(r"\b(?:returning your call|(?:calling|ringing|phoning|getting) (?:you )?back|"
                            r"перезваниваю|вы (?:нам |мне )?звонили|вы оставляли (?:заявку|сообщение))", re.IGNORECASE)
# What the agent found out ("the reading was estimated"): as much an outcome as an action. Written
# for summaries (exemplars.py holds the engine's shared lists); none is from the evaluation set.
FINDING = (
    "I can see the payment went out twice on the same day.",
    "The engineer found a fault on the line outside.",
    "There's a power cut affecting your whole street.",
    "Your last bill was based on an estimated reading.",
    "Your application is still being reviewed.",
    "The courier left it at the front desk.",
    "Your card was blocked after a suspicious payment abroad.",
    "Вижу, что платёж прошёл дважды.",
    "На линии у вашего дома авария.",
    "Счёт выставлен по среднему расходу.",
    "Ваше заявление ещё на рассмотрении.",
    "Карту заблокировали из-за подозрительной операции.",
)
DONE = exemplars.ACTION + FINDING + exemplars.NEXT  # what an action, finding or next step sounds like
# Every example set the summary compares sentences with (semantic.warm_up embeds them at start).
EXAMPLE_SETS = (exemplars.REASON, exemplars.NEXT, DONE, exemplars.NOT_CONTENT)
PURPOSE_TURNS = 3
CAUSE_TURNS = 6  # the purpose's turn and the agent's next five: where a caller hears what went wrong
MAX_DONE = 2  # agent statements quoted under "Done"...
MAX_FILLED_DONE = 4  # ...and, while they fit whole in the field, up to this many
FILL_MARGIN = 0.02  # a statement added to fill the field must be clearly content, as a second one is
SECOND_DONE_MARGIN = 0.02  # ...the second one only when clearly content
MIN_REASON_WORDS = 3  # "Hang on.", "Hiya, sorry.": what a caller says first is no reason when it is this short
LONG_QUESTION_WORDS = 6  # "I broke my ankle, can I freeze my membership?" states a reason; "Is this RailGo?" does not
MIN_MARGIN = 0.0  # a content sentence is nearer the examples than any non-content example
DATE_BONUS = 0.03
ARRANGEMENT_TURNS = 6  # the slot is agreed, the details checked, then the confirmation promised


def _content(s: Sentence) -> bool:
    """A sentence worth quoting: no question, a few words, no card number (read out or back).
    Memoised by text (memo.py): it depends on nothing else."""
    return memo.per_text("content", None, s.text, _content_text)


def _content_text(_, text: str) -> bool:
    # words with letters: "By 5182." (an order number as ASR heard it) says nothing worth quoting
    words = [w for w in trim(text).split()
             if not _PLACEHOLDER_WORD.match(w) and not _VALUE_WORD.match(w) and _LETTERS.search(w)]
    return ("?" not in text and len(words) >= MIN_WORDS and not all(_RU_NUMBER_WORD.match(w) for w in words)
            and not _CARD_READ_BACK.search(text) and not _CHECKED_VALUE.search(trim(text)))


def _candidates(call: CallText, sentences: list[Sentence], examples: tuple[str, ...], bonus=None,
                exclude=frozenset()) -> list[tuple[float, Sentence]]:
    """(score, sentence), best first: content sentences near the examples, scored by how much nearer
    they are to them than to non-content talk (e5's cosines sit in a narrow band, so the margin
    separates better than the raw similarity)."""
    scores = summary_joins.scores(call, sentences, examples)
    other = summary_joins.scores(call, sentences, exemplars.NOT_CONTENT)
    out = []
    for s in sentences:
        if s.position in exclude or not _content(s) or scores[s.position] <= MIN_SIMILARITY:
            continue
        score = float(scores[s.position] - other[s.position]) + (bonus(s) if bonus else 0.0)
        if score > MIN_MARGIN:
            out.append((score, s))
    return sorted(out, key=lambda pair: -pair[0])


def _best(call: CallText, candidates: list[Sentence], examples: tuple[str, ...], bonus=None,
          exclude: set[int] = frozenset()) -> Sentence | None:
    ranked = _candidates(call, candidates, examples, bonus, exclude)
    return ranked[0][1] if ranked else None


def _date_bonus(s: Sentence) -> float:
    return DATE_BONUS if DATE.search(s.text) else 0.0


def opening_reason(call: CallText, client: list[Sentence]) -> Sentence | None:
    """The first content sentence the client says after the agent's opening, if it sounds like a
    reason at all: callers say why they call before anything else ("Hi Ruth. I'm moving house...")."""
    opening = call.turns[0].index if call.turns else -1
    # A caller heard in the first segment (the agent's opening merged into it) said their reason there.
    opening = -1 if call.direction != "outgoing" and any(s.turn.index == opening and _content(s) for s in client) else opening
    said = [s for s in client if s.turn.index != opening]
    if not said:
        return None
    first_turns = sorted({s.turn.index for s in said})[:TO_BUSINESS_TURNS]
    turned = next((s for s in said if s.turn.index in first_turns and _TO_BUSINESS.search(s.text) and _content(s)), None)
    if turned is not None:
        return turned
    # A turn that only says who is calling ("Hello, my name is <PERSON>.") comes before the reason.
    first_turn = next((s.turn.index for s in said if trim(s.text)), said[0].turn.index)
    scores = call.similarity(exemplars.REASON)
    return next((s for s in said if s.turn.index == first_turn and scores[s.position] > MIN_SIMILARITY
                 and len(trim(s.text).split()) >= MIN_REASON_WORDS
                 and (_content(s) or "?" in s.text and len(trim(s.text).split()) >= LONG_QUESTION_WORDS)), None)


def pick(call: CallText, purpose: Sentence | None, language: str = "en"
         ) -> tuple[Sentence | None, list[Sentence], Sentence | None, Sentence | None]:
    """(reason, done, next, news): the client's reason (said first, as callers do), the agent's actions
    or findings (actions, later ones, first; a bare figure last), the next step (dated, with future
    or commitment wording), and when the reason is the agent's `purpose`, its news_of_cause (which
    with_news quotes with it, so neither done nor next does). `purpose`: outgoing_purpose(call)."""
    client = summary_joins.mend(call, call.of_role("client"))
    agent = summary_joins.mend(call, call.of_role("agent"))
    opening = call.turns[0].index if call.turns else -1
    agent = [s for s in agent if s.turn.index != opening]  # the greeting turn holds no action
    # Whoever rang has the reason: on a call the agent made, the client's first words answer the
    # phone ("Speaking, yes"), and the agent says why they rang, unless the agent returns the
    # client's call: then the client's reason is still the reason.
    first = purpose if purpose is not None and not _RETURNED_CALL.search(purpose.text) else None
    reason = first or opening_reason(call, client) or _best(call, client, exemplars.REASON) or purpose
    used = {reason.position} if reason else set()
    news = news_of_cause(reason, call, used) if reason is not None and reason is purpose else None
    used |= {news.position} if news is not None else set()  # the reason quotes it (with_news)
    if language != "en":  # the wording cues are English; other languages keep the ranking by meaning
        return (*_pick_by_meaning(call, agent, reason, used), news)
    # An undated "next step" (or a due date read out) is no next step; it may still be an action below.
    upcoming = next((s for _, s in _candidates(call, agent, exemplars.NEXT, bonus=_date_bonus, exclude=used)
                     if DATE.search(s.text) and summary_cues.is_commitment(s.text, language)), None)
    upcoming, notice = arrangement_confirmed(call, agent, upcoming, used) or upcoming, upcoming
    used |= {notice.position} if notice is not None and notice is not upcoming else set()  # it says nothing more
    # The outcome as the caller put it and the agent confirmed ("So it's eight a week on Friday." "That's it.")
    agreed = summary_joins.confirmed_restatement(call, client, DATE.search)
    if agreed is not None and agreed.position not in used:
        upcoming = agreed
    # An offer with its date that the caller took and the agent settled ("Booked.") is an outcome too.
    offer = summary_joins.confirmed_offer(call, agent, DATE.search)
    offer = offer if offer is not None and offer.position not in used | {getattr(upcoming, "position", -1)} else None
    if upcoming is None:
        upcoming, offer = offer, None
    used |= {s.position for s in (upcoming, offer) if s is not None}
    total = len(call.sentences)
    ranked = _candidates(call, agent, DONE, exclude=used,
                         bonus=lambda s: summary_cues.done_bonus(s.position, total, trim(s.text)))
    # Beside a next step, a statement that reports no action must be clearly content to be quoted.
    done = [s for n, (score, s) in enumerate(ranked[:MAX_DONE])
            if score >= SECOND_DONE_MARGIN or n == 0 and (upcoming is None or summary_cues.is_action(s.text))]
    done = ([offer] + done)[:MAX_DONE] if offer is not None else done
    # The one thing the agent did, with its date, is what was done; the outcome the caller put into
    # words and the agent confirmed stays what happens next ("so it's the fitters at nine on Thursday").
    if not done and upcoming is not None and upcoming is not agreed:
        return reason, [upcoming], None, news
    return reason, done, upcoming, news


def arrangement_confirmed(call: CallText, agent: list[Sentence], upcoming: Sentence | None,
                          used: set[int]) -> Sentence | None:
    """When the next step is only a message to confirm it ("You'll get a text confirming it tonight."), the
    arrangement it confirms: the agent's last dated statement before it, in the turns just before ("Done,
    I've moved it to Tuesday the fifteenth, eight till twelve."). None when there is no such statement."""
    if upcoming is None or not summary_cues.is_notice(trim(upcoming.text)):
        return None
    turns = [t.index for t in call.turns]
    at = turns.index(upcoming.turn.index) if upcoming.turn.index in turns else 0
    near = set(turns[max(0, at - ARRANGEMENT_TURNS):at + 1])
    dated = [s for s in reversed(agent) if s.position < upcoming.position and s.turn.index in near
             and s.position not in used and DATE.search(s.text) and _content(s)
             and not summary_cues.is_notice(trim(s.text)) and informative(s.text)]
    # what was done or will happen before a figure explained ("There's a balance ... because Thursday's the full hour")
    settled = [s for s in dated if summary_cues.is_action(s.text) or summary_cues.is_commitment(s.text, call.language)]
    return (settled or dated or [None])[0]


def outgoing_purpose(call: CallText) -> Sentence | None:
    """On a call the agent made, with no reason from the client: the agent's first statement of why
    they rang, in their first two turns; without "about"/"по поводу" wording, the first news they
    give there ("Your policy on the cottage ends on the twelfth."): the client's first words only
    answer the phone."""
    if call.direction != "outgoing":
        return None
    agent = call.of_role("agent")
    # A check of who answers often comes between the introduction and the purpose: a third turn.
    turns = sorted({s.turn.index for s in agent})
    stated = next((s for s in agent if s.turn.index in turns[:PURPOSE_TURNS] and _PURPOSE.search(s.text) and _content(s)), None)
    opening = [s for s in agent if s.turn.index in turns[:2]]
    if stated is not None or any(_RETURNED_CALL.search(s.text) for s in opening):
        return stated  # a returned call keeps the client's reason
    return first_news(call, opening)


def first_news(call: CallText, opening: list[Sentence]) -> Sentence | None:
    """The earliest statement in `opening` that reads as a reason or a finding rather than a greeting,
    an introduction, a disclosure or a check (the margin test of _candidates)."""
    told = _candidates(call, [s for s in opening if len(trim(s.text).split()) >= MIN_CORE_WORDS  # "The membership office."
                              and not _INTRODUCING.search(s.text)
                              and not summary_cues.is_sympathy(s.text)], exemplars.REASON + FINDING)
    return min((s for _, s in told), key=lambda s: s.position, default=None)


def with_news(purpose: Sentence, call: CallText, quoted: set[int], cause: Sentence | None) -> str:
    """The purpose and the statement after it in the same turn, when that one says what happened
    ("About your survey tomorrow. The surveyor is off sick, so we need to move it."): the purpose
    names the subject, the news is often the reason itself. `cause`: the purpose's news_of_cause,
    as pick found it (pick keeps it out of `quoted`)."""
    core = purpose_core(purpose.text)
    after = call.sentences[purpose.position + 1] if purpose.position + 1 < len(call.sentences) else None
    if cause is not None and (after is None or after.turn != purpose.turn or after.position == cause.position):
        news = trim(cause.text)
        if len(core) + len(news) > MAX_PART_CHARS:  # the subject in a word, the room for the news
            core = first_clause(core)
        return f"{core} {news}"
    if (after is None or after.turn != purpose.turn or after.position in quoted or len(core) >= SHORT_REASON_CHARS
            or not _candidates(call, [after], exemplars.REASON + FINDING)):
        return core  # a long purpose says enough; the room is for what was done
    return f"{core} {trim(after.text)}"


def news_of_cause(purpose: Sentence, call: CallText, quoted: set[int]) -> Sentence | None:
    """What went wrong, as the agent who rang tells it in the turns after the purpose ("The forecast's
    gone up, so the trip is off."): on a call the agent made, that is why they rang."""
    turns = [t.index for t in call.turns if call.roles.get(t.index) == call.roles.get(purpose.turn.index)]
    near = set(turns[turns.index(purpose.turn.index):][:CAUSE_TURNS]) if purpose.turn.index in turns else set()
    return next((s for s in call.sentences if s.position > purpose.position and s.turn.index in near
                 and s.position not in quoted and _content(s) and summary_cues.is_cause(s.text)
                 and not _DICTATED.search(s.text)), None)


def purpose_core(text: str) -> str:
    """The agent's purpose without the greeting and introduction said before it in the same sentence
    ("Hi, it's <PERSON> from the surgery, about your blood test results" -> "About your blood test
    results"): only the purpose is the reason."""
    for clause in _CLAUSE_START.finditer(text):
        if _PURPOSE.search(text[clause.start():].split(",", 1)[0]):
            core = text[clause.start():].strip()
            return core[:1].upper() + core[1:]
    return text


def reason_core(text: str) -> str:
    """A reason without the context before its "but" ("I've got a room with you next weekend, but my
    dad's in hospital"): when the field is short, the problem after it is what the reason is."""
    parts = _BUT.split(text, maxsplit=1)
    if len(parts) < 2 or len(parts[1].split()) < MIN_CORE_WORDS:
        return text
    return parts[1][:1].upper() + parts[1][1:]


def _pick_by_meaning(call: CallText, agent: list[Sentence], reason: Sentence | None, used: set[int]):
    """(reason, done, next) by nearness to the examples (Russian), with the wording cues that hold in
    Russian too: "Убрала.", "передам в отдел" before a finding, "Понимаю, это неприятно." last."""
    # What the record shows, read out with its date ("Вижу, замер на сегодня"), is no next step.
    upcoming = next((s for _, s in _candidates(call, agent, exemplars.NEXT, bonus=_date_bonus, exclude=used)
                     if not summary_cues.is_read_out(trim(s.text))), None)
    if upcoming is not None and not DATE.search(upcoming.text):
        upcoming = None  # an undated "next step" is no next step; it may still be an action below
    upcoming, notice = arrangement_confirmed(call, agent, upcoming, used) or upcoming, upcoming
    used |= {notice.position} if notice is not None and notice is not upcoming else set()  # it says nothing more
    used |= {upcoming.position} if upcoming else set()
    ranked = _candidates(call, agent, DONE, exclude=used, bonus=lambda s: summary_cues.done_bonus(
        s.position, len(call.sentences), trim(with_lead_in(s, call))))
    # A remark, a request or a fragment holds no fact while a statement that can is ranked below it.
    ranked = [pair for pair in ranked if is_statement(with_lead_in(pair[1], call))] or ranked
    said = [s.text for s in (reason, upcoming) if s is not None]
    ranked = [pair for pair in ranked if not repeats(pair[1].text, said)] or ranked
    done = [s for n, (score, s) in enumerate(ranked[:MAX_DONE]) if n == 0 or score >= SECOND_DONE_MARGIN]
    if len(done) == 2 and repeats(done[1].text, [done[0].text]):
        done = done[:1]
    if not done and upcoming is not None:
        return reason, [upcoming], None
    return reason, done, upcoming


def with_context(reason: Sentence, client: list[Sentence], language: str = "en") -> str:
    """A short reason sentence plus the next sentence of the same turn, which usually says what about;
    "I've two things" gives way to the first thing and the caller's "second thing"."""
    if _SEVERAL.search(reason.text):
        later = [s for s in client if s.position > reason.position and _content(s)]
        things = [next((s for s in later if s.turn == reason.turn), None),
                  next((s for s in later if _NEXT_THING.search(s.text)), None)]
        if things[0] is not None:
            return " ".join(trim(_ENUMERATION.sub("", s.text)) for s in things if s is not None)
    # "Мне вчера шкаф собирали." | "А сегодня утром полка треснула.": a short reason that names no problem
    # sets the scene; the problem is the caller's first sentence after it, in that turn or their next, that
    # names one or turns the story to what happened since.
    # (Russian: English callers' negations and fault words ("I don't want more stuff", "hardly your fault")
    # are as often asides as problems; on English calibrate it fixed as many reasons as it broke.)
    if (language != "en" and len(reason.text) < SHORT_REASON_CHARS and not _SETTING.search(reason.text)
            and not summary_cues.names_problem(reason.text)):
        problem = next((s for s in client if s.position > reason.position and _content(s)
                        and s.turn.index <= reason.turn.index + SETTING_TURNS
                        and (summary_cues.names_problem(s.text) or _TURN_OF_EVENTS.search(s.text))), None)
        following = next((s for s in client if s.position > reason.position and s.turn == reason.turn), None)
        if problem is not None and problem is not following:
            # the sentence after the reason still says what it is about, when it is short
            said = [reason] + ([following] if following is not None and _content(following)
                               and len(reason.text) + len(following.text) < SHORT_REASON_CHARS else []) + [problem]
            return " ".join(trim(s.text) for s in said)
    # "I picked my cat up from you yesterday." | "He's not eating.": a caller who first sets out their
    # dealings with the company says what went wrong next; the setting alone holds no problem.
    if _SETTING.search(reason.text) and not summary_cues.names_problem(reason.text):
        problem = next((s for s in client if s.position > reason.position and _content(s)
                        and s.turn.index <= reason.turn.index + SETTING_TURNS and summary_cues.names_problem(s.text)), None)
        # "Вы мне в среду диван чистили." | "А сегодня разводы проступили.": what the caller says next
        # in the same breath is what went wrong, in whatever words.
        # (Russian: English callers name the fault in words names_problem knows.)
        if problem is None and language != "en":
            problem = next((s for s in client if s.position > reason.position and s.turn == reason.turn
                            and _content(s)), None)
        if problem is not None:
            setting = trim(reason.text)
            setting = setting if len(setting) + len(problem.text) < MAX_PART_CHARS else first_clause(setting)
            return f"{setting} {trim(problem.text)}"
    # A caller who trails off ("I've got this... the boiler's leaking.") says the reason next.
    if len(reason.text) >= SHORT_REASON_CHARS and not _TRAILS_OFF.search(reason.text):
        return reason.text
    # A short sentence after a long one in the same turn ("...two panes have misted up. Four hundred
    # it cost.") is the weight of the problem, not the problem: the sentence before it says what.
    before = next((s for s in reversed(client) if s.position == reason.position - 1 and s.turn == reason.turn
                   and _content(s) and len(s.text) >= 2 * SHORT_REASON_CHARS), None)
    if before is not None:
        return f"{trim(before.text)} {reason.text}"
    following = next((s for s in client if s.position > reason.position and s.turn == reason.turn
                      and "?" not in s.text), None)
    return f"{reason.text} {trim(following.text)}" if following else reason.text


def with_lead_in(statement: Sentence, call: CallText, text: str | None = None) -> str:
    """An agent statement (or `text` quoting it) with the one-word sentence just before it in the same
    turn ("Updated.", "Cancelled.", "Оформила."): too short to stand alone, it often is the action itself."""
    text = statement.text if text is None else text
    before = call.sentences[statement.position - 1] if statement.position else None
    if before is not None and before.turn == statement.turn and _DONE_WORD.fullmatch(before.text.strip()):
        return f"{before.text} {text}"
    return text


def template_summary(call: CallText, language: str) -> str:
    labels = LABELS.get(language, LABELS["en"])
    purpose = outgoing_purpose(call)
    reason, done, upcoming, news = pick(call, purpose, language)
    quoted_later = {s.position for s in done} | ({upcoming.position} if upcoming else set())
    reason_text = (None if reason is None else with_news(reason, call, quoted_later, news) if reason == purpose
                   else with_context(reason, call.of_role("client"), language))
    told = lambda s: bool(_candidates(call, [s], DONE))  # noqa: E731 - content by the same margin test
    while True:
        chronological = sorted(done, key=lambda s: s.position)
        quoted = {s.position for s in done}
        quoted |= {upcoming.position} if upcoming else set()
        quoted |= {reason.position} if reason else set()  # a sum the reason names is not named again
        texts = [reason_text, done_text(call, chronological, quoted, told) or None,
                 with_lead_in(upcoming, call, summary_joins.with_antecedent(upcoming, call, quoted, told))
                 if upcoming else None]
        parts = [(label, text) for label, text in zip(labels, texts) if text]
        if full_length(parts) > MAX_SUMMARY_CHARS:  # shorter forms before fewer statements
            # (Russian: the caller's reason keeps its clauses, ASR's run-on statements lose the trailing ones
            # that carry nothing; fillers go from both)
            parts = [(label, compact(trim(text), language) if label != labels[0]
                      else compact(reason_core(trim(text)), language) if language == "en"
                      else without_fillers_ru(trim(text))) for label, text in parts]
        # Two whole statements read better than three cut short: drop the weaker action first.
        if len(done) < 2 or full_length(parts) <= MAX_SUMMARY_CHARS:
            break
        done = done[:-1]
    return compose(with_room_filled(call, parts, done, quoted, labels, language, told))


def done_text(call: CallText, chronological: list[Sentence], quoted: set[int], told) -> str:
    """The "Done" statements in call order, each with the words it needs from before it (the
    one-word action, the sum paid, the reference, the thing "it" names)."""
    return " ".join(trim(with_lead_in(s, call, summary_joins.with_sum(s, call, quoted, summary_joins.with_reference(
        s, call, quoted, summary_joins.with_antecedent(s, call, quoted, told))))) for s in chronological)


def informative(text: str) -> bool:
    """A statement worth room that is left over: a few words, no value dictated for a check ("N F 2739
    and the 9th of March 1974."), and no sympathy, pleasantry or hedge ("Takes two minutes.",
    "Could be a while.")."""
    core = trim(text)
    return (len(core.split()) >= MIN_CORE_WORDS and not _DICTATED.search(core) and not summary_cues.is_sympathy(core)
            and not summary_cues.is_courtesy(core) and not summary_cues.is_hedge(core) and not summary_cues.is_request(core))


def is_statement(text: str) -> bool:
    """A statement that can hold a fact of the call: no request, sympathy, pleasantry or hedge
    ("Продиктуете номер.", "Понимаю вас.", "Всего доброго.")."""
    core = trim(text)
    return (not summary_cues.is_request(core) and not summary_cues.is_sympathy(core)
            and not summary_cues.is_courtesy(core) and not summary_cues.is_hedge(core))


_WORD = re.compile(r"[^\W\d_]{4,}|\d+")  # words that carry meaning, and figures
STEM_CHARS = 5
MIN_REPEATED_WORDS = 2  # one shared word ("The parts 32 on top" after "The parts arrive Wednesday") is no repeat


def _stems(text: str) -> set[str]:
    return {w[:STEM_CHARS].casefold() for w in _WORD.findall(text)}


def repeats(text: str, said: list[str]) -> bool:
    """A statement whose every word is already in what the summary quotes ("Пункт закрыт по техническим
    причинам." after "Временно закрыт по техническим причинам.", the agent echoing the caller): it adds nothing."""
    stems = _stems(text)
    before = set().union(*(_stems(t) for t in said)) if said else set()
    return len(stems) >= MIN_REPEATED_WORDS and stems <= before


def with_room_filled(call: CallText, parts, done, quoted, labels, language, told):
    """`parts` with the next agent statements by rank added to "Done" while they fit whole in the
    field: a summary shorter than the CRM field leaves out what the agent also did or found."""
    agent = [s for s in summary_joins.mend(call, call.of_role("agent"))
             if call.turns and s.turn.index != call.turns[0].index]
    total = len(call.sentences)
    ranked = _candidates(call, agent, DONE, exclude=quoted,
                         bonus=lambda s: summary_cues.done_bonus(s.position, total, trim(s.text)))
    done, quoted = list(done), set(quoted)
    for score, extra in ranked:
        if len(done) >= MAX_FILLED_DONE or score < FILL_MARGIN:
            break
        if (not informative(extra.text) or any(trim(extra.text) in text for _, text in parts)
                or repeats(extra.text, [text for _, text in parts])):
            continue  # a remark, or already said (a purpose's news, a joined sentence)
        trial = sorted(done + [extra], key=lambda s: s.position)
        text = done_text(call, trial, quoted | {extra.position}, told)
        filled = [(label, text if label == labels[1] else t) for label, t in parts]
        if labels[1] not in dict(parts):
            filled = [parts[0], (labels[1], text), *parts[1:]] if parts and parts[0][0] == labels[0] else [(labels[1], text), *parts]
        if full_length(filled) <= MAX_SUMMARY_CHARS:
            done, parts = trial, filled
            quoted.add(extra.position)
    return parts
