"""Reproach found by sentence structure (Russian), the counterpart of reproach.py: the agent puts
the fault on the caller, lectures them, waves them off or scolds by a question that wants no
answer. Rules per wording («надо было раньше думать») did not carry to calls written by someone
else; the grammar does. natasha's morphology and dependency parse (the models redaction ships,
agents/redact/russian.py, on the same word embedding) give mood, person, tense and who governs whom:

- a past duty with the caller as its bearer: «вы должны были», «надо было вам», «вам следовало»,
  «не надо было тянуть» (what should not have been done), «надо было ..., когда вы ...»; not the
  agent's own duty («я должна уточнить», «нам надо было»), not what should have reached the caller
  («вы должны были получить СМС»), not a present instruction («вам нужно подписать»);
- an imperative that sends the caller off or tells them off: a negated imperative aimed at the
  agent («не звоните сюда больше», «не торопите меня»), one about the caller's conduct next time
  («в следующий раз смотрите»), and an imperfective «watch what you do» («смотрите, что
  подписываете»); never with «пожалуйста»;
- a question that scolds rather than asks: «вы что, не видели?», «разве вы не читали?», «а вы как
  думали?», «ну а что вы хотите» (an expectation asked back, with nothing asked for);
- the caller as one of everybody: «это все знают», «половина клиентов потом удивляются»;
- insistence by «же/ведь» on what the caller knew, saw, signed or agreed («вы же понимаете, что ...»);
- the caller's own act guessed as the cause: «скорее всего, вы ... не закрываете», «видимо, вы
  неправильно ввели»;
- (session 18) the matter pushed off the agent: a first person asking back what it can do with no one
  to do it for («а я что тут сделаю», not «что я могу для вас сделать»), the negation on the doer
  with no «а X» naming who does («цены не я назначаю»); the agent's limits insisted on by же/ж («мы ж
  не угадываем»); the fault named as the caller's, even beside an «извините» («это уже ваша
  ответственность»); the caller («это вы сами отмечали») or callers in general («покупатели сами
  роняют») as the ones who did it themselves; a habit lectured after a retort «ну» or with
  «же/вообще»: a present «надо» with no one named over an imperfective infinitive («ну так чек надо
  сразу проверять»), never waiting («ну, тут надо ждать»).

- (session 20) the caller talked down to: addressed as «девушка», «женщина», «мужчина» set off by
  a comma in a retort («Девушка, ну это же элементарно»; with «пожалуйста» it asks), or told they
  are a grown-up («вы же взрослый человек»); impatience at repeating oneself: the agent's
  explaining or repeating said to have happened already, an N-th time or «русским языком» («я вам
  уже третий раз объясняю»; «как я уже говорила» refers back and does not count); an ultimatum
  question ending «или нет?» put to the caller («вам надо или нет?»); the caller's loss made
  light of («да это копейки», «всего-то сто рублей»), not when the agent acts on it in the same
  sentence («это мелочь, но я её верну»).

A condition («если вы не получили») and a softened sentence (an apology, «к сожалению», «понимаю»,
«пожалуйста») are no reproach. Only the agent's sentences are parsed, once each, in one batch per
call (reproaches); the results are memoised by text by the caller (semantic.reproach_evidence).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# The caller: second person (plural is the polite singular).
SECOND = frozenset({"вы", "ты"})
SECOND_OBLIQUE = frozenset({"вам", "тебе", "вас", "тебя"})
# The agent or the company: a negated imperative aimed at them sends the caller off.
AGENT_SIDE = frozenset({"меня", "мне", "нас", "нам", "сюда"})
FIRST = frozenset({"я", "мы", "мне", "нам", "меня", "нас"})
# Predicates of duty and advice; in the past they hold a missed duty against its bearer.
DUTY = frozenset({"надо", "нужно", "необходимо", "должен", "должна", "должны", "должно", "следовало",
                  "стоило", "полагалось", "нельзя"})
# What happens to a person rather than what they do: «вы должны были получить СМС» is the
# company's failure, not the caller's.
HAPPENED_TO = frozenset({"получить", "получать", "быть", "стать", "услышать", "дождаться", "прийти",
                         "приходить", "оказаться", "попасть"})
# Verbs of expectation asked back at the caller: «а вы как думали?», «ну а что вы хотели».
EXPECT = frozenset({"думать", "хотеть", "ожидать", "рассчитывать", "надеяться"})
# What everybody is said to know, manage or do wrong, and the caller's plight made common.
OF_EVERYBODY = frozenset({"знать", "понимать", "говорить", "сказать", "справляться", "справиться", "читать",
                          "думать", "успевать", "успеть", "разбираться", "разобраться"})
# Everybody, not many: «многие путают» or «так многие делают» makes the caller one of many and
# reassures; «это все знают», «все как-то справляются» leave the caller the only one who fails.
EVERYBODY = frozenset({"все", "каждый", "никто", "любой"})
# What the caller knew, saw, signed or agreed: insisted on with «же/ведь».
KNOWING = frozenset({"знать", "понимать", "видеть", "читать", "прочитать", "подписывать", "подписать",
                     "соглашаться", "согласиться", "помнить", "слышать", "знакомиться", "ознакомиться"})
# The caller's own act guessed as the cause («скорее всего, вы не закрываете»).
GUESS = re.compile(r"\b(скорее всего|наверное|наверно|видимо|наверняка|небось|похоже|очевидно|явно|"
                   r"по всей видимости)\b", re.IGNORECASE)
WRONGLY = re.compile(r"\b(не|неправильно|неверно|не так|не туда|не то)\b", re.IGNORECASE)
PRAISE = re.compile(r"\b(правильно|верно|молодец|умница|хорошо|отлично|удобно|спасибо)\b", re.IGNORECASE)
NEXT_TIME = re.compile(r"\b(в следующий раз|впредь|на будущее|в другой раз)\b", re.IGNORECASE)
CONDITION = frozenset({"если", "когда", "раз", "коли", "ежели", "пока"})
SOFTENER = re.compile(r"\b(извин\w*|прости\w*|сожалени\w*|пожалуйста|понимаю|понимаем|сочувству\w*|"
                      r"не волнуйтесь|не переживайте|не беспокойтесь|к счастью)\b", re.IGNORECASE)
# A cheap screen: a sentence without any of these has none of the structures above.
SCREEN = re.compile(r"\b(девушка|женщина|мужчина|гражданин|гражданка|бабушка|дедушка|мамочка|мамаша|папаша|милочка|"
                    r"голубушка|дорогуша|копе\w+|мелоч\w+|ерунд\w|"
                    r"пустяк\w*|всего-то|подумаешь|вы|ты|вам|вас|тебе|ваш\w*|тво[йяи]|надо|нужно|должн\w*|следовало|стоило|полагалось|не|"
                    r"все|каждый|никто|любой|же|ж|ведь|разве|сами|сам|сама|я|мы|я-то|мы-то|"
                    r"неужели|[а-яё]+(йте|ите|ьте))\b", re.IGNORECASE)


@dataclass
class Word:
    i: int
    text: str
    lower: str
    pos: str
    feats: dict
    head: int  # index of the head in the sentence, -1 for the root
    rel: str
    lemma: str = ""


@lru_cache(maxsize=1)
def models() -> dict[str, Any]:
    """natasha's segmenter and morphology (shared with redaction) plus its morphological tagger
    and syntax parser on the same word embedding, loaded once."""
    from natasha import NewsMorphTagger, NewsSyntaxParser

    from agents.redact.russian import natasha_models
    shared = natasha_models()
    embedding = shared["embedding"]
    return {"segmenter": shared["segmenter"], "vocab": shared["morph"],
            "tagger": NewsMorphTagger(embedding), "parser": NewsSyntaxParser(embedding)}


def parse(texts: Sequence[str]) -> list[list[list[Word]]]:
    """Each text as its sentences of Words, parsed in one batch."""
    m = models()
    sentences: list[list[str]] = []
    owner: list[int] = []
    for n, text in enumerate(texts):
        for sent in m["segmenter"].sentenize(text):
            words = [t.text for t in m["segmenter"].tokenize(sent.text)]
            if words:
                sentences.append(words)
                owner.append(n)
    tagged = list(m["tagger"].map(sentences)) if sentences else []
    parsed = list(m["parser"].map(sentences)) if sentences else []
    out: list[list[list[Word]]] = [[] for _ in texts]
    for n, morph, syntax in zip(owner, tagged, parsed):
        ids = {t.id: k for k, t in enumerate(syntax.tokens)}
        words = [Word(k, mt.text, mt.text.lower(), mt.pos,
                      dict(mt.feats or {}), ids.get(st.head_id, -1), st.rel)
                 for k, (mt, st) in enumerate(zip(morph.tokens, syntax.tokens))]
        for w in words:
            w.lemma = lemma_of(w.lower, w.pos)
        out[n].append(words)
    return out


@lru_cache(maxsize=50_000)
def _lemma(word: str, pos: str) -> str:
    vocab = models()["vocab"]
    try:
        return vocab.lemmatize(word, pos, {})
    except Exception:  # noqa: BLE001 - an unknown form keeps its own spelling
        return word


def lemma_of(word: str, pos: str) -> str:
    if pos not in ("VERB", "AUX", "ADJ", "NOUN", "PRON", "ADV"):
        return word
    return _lemma(word, pos)


@lru_cache(maxsize=50_000)
def _tags(word: str) -> tuple[str, ...]:
    return tuple(str(p.tag) for p in models()["vocab"].parse(word))


def second_person_verb(word: str) -> bool:
    """Whether the word can be what the caller does or did («оставляете», «набрали»): a
    second-person present or a plural past. The dictionary knows the form even where the tagger,
    trained on news, misses it (it reads «закрываете» as an adjective)."""
    return any("VERB" in t and (("2per" in t and "pres" in t) or ("past" in t and "plur" in t)) for t in _tags(word))


def imperative_forms(word: str) -> set[str]:
    """The aspects ("impf", "perf") in which the word can be an imperative."""
    return {a for t in _tags(word) if "impr" in t and "excl" in t for a in ("impf", "perf") if a in t}


def children(words: list[Word], w: Word) -> list[Word]:
    return [c for c in words if c.head == w.i]


def ancestors(words: list[Word], w: Word) -> Iterable[Word]:
    seen = set()
    while 0 <= w.head < len(words) and w.head not in seen:
        seen.add(w.head)
        w = words[w.head]
        yield w


def in_condition(words: list[Word], w: Word) -> bool:
    """Whether the word sits in an «если»-clause (or under one): a condition blames no one."""
    for t in (w, *ancestors(words, w)):
        if any(c.lower in CONDITION and c.rel in ("mark", "advmod") for c in children(words, t)):
            return True
    return False


def negated(words: list[Word], w: Word) -> bool:
    return any(c.lower == "не" for c in children(words, w)) or (w.i > 0 and words[w.i - 1].lower == "не")


def past_copula(words: list[Word], w: Word) -> bool:
    return any(c.lemma == "быть" and c.feats.get("Tense") == "Past" and c.rel in ("cop", "aux")
               for c in children(words, w)) or (w.i + 1 < len(words) and words[w.i + 1].lower in ("было", "были", "был", "была"))


def conditional(words: list[Word], w: Word) -> bool:
    return any(c.lower in ("бы", "б") for c in children(words, w))


def is_imperative(words: list[Word], w: Word) -> bool:
    """An imperative to the caller: the tagger says so, or the dictionary does and no «вы» is its
    subject («переводите» is both)."""
    if w.pos not in ("VERB", "AUX"):
        return False
    if w.feats.get("Mood") == "Imp":
        return True
    return bool(imperative_forms(w.lower)) and not any(
        c.lower in SECOND and c.rel == "nsubj" for c in children(words, w))


def imperfective(w: Word) -> bool:
    forms = imperative_forms(w.lower)
    return "impf" in forms if forms else w.feats.get("Aspect") == "Imp"


def past_duty(words: list[Word]) -> str | None:
    """The caller as the bearer of a duty they missed."""
    for w in words:
        if w.lower not in DUTY or in_condition(words, w):
            continue
        kids = children(words, w)
        bearers = {c.lower for c in kids if c.rel in ("nsubj", "iobj", "obl", "obj")} | {
            words[w.i - 1].lower if w.i else ""} | {words[w.i + 1].lower if w.i + 1 < len(words) else ""}
        if bearers & FIRST and not bearers & (SECOND | SECOND_OBLIQUE):
            continue  # the agent's own duty («мне надо было», «я должна уточнить»)
        if any(c.lower not in SECOND | SECOND_OBLIQUE and c.rel in ("nsubj", "iobj") and c.pos in ("NOUN", "PROPN")
               for c in kids):
            continue  # a third party's duty («мастер должен был прийти»)
        act = next((c for c in kids if c.feats.get("VerbForm") == "Inf"), None)
        if act is None:
            act = next((t for t in words[w.i + 1:w.i + 5] if t.feats.get("VerbForm") == "Inf"), None)
        if act is None or act.lemma in HAPPENED_TO:
            continue
        past = w.feats.get("Tense") == "Past" or past_copula(words, w)
        if not past or (conditional(words, w) and not past_copula(words, w)):
            continue  # a present duty is an instruction; «вам стоило бы» is advice
        caller = bool(bearers & (SECOND | SECOND_OBLIQUE))
        # impersonal «надо было ...»: the caller's when it is negated (what should not have been done)
        # or a clause of the sentence has the caller act («..., когда вы подписывали»)
        if caller or negated(words, w) or negated(words, act) or any(
                t.lower in SECOND and t.rel == "nsubj" for t in words):
            return "the caller's missed duty"
    return None


def habit_lecture(words: list[Word]) -> str | None:
    """A rule of conduct put to the caller: an imperfective infinitive fronted before a present
    «надо/нужно» with no one named to do it («конфорки чистить надо», «читать нужно, что
    подписываете»). An instruction names its step in the perfective after it («нужно оплатить»,
    «оплатить нужно вам до пятницы»)."""
    for w in words:
        if w.lower not in ("надо", "нужно") or past_copula(words, w) or conditional(words, w) \
                or in_condition(words, w):
            continue
        around = {t.lower for t in words[max(0, w.i - 3):w.i + 3]}
        if around & (FIRST | SECOND_OBLIQUE) or negated(words, w):
            continue
        before = [t for t in words[max(0, w.i - 3):w.i] if t.feats.get("VerbForm") == "Inf"]
        # «это в фонде смотреть надо», «это по пробкам смотреть надо»: where the matter is looked up
        if before and any(t.lower == "это" for t in words[max(0, before[-1].i - 4):before[-1].i]):
            continue
        if before and any("impf" in t and "INFN" in t for t in _tags(before[-1].lower)) \
                and not any(t.feats.get("VerbForm") == "Inf" for t in words[w.i + 1:w.i + 3]):
            return "a rule of conduct put to the caller"
    return None


def dismissive_imperative(words: list[Word]) -> str | None:
    """An imperative that sends the caller off or lectures them on their conduct."""
    text = " ".join(w.lower for w in words)
    for w in words:
        if not is_imperative(words, w) or in_condition(words, w):
            continue
        kids = children(words, w)
        if negated(words, w) and any(c.lower in AGENT_SIDE for c in kids):
            return "sending the caller off"
        # the caller's conduct next time, unless it is an invitation to come back to us («в следующий
        # раз звоните сразу нам»)
        if NEXT_TIME.search(text) and not any(c.lower in AGENT_SIDE | {"к"} for c in kids):
            return "lecturing the caller on next time"
        if imperfective(w) and not negated(words, w):
            for c in kids:
                if c.rel in ("ccomp", "advcl", "obj", "xcomp") and c.i > w.i and any(
                        m.lower in ("что", "куда", "как", "когда", "где") for m in words[w.i + 1:c.i]) \
                        and second_person_verb(c.lower) and c.lemma not in ("мочь", "хотеть"):
                    return "watch what you do"
    return None


def scolding_question(words: list[Word]) -> str | None:
    """A question that scolds rather than asks."""
    low = [w.lower for w in words]
    for k, w in enumerate(words):
        # «вы что, не видели?»: «что» after the caller, then a comma
        if w.lower in SECOND and k + 2 < len(words) and low[k + 1] in ("что", "чего") and low[k + 2] == ",":
            return "a scolding question"
    if ("разве" in low or "неужели" in low) and any(t in SECOND for t in low) and "не" in low:
        return "a scolding question"
    if "хоть" in low and "раз" in low and any(t in SECOND for t in low):
        return "a scolding question"
    # «а вы как думали?», «ну а что вы хотите»: an expectation asked back, with nothing asked for
    if low and low[0] in ("а", "ну", "так"):
        for w in words:
            if w.lemma in EXPECT and w.feats.get("Person", "2") == "2" and any(
                    t in SECOND for t in low[:w.i + 1]) and any(t in ("что", "как", "чего") for t in low[:w.i]) \
                    and not any(t.feats.get("VerbForm") == "Inf" for t in words[w.i + 1:w.i + 4]) \
                    and not any(c.rel in ("obj", "xcomp") and c.i > w.i for c in children(words, w)):
                return "an expectation asked back"
    return None


def one_of_everybody(words: list[Word]) -> str | None:
    for w in words:
        if w.lemma not in OF_EVERYBODY or w.feats.get("Person") == "1" or in_condition(words, w):
            continue
        subj = [c for c in children(words, w) if c.rel == "nsubj"]
        if not subj:  # «Все как-то справляются»: the tagger may hang «все» on an adverb
            subj = [t for t in words[max(0, w.i - 3):w.i] if t.lower == "все"]
        if any(c.lower in EVERYBODY for c in subj) and not any(
                c.lower in FIRST for c in children(words, w)):
            return "the caller as one of everybody"
    return None


def insistence(words: list[Word]) -> str | None:
    """«вы же понимаете», «вы ведь знали»: what the caller knew, insisted on."""
    for k, w in enumerate(words):
        if w.lower not in SECOND or k + 1 >= len(words) or words[k + 1].lower not in ("же", "ведь"):
            continue
        for t in words[k + 2:k + 5]:
            if t.lemma in KNOWING and t.pos in ("VERB", "AUX") and not in_condition(words, t):
                return "insisting (же)"
    return None


def guessed_fault(words: list[Word], text: str) -> str | None:
    """The caller's own act guessed as the cause: «видимо, вы неправильно ввели», «небось не
    отмыли» (Russian drops the «вы»: a second-person or plural past verb with no other subject)."""
    if not GUESS.search(text):
        return None
    for w in words:
        # (any tag: the news tagger reads «закрываете» as an adjective; the dictionary decides)
        if w.pos == "PUNCT" or not second_person_verb(w.lower) or w.lemma in HAPPENED_TO \
                or w.lemma in ("мочь", "хотеть", "знать") or in_condition(words, w):
            continue
        subjects = [c for c in children(words, w) if c.rel == "nsubj"]
        if subjects and not any(c.lower in SECOND for c in subjects):
            continue  # someone else did it («видимо, мастер не закрепил»)
        # a plural past with no subject may be anyone («видимо, не отправили»): the caller's only when
        # the sentence speaks to them
        if not subjects and not any("2per" in t for t in _tags(w.lower)) and not any(t.lower in SECOND for t in words):
            continue
        near = " ".join(t.lower for t in words[max(0, w.i - 4):w.i + 1])
        # «вы ничего не сделали неправильно» clears the caller
        if WRONGLY.search(near) and not re.search(r"\bни(чего|как|где|куда|когда)\b|\bни в ч", near):
            return "the caller's fault guessed"
    return None


def own_doing(words: list[Word]) -> str | None:
    """«вы сами отказались»: the caller's own past act held against them (a statement)."""
    for k, w in enumerate(words[:-1]):
        if w.lower not in SECOND or words[k + 1].lower not in ("сами", "сам", "сама"):
            continue
        for t in words[k + 2:k + 5]:
            if t.pos in ("VERB", "AUX") and any("past" in tag for tag in _tags(t.lower)) \
                    and not in_condition(words, t) and not PRAISE.search(text_of(words)):
                return "the caller's own doing"
    return None


# Verbs of the agent's power to act: «что я сделаю?», «а что мы можем поделать».
DOING = frozenset({"сделать", "поделать", "изменить", "мочь"})
# Someone the agent acts for: «что я могу для вас сделать?» offers help.
FOR_SOMEONE = frozenset({"для", "вам", "тебе", "ещё", "еще", "чем"})
# The fault owned by the caller: «это ваша ответственность», «ваша вина».
FAULT = frozenset({"ответственность", "вина", "проблема", "забота", "ошибка", "недосмотр"})
# Callers in general, as one of whom the caller is cast: «клиенты сами ...», «пользователи сами ...».
CALLERS = frozenset({"клиент", "пользователь", "покупатель", "люди", "человек", "заказчик", "абонент"})
# Waiting is no conduct to lecture on: «ну, тут надо ждать ответа» is news.
WAITING = frozenset({"ждать", "ожидать", "подождать", "дождаться", "надеяться", "звонить", "позвонить"})


def is_first_person(w: Word) -> bool:
    """«я», «мы» and their emphatic «я-то», «мы-то» (one token in natasha)."""
    return w.lower.split("-")[0] in ("я", "мы")


def blame_shift(words: list[Word]) -> str | None:
    """The matter pushed off the agent: «я-то что сделаю», «а что я тут могу» (a first person who
    can do nothing, asked back with no one to do it for), «расписание не я составляю» (the agent
    denied as the doer)."""
    low = [w.lower for w in words]
    for k, w in enumerate(words):
        if not is_first_person(w):
            continue
        # «не я составляю»: the negation on the doer, not on the deed, with no «а X» to name who does
        if k > 0 and low[k - 1] == "не" and (k < 2 or low[k - 2] not in ("ли", "или")) \
                and any(t.pos in ("VERB", "AUX") and not t.feats.get("VerbForm") in ("Inf", "Part", "Conv")
                        for t in words[k + 1:k + 3]) and "а" not in low[k + 1:] \
                and not in_condition(words, w):
            return "the matter pushed off the agent"
        # «что я (тут) сделаю», «я-то что сделаю»: what the agent can do, asked back
        span = words[max(0, k - 2):k + 4]
        if any(t.lower in ("что", "чего") for t in span) and not any(t.lower in FOR_SOMEONE for t in words) \
                and any(t.lemma in DOING and t.feats.get("Person") == "1" and t.i > 0 for t in span) \
                and (w.lower.endswith("-то") or low[0] in ("а", "ну", "так", "и") or "тут" in low or "здесь" in low):
            return "the matter pushed off the agent"
    return None


def own_limits(words: list[Word]) -> str | None:
    """«мы ж не угадываем», «я же не обязана»: the agent's own limits insisted on by же/ж."""
    for k, w in enumerate(words[:-2]):
        if not is_first_person(w) or words[k + 1].lower not in ("же", "ж", "ведь"):
            continue
        for t in words[k + 2:k + 5]:
            # («я же не могу вас оставить без связи» promises; what the agent cannot do is no jibe)
            if t.pos in ("VERB", "AUX", "ADJ") and negated(words, t) and not in_condition(words, t) \
                    and t.lemma not in ("мочь", "хотеть", "допустить", "бросить", "оставить"):
                return "the agent's limits insisted on"
    return None


def fault_owned(words: list[Word]) -> str | None:
    """«это ваша ответственность»: the caller named as the owner of the fault (the sentence's
    predicate; «решим вашу проблему» acts on it)."""
    for w in words:
        if w.lemma in FAULT and w.rel == "root" and any(
                c.lower in ("ваша", "ваши", "твоя", "твои") for c in children(words, w)):
            return "the fault put on the caller"
    return None


def callers_own_doing(words: list[Word]) -> str | None:
    """«это вы ... сами отмечали», «это пользователи сами барабан трогают»: the caller, or callers
    in general, as the ones who did it themselves (a few words may sit between)."""
    for k, w in enumerate(words):
        if w.lemma != "сам" or w.lower not in ("сами", "сам", "сама"):
            continue
        before = words[max(0, k - 5):k]
        caller = any(t.lower in SECOND for t in before)
        callers = any(t.lemma in CALLERS and t.feats.get("Number") == "Plur" for t in before)
        if not (caller or callers) or any(t.lower in FIRST for t in before):
            continue
        # the caller's past act («вы сами отмечали»), or what callers in general keep doing; never
        # what the caller may do («вы сами можете выбрать»)
        tense = ("past", "pres") if callers else ("past",)
        for t in words[k + 1:k + 5]:
            forms = _tags(t.lower)
            if t.lemma in ("мочь", "хотеть") or any(f.startswith("INFN") for f in forms):
                break
            if any("VERB" in f and any(x in f for x in tense) for f in forms) and not in_condition(words, t) \
                    and not PRAISE.search(text_of(words)):
                return "the caller's own doing"
    return None


def conduct_lecture(words: list[Word]) -> str | None:
    """«ну так надо в той обуви приходить», «ну вообще, сроки надо сразу смотреть»: a present
    «надо/нужно» with no one named, over an imperfective infinitive (a habit, not a step), opened by
    a retort «ну» or insisted on by «же/вообще». An instruction names a step in the perfective
    («нужно подписать») or whom it is for («вам нужно приходить к девяти»)."""
    low = [w.lower for w in words]
    if not low or not (low[0] == "ну" or {"же", "ж", "вообще"} & set(low)):
        return None
    for w in words:
        if w.lower not in ("надо", "нужно") or past_copula(words, w) or conditional(words, w) \
                or in_condition(words, w) or negated(words, w):
            continue
        if any(t.lower in FIRST | SECOND_OBLIQUE | {"будет"} for t in words):
            continue
        act = next((t for t in words[w.i + 1:w.i + 6] if t.feats.get("VerbForm") == "Inf"
                    or any("INFN" in f for f in _tags(t.lower))), None)
        if act is None or act.lemma in WAITING or act.lemma in ("быть", "стать", "получить", "получать", "оказаться"):
            continue
        if any("impf" in f and "INFN" in f for f in _tags(act.lower)):
            return "a rule of conduct put to the caller"
    return None


# (session 20) The caller addressed by sex or age, set off by a comma: in a service call a retort.
ADDRESSED_AS = frozenset({"девушка", "женщина", "мужчина", "гражданин", "гражданка", "бабушка", "дедушка",
                          # and the familiar ones: «мамочка», «милочка», «голубушка», «дорогуша»
                          "мамочка", "мамаша", "папаша", "милочка", "голубушка", "дорогуша"})
RETORT = frozenset({"ну", "же", "ж", "вообще", "опять", "сколько", "элементарно", "слушайте", "внимательно"})
# What the caller is told they are, after «вы же»: a grown-up, no child, literate.
GROWN_UP = frozenset({"взрослый", "взрослая", "взрослые", "человек", "люди", "ребёнок", "ребенок", "маленький",
                      "маленькая", "грамотный", "грамотная", "умный", "умная"})
# Explaining and repeating: what the agent says they have done over and over.
EXPLAINING = frozenset({"объяснять", "объяснить", "повторять", "повторить", "говорить", "сказать", "твердить"})
ORDINAL_TIME = re.compile(r"\b(второй|третий|четвёртый|четвертый|пятый|десятый|сотый|который|энный|n-й|\d+-й) раз\b|"
                          r"\bне (первый|один) раз\b|\bрусским языком\b|\bсколько (можно|раз)\b", re.IGNORECASE)
REFERS_BACK = re.compile(r"\bкак (я|мы) (вам )?(уже )?(говорил|сказал|объяснял|упоминал)", re.IGNORECASE)
# The caller's loss as a trifle: «это копейки», «да это мелочь», «всего-то сто рублей».
TRIFLE = re.compile(r"\b(копейки|копеечн\w+|мелочь|мелочи|ерунда|ерунды|пустяк\w*|всего-то|подумаешь)\b",
                    re.IGNORECASE)


def talked_down(words: list[Word]) -> str | None:
    """«Девушка, ну вы же понимаете», «вы же взрослый человек»: the caller talked down to."""
    low = [w.lower for w in words]
    for k, w in enumerate(low):
        if w not in ADDRESSED_AS:
            continue
        # set off by a comma: first before one, or last after one («..., женщина.»)
        vocative = (k + 1 < len(low) and low[k + 1] == ",") or (k > 0 and low[k - 1] == ",")
        # a retort particle, or an imperative told off with «не» («Мужчина, не кричите»)
        if vocative and (set(low) & RETORT or any(is_imperative(words, t) and negated(words, t) for t in words)):
            return "the caller talked down to"
    for k, w in enumerate(low[:-2]):
        if w in SECOND and low[k + 1] in ("же", "ведь", "ж") and set(low[k + 2:k + 5]) & GROWN_UP:
            return "the caller talked down to"
    return None


def impatience(words: list[Word]) -> str | None:
    """«я вам уже третий раз объясняю», «я же вам русским языком сказала»: the agent's explaining
    held up as done over and over."""
    text = text_of(words)
    if not words or REFERS_BACK.search(text):
        return None
    first = any(t.lower in ("я", "мы") for t in words)
    for w in words:
        if w.lemma not in EXPLAINING or w.feats.get("Person") not in ("1", None) or not first \
                or in_condition(words, w):
            continue
        if ORDINAL_TIME.search(text) or ("уже" in text.split() and w.lemma in ("объяснять", "повторять")):
            return "impatience at repeating"
    return None


def ultimatum(words: list[Word]) -> str | None:
    """«вам надо или нет?», «вы будете оформлять или нет?»: a yes-or-no choice put to the caller as
    an ultimatum; «ли ... или нет» asks whether."""
    low = [w.lower for w in words]
    if len(low) < 4 or low[-1] != "?" or low[-3:-1] != ["или", "нет"] or "ли" in low:
        return None
    if any(t in SECOND | SECOND_OBLIQUE for t in low) or any(second_person_verb(t) for t in low[:-3]):
        return "an ultimatum question"
    return None


def trifle(words: list[Word]) -> str | None:
    """«да это копейки»: the caller's loss made light of, unless the agent acts on it in the sentence."""
    if not TRIFLE.search(text_of(words)):
        return None
    if any(t.lower in FIRST and t.rel == "nsubj" for t in words) or any(
            t.feats.get("Person") == "1" and t.pos in ("VERB", "AUX") for t in words):
        return None
    return "the loss made light of"


def text_of(words: list[Word]) -> str:
    return " ".join(w.lower for w in words)


def reproach_in(words: list[Word]) -> str | None:
    text = " ".join(w.text for w in words)
    found = fault_owned(words)  # «это ваша ответственность, извините» is no apology
    if found:
        return found
    if SOFTENER.search(text):
        return None
    question = bool(words) and words[-1].text.endswith("?")
    found = scolding_question(words) or blame_shift(words) or talked_down(words) or ultimatum(words) \
        or impatience(words) or trifle(words)
    if found:
        return found
    if question:
        return None
    return (past_duty(words) or habit_lecture(words) or dismissive_imperative(words) or one_of_everybody(words)
            or insistence(words) or own_doing(words) or guessed_fault(words, text) or own_limits(words)
            or callers_own_doing(words) or conduct_lecture(words))


def reproaches(texts: Sequence[str]) -> list[str | None]:
    """Why each agent sentence reproaches the caller (see the module's doc), or None; the texts
    that pass the screen are parsed in one batch."""
    results: list[str | None] = [None] * len(texts)
    todo = [n for n, t in enumerate(texts) if SCREEN.search(t)]
    for n, sentences in zip(todo, parse([texts[n] for n in todo])):
        for words in sentences:
            found = reproach_in(words)
            if found:
                results[n] = found
                break
    return results


def reproach(text: str) -> str | None:
    """One sentence (or turn) at a time: reproaches([text])."""
    return reproaches([text])[0]
