"""Reproach found by sentence structure (English), whatever its words: the agent puts the fault
on the caller, defends the company by insisting the caller was told, or waves the caller off as
one of many. Rules per wording ("you should have read", "not on us") did not carry to calls
written by someone else; the grammar of a reproach does:

- fault: the caller (or callers in general) as the subject of a missed obligation or a past they
  got wrong: a modal perfect ("you should've rung", "you ought to have", "you must have typed"),
  or a past or expected duty ("what you needed to do was", "you were supposed to", "people are
  meant to"); not when it happened *to* the caller ("you should have received", "been told");
- insistence: emphatic do-support in a statement, with the caller or callers in general as subject
  ("you did agree", "people do forget") or a verb of telling ("it does say on the form", "I did send it") or duty ("they do have to");
- the caller as one of everybody: "everyone says", "everybody knows", "everybody else manages";
- a minimiser ("it's not that complicated", "hardly") and a retort tag ("..., you know.");
- the fault put on a third party and denied as the company's ("that's the courier's problem, not ours");
- (session 19) the matter put *on* the caller ("that's kind of on you") or denied as on the company
  ("that's not really on us"); a past the caller (or callers in general) got wrong spelt out as the
  condition of a better outcome ("if you'd kept the box, we could have swapped it", "if folk booked
  ahead we wouldn't be so busy"); the way things plainly are said with a hedge ("that's sort of how
  boilers work", "that's kind of the whole point of a deposit").

- (session 20) a retort opened by "well" and closed by a question tag ("Well, it's winter, isn't
  it.", "well, you'd know, wouldn't you?"): the tag asks nothing; a consoling "well, that's the main
  thing, isn't it?" does not count; an ultimatum that puts a yes-or-no choice on the caller ("do you
  want it or not?"); the agent asking back what the caller expects of them ("I don't know what
  you're expecting me to do"); "it's not like we cancelled Christmas" (a loss measured against a
  worse one); the caller's loss belittled in a short "it's only ..." with an amount ("it's only a
  few quid"; "it's only a small fee, and I've waived it" is the agent's own act).

A statement with a negative question tag ("you did read the email, didn't you?") is judged as the
statement. Other questions, conditions ("if you didn't get it") and sentences with a softener (an apology, "I'm
afraid", "I understand") are no reproach. The dependency parse is spaCy's small English model,
the one redaction ships, loaded once and shared with it (agents/redact/engine.py english_pipeline),
run here without its NER.
"""
from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

# The caller, and callers in general, as the one at fault.
CALLER = frozenset({"you"})
CALLERS_IN_GENERAL = frozenset({"people", "customers", "callers", "folk", "folks", "everyone", "everybody"})
# What happens to a person rather than what they do: "you should have received a letter" is the
# company's failure; "you must have been worried" is sympathy.
HAPPENED_TO = frozenset({"be", "receive", "get", "hear", "have", "see", "feel", "go", "know"})
MODALS_OF_FAULT = frozenset({"should", "ought", "must", "could"})
PERFECT = frozenset({"have", "'ve", "’ve", "of"})  # ASR writes "should've" as "should of" too
DUTY = frozenset({"need", "suppose", "mean"})  # "you needed to", "you were supposed / meant to"
# Verbs of telling, agreeing and sending: what an agent insists the caller was given.
# Not "ask" or "put": "I did ask them to ring you", "I did put a note on" report the agent's own work.
TELLING = frozenset({"say", "tell", "warn", "explain", "mention", "send", "remind", "state", "write",
                     "sign", "agree", "show", "post", "email", "text"})
# The agent reading their own record ("it does say here", "on my screen") reports, not insists.
AGENTS_RECORD = re.compile(r"\b(say|says|said|show|shows|showed|state|states)\s+here\b|\b(on|in) (my|the|our) "
                           r"(screen|system|notes|records?|computer|account notes)\b", re.IGNORECASE)
EVERYBODY = frozenset({"everyone", "everybody", "nobody", "people"})
# What everybody is said to know, say or manage: the caller's claim or plight made common.
OF_EVERYBODY = frozenset({"say", "know", "manage", "claim", "think", "keep", "seem", "expect"})
CONDITION_MARKERS = frozenset({"if", "when", "unless", "whether"})
SOFTENER = re.compile(r"\b(sorry|apologi[sz]e\w*|afraid|unfortunately|I understand|appreciate|"
                      r"no worries|don[’']?t worry)\b", re.IGNORECASE)
MINIMISER = re.compile(r"(\bnot|n[’']t) (really )?(that|exactly|all that) [a-z]+\b|\bhardly\b", re.IGNORECASE)
NOT_A_MINIMISER = re.compile(r"\bnot that (I|we|you|it|they|he|she|one)\b", re.IGNORECASE)
CALLERS_WORDS = frozenset({"say", "tell", "mention", "ask", "want", "mean"})
# Whose problem it is: a third party's, denied as the company's ("..., not ours").
FAULT_NOUNS = frozenset({"problem", "fault", "responsibility", "issue", "lookout", "job", "concern"})
OURS = frozenset({"my", "our", "we", "us", "me", "mine", "ours", "your"})
DENIED_AS_OURS = re.compile(r"\bnot (ours|us|mine|me|our \w+|my \w+|the company[’']?s)\b|nothing to do with (us|me)\b",
                            re.IGNORECASE)
# A negative question tag after a statement ("..., didn't you?", "..., wasn't it?").
QUESTION_TAG = re.compile(r",\s*(did|do|does|was|were|is|are|have|has|had|would|could|should|wo|ca)(n[’']t| not) "
                          r"(you|it|they|we|he|she)\?$", re.IGNORECASE)
RETORT_TAG = re.compile(r",? you know[.!]?$", re.IGNORECASE)
# A cheap screen: a sentence without any of these words has none of the structures above.
SCREEN = re.compile(r"\b(you|people|customers|every\w+|nobody|do|does|did|not|hardly|if|how|way|point|well|"
                    r"only|just|literally)\b|n[’']t\b",
                    re.IGNORECASE)


def parse(text: str) -> Doc:
    """`text` through spaCy's small English pipeline (tagger, parser, lemmatizer; not the NER),
    the process's one copy that redaction uses too."""
    from agents.redact.engine import english_pipeline

    return english_pipeline()(text, disable=["ner"])


def subjects(verb: Token) -> list[Token]:
    return [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]


def auxiliaries(verb: Token) -> set[str]:
    """The verb's auxiliaries, lower-cased, with a loose "of" ("should of rung") as one."""
    return {c.lower_ for c in verb.children
            if c.dep_ in ("aux", "auxpass") or (c.dep_ == "advmod" and c.lower_ == "of")}


def in_condition(verb: Token) -> bool:
    """Whether the verb sits in an if/when/unless clause: "if you didn't get it" blames no one."""
    return any(c.dep_ == "mark" and c.lower_ in CONDITION_MARKERS
               for t in (verb, *verb.ancestors) for c in t.children)


def fault_of_caller(verb: Token) -> str | None:
    """The caller as the subject of a modal perfect or a duty they missed."""
    who = {s.lower_ for s in subjects(verb)}
    aux = auxiliaries(verb)
    if verb.dep_ == "xcomp" and verb.head.lower_ == "ought":  # "you ought to have rung": "ought" heads it
        who |= {s.lower_ for s in subjects(verb.head)}
        aux.add("ought")
    if who & CALLER and aux & MODALS_OF_FAULT and aux & PERFECT and done_by_subject(verb):
        return "the caller's fault (modal perfect)"
    duty = next((c for c in verb.children if c.dep_ == "xcomp"), None)
    if who & (CALLER | CALLERS_IN_GENERAL) and duty is not None and done_by_subject(duty):
        past = verb.tag_ == "VBD" or (verb.tag_ == "VBN" and bool(aux & {"was", "were"}))
        # "what you had to do was ...": a past duty spelt out to the caller (a pseudo-cleft)
        spelt_out = verb.lemma_ == "have" and verb.tag_ == "VBD" and verb.dep_ == "csubj"
        if (verb.lemma_ in DUTY and (past or verb.tag_ == "VBN")) or spelt_out:
            return "the caller's duty"
    return None


def done_by_subject(verb: Token) -> bool:
    """Whether the subject acts (rang, ticked), rather than something happening to them
    (received, got, was told): only an act left undone can be the caller's fault."""
    return verb.lemma_ not in HAPPENED_TO and not any(c.dep_ == "auxpass" for c in verb.children)


def insistence(verb: Token) -> str | None:
    """Emphatic do in a statement ("it does say", "you did agree"), not "I do apologise"."""
    do = [c for c in verb.children if c.dep_ == "aux" and c.lemma_ == "do" and c.i < verb.i
          and c.tag_ in ("VBZ", "VBP", "VBD")]
    who = subjects(verb)
    # "people do get hurt": the get-passive leaves "get" as the base form after "do"
    base = verb.tag_ == "VB" or any(c.dep_ == "auxpass" and c.lemma_ == "get" and c.tag_ == "VB" for c in verb.children)
    if not do or not base or not who or who[0].i > do[0].i or any(c.dep_ == "neg" for c in verb.children):
        return None
    duty = verb.lemma_ == "have" and any(c.dep_ == "xcomp" for c in verb.children)
    if AGENTS_RECORD.search(verb.sent.text):  # "it does say here that it was delivered": a finding
        return None
    # the caller, or callers in general ("people do get hurt"), or what the caller was told
    if {s.lower_ for s in who} & (CALLER | CALLERS_IN_GENERAL) or verb.lemma_ in TELLING or duty:
        return "insisting (emphatic do)"
    return None


def one_of_everybody(verb: Token) -> str | None:
    if {s.lower_ for s in subjects(verb)} & EVERYBODY and verb.lemma_ in OF_EVERYBODY:
        return "the caller as one of everybody"
    return None


def elsewhere(sentence: Span) -> str | None:
    """The fault put on a third party and denied as the company's in one sentence: "that's the
    courier's problem, not ours", "it's down to the bank, not us"."""
    if not DENIED_AS_OURS.search(sentence.text):
        return None
    for noun in sentence:
        if noun.lemma_ in FAULT_NOUNS and any(c.dep_ == "poss" and c.lower_ not in OURS for c in noun.children):
            return "the fault put elsewhere"
        if noun.lower_ in ("down", "up") and any(c.dep_ == "prep" and c.lower_ == "to" and any(
                o.dep_ == "pobj" and o.lower_ not in OURS | CALLER for o in c.children) for c in noun.children):
            return "the fault put elsewhere"
    return None


# The company, in the denial "that's not (really) on us".
COMPANY = frozenset({"us", "me"})
# What a caller wishes or offers in an if-clause ("if you'd like", "if you'd rather"): no past act.
WISHING = frozenset({"like", "prefer", "rather", "want", "wish", "care", "mind", "love", "be", "bear", "hold"})
# The agent's softening of "that's how X works" into a lecture: "sort of", "kind of", "just", "simply".
# The thing that works may be a redacted value: the redactor takes odd nouns for names ("<PERSON> work").
HEDGED_LECTURE = re.compile(r"\b(that|it)(['’]s| is) (just |simply |sort of |kind of )(how|the way) ([\w<>'’]+ ){1,4}"
                            r"(works?|goes|go)\b|\b(that|it)(['’]s| is) (sort of |kind of |just )the (whole )?point\b",
                            re.IGNORECASE)


def on_whom(verb: Token) -> str | None:
    """"That's (kind of) on you": a copula whose complement is the preposition "on" with the caller
    as its object puts the matter on them; "that's not (really) on us" denies it is the company's.
    "It's not on you at all" reassures and "that one's on us" owns it: neither counts."""
    if verb.lemma_ != "be" or not subjects(verb):
        return None
    negated = any(c.dep_ == "neg" for c in verb.children)
    for prep in verb.children:
        if prep.dep_ != "prep" or prep.lower_ != "on":
            continue
        objects = {o.lower_ for o in prep.children if o.dep_ == "pobj"
                   # "it's on you to choose" leaves the caller a choice
                   and not (o.i + 1 < len(o.doc) and o.doc[o.i + 1].lower_ == "to")}
        # "on your account" has a noun as its object, not the pronoun
        if objects & CALLER and not negated:
            return "the matter put on the caller"
        if objects & COMPANY and negated:
            return "the matter denied as the company's"
    return None


def counterfactual(verb: Token) -> str | None:
    """"If you'd kept the box, we could have swapped it": the caller (or callers in general) as the
    subject of an if-clause about a past act, under a main clause of would/could/might with a perfect
    or a negation: the better outcome they missed. "If you'd like, I could ...", "if you hadn't
    rung we wouldn't have known" (a negated condition thanks) and an open offer ("if you bring it
    in, we wouldn't charge") are no reproach."""
    if verb.dep_ != "advcl" or not any(c.dep_ == "mark" and c.lower_ == "if" for c in verb.children):
        return None
    who = {s.lower_ for s in subjects(verb)}
    if not who & (CALLER | CALLERS_IN_GENERAL) or any(c.dep_ == "neg" for c in verb.children):
        return None
    if verb.lemma_ in WISHING or not done_by_subject(verb):
        return None
    aux = auxiliaries(verb)
    perfect = bool(aux & {"had", "'d", "’d"})
    # a plain past of callers in general: "if people booked ahead"; for the caller it is an offer
    generic_past = verb.tag_ == "VBD" and not aux and bool(who & CALLERS_IN_GENERAL)
    if not (perfect or generic_past):
        return None
    # the main clause: the if-clause's head, or the sentence's root past an aside ("like we tell them")
    for main in (verb.head, verb.sent.root):
        main_aux = auxiliaries(main)
        if not main_aux & {"would", "could", "might", "'d", "’d"}:
            continue
        # "...we wouldn't have a queue", "...we could have swapped it"; not "I'd have been glad to help"
        if any(c.dep_ == "neg" for c in main.children) or (main_aux & PERFECT and main.lemma_ != "be"):
            return "the caller's past as the condition of a better outcome"
    return None


def reproach_in(sentence: Span) -> str | None:
    """Why the sentence reproaches the caller, or None."""
    for verb in sentence:
        if verb.pos_ not in ("VERB", "AUX"):
            continue
        found = counterfactual(verb)  # the if-clause itself is the reproach
        if found:
            return found
        if in_condition(verb):
            continue
        found = fault_of_caller(verb) or insistence(verb) or one_of_everybody(verb) or on_whom(verb)
        if found:
            return found
    if HEDGED_LECTURE.search(sentence.text):
        return "the obvious explained"
    found = elsewhere(sentence)
    if found:
        return found
    text = sentence.text.strip()
    if MINIMISER.search(text) and not NOT_A_MINIMISER.search(text):
        return "minimising"
    # "I'd be fed up too, you know.": the agent sharing the caller's feeling is no retort
    if RETORT_TAG.search(text) and not any(w.lower_ == "i" and w.dep_ in ("nsubj", "nsubjpass") for w in sentence):
        return "a retort tag"
    return None


# What the caller is asked whether they "even" did: heeding, reading, trying, understanding.
HEEDING = frozenset({"listen", "hear", "read", "look", "check", "understand", "know", "try", "open", "bother",
                     "think", "care", "pay", "notice", "follow"})


def scolding_question(sentence: Span) -> str | None:
    """A question that scolds rather than asks: the caller asked whether they *even* heeded, read or
    tried ("Are you even listening?", "Did you even open the letter?"); "Did you get the letter?"
    and "Can you even out the payments?" ask, as does what the caller can do ("Can you even open the
    app?": a troubleshooting step)."""
    for word in sentence:
        if word.lower_ != "even" or word.dep_ != "advmod":
            continue
        verb = word.head
        # "Can you even open the app?" checks what the caller is able to do
        if verb.lemma_ in HEEDING and {s.lower_ for s in subjects(verb)} & CALLER and not in_condition(verb) \
                and not auxiliaries(verb) & {"can", "could", "ca"}:
            return "a scolding question"
    return None


# (session 20) A sentence opened by a retort "well" (after "yeah", "oh" or "no" too)...
RETORT_OPENER = re.compile(r"^(yeah|yes|oh|no|ah)?[,.]? ?well\b", re.IGNORECASE)
# ...and closed by a question tag of either polarity: "..., isn't it.", "..., did they?", "..., shall I?".
ANY_TAG = re.compile(r",\s*(is|are|was|were|do|does|did|can|could|would|will|wo|should|shall|have|has|had|ca|must)"
                     r"(n[’']t| not)? (it|you|i|we|they|he|she|there|that)\s*[?.!]?$", re.IGNORECASE)
# ...unless it consoles: "Well, you're safe, that's the main thing, isn't it?"
CONSOLING = re.compile(r"\b(main thing|good news|glad|lucky|luckily|what matters|safe|well done|fair enough)\b",
                       re.IGNORECASE)
# "it's not like we cancelled Christmas": a loss measured against a worse one (a pronoun or a noun
# phrase doing something follows). With the caller as its subject it sides with them: "it's not like
# you did it on purpose", "it's not like you can just leave it outside", "it's not like you to miss a
# payment", so "you" is left out.
NOT_LIKE = re.compile(r"\b(it|that)(['’]s| is|['’]s not| isn['’]t)( not)? (like|as if|as though) "
                      r"(?!(him|her|them|me|us) to\b)"
                      r"(we|i|they|he|she|it|someone|anyone|anybody|the \w+)\b",
                      re.IGNORECASE)
# "it's only nine ninety nine", "that's just a few quid": the caller's loss put as a small amount.
AMOUNT = r"(a few|a couple|a bit|a little|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|\S*\d)"
BELITTLED = re.compile(rf"\b(it|that)(['’]s| is| was) (only|just|literally) {AMOUNT}\b", re.IGNORECASE)
FIRST_PERSON = frozenset({"i", "we"})


def retort_tag(sentence: Span) -> str | None:
    """"Well, the windows didn't clean themselves, did they.": a retort opened by "well" and closed
    by a question tag asks nothing (see RETORT_OPENER)."""
    text = sentence.text.strip()
    if RETORT_OPENER.search(text) and ANY_TAG.search(text) and not CONSOLING.search(text):
        return "a retort with a question tag"
    return None


def ultimatum(sentence: Span) -> str | None:
    """"Do you want me to book it or not?": a yes-or-no choice put on the caller as an ultimatum (the
    caller the subject of the question's main verb); "whether or not" and a choice between two
    things ("the morning or the afternoon?") ask."""
    text = sentence.text.strip()
    if not re.search(r"\bor not\s*[?.!]?$", text, re.IGNORECASE) or re.search(r"\bwhether\b", text, re.IGNORECASE):
        return None
    if {s.lower_ for s in subjects(sentence.root)} & CALLER:
        return "an ultimatum question"
    return None


def expectation_asked_back(sentence: Span) -> str | None:
    """"I don't know what you're expecting me to do", "what do you expect me to say?": the agent
    asking back what the caller expects of them, with "what" the thing to do. "You can expect me to
    ring by five" promises."""
    for verb in sentence:
        if verb.lemma_ != "expect":
            continue
        after = sentence.doc[verb.i + 1:verb.i + 3]
        if not any(t.lower_ in ("me", "us") for t in after):
            continue
        if any(t.lower_ == "what" and t.i < verb.i for t in sentence):
            return "the caller's expectation asked back"
    return None


def belittled(sentence: Span) -> str | None:
    """The caller's loss made light of: "it's not like we cancelled Christmas", or a short "it's only
    nine ninety nine" with no act of the agent's ("it's only a small fee, and I've waived it for you")."""
    text = sentence.text.strip()
    if NOT_LIKE.search(text):
        return "the loss belittled"
    if BELITTLED.search(text) and len([t for t in sentence if not t.is_punct]) <= 8 \
            and not any(t.lower_ in FIRST_PERSON and t.dep_ in ("nsubj", "nsubjpass") for t in sentence):
        return "the loss belittled"
    return None


def reproach(text: str) -> str | None:
    """Why an agent's sentence reproaches the caller (see the module's doc), or None: questions
    and softened sentences never do."""
    if not SCREEN.search(text):
        return None
    for sentence in parse(text).sents:
        plain = sentence.text.strip()
        if SOFTENER.search(plain):
            continue
        found = retort_tag(sentence) or ultimatum(sentence) or expectation_asked_back(sentence) or belittled(sentence)
        if found:
            return found
        if plain.endswith("?"):
            found = scolding_question(sentence)
            if found:
                return found
            # "You did read the email, didn't you?": a statement with a tag asks nothing; judged
            # as the statement ("You did read the email.")
            tag = QUESTION_TAG.search(plain)
            if tag is None or tag.start() == 0:
                continue
            statement = parse(plain[:tag.start()].strip() + ".")
            # "you did say Tuesday, didn't you?" checks what the caller said: no reproach
            if any(t.lemma_ in CALLERS_WORDS and {c.lower_ for c in subjects(t)} & CALLER for t in statement):
                continue
            found = next((f for s in statement.sents if (f := reproach_in(s))), None)
            if found:
                return f"{found}, with a question tag"
            continue
        found = reproach_in(sentence)
        if found:
            return found
    return None
